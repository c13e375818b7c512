import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { createLogger } from '@ecp/logging/logger';
import { type OtlpReceiver, SPAN_KIND, startOtlpReceiver } from '@ecp/test-kit/otlp-receiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRequestSpan, withClientSpan } from './spans';
import { type StopTelemetry, startTelemetry, tracesEndpoint, tracingEnabled } from './telemetry';
import { currentTraceparent, outsideAnyTrace, traceHeaders, withTraceparent } from './trace-context';

/**
 * Tracing on, exported to an OTLP receiver in this process: spans continue the W3C traceparent they
 * are given, carry it on to the next process, and reach the collector; log lines name their span.
 */
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT_SPAN = 'b7ad6b7169203331';
const PARENT = `00-${TRACE}-${PARENT_SPAN}-01`;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

let receiver: OtlpReceiver;
let stop: StopTelemetry;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  stop = await startTelemetry({
    service: 'telemetry-test',
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: 20 },
  });
});

afterAll(async () => {
  await stop?.();
  await receiver?.close();
});

/** The one span received with this name, once it has arrived. */
async function received(name: string) {
  const spans = await receiver.waitFor((all) => all.some((s) => s.name === name));
  return spans.find((s) => s.name === name)!;
}

describe('withTraceparent', () => {
  it('runs the work in a consumer span whose parent is the given traceparent', async () => {
    expect(tracingEnabled()).toBe(true);
    // The check telemetry-off.test.ts relies on, seen to find the SDK once it is loaded.
    const cache = createRequire(import.meta.url).cache;
    expect(Object.keys(cache).some((path) => /@opentelemetry[\\/]sdk-node/.test(path))).toBe(true);
    const inside = await withTraceparent(PARENT, 'job continue', { 'ecp.event.id': 'e-1' }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      return currentTraceparent();
    });
    const [, traceId, spanId] = TRACEPARENT.exec(inside ?? '') ?? [];
    expect(traceId).toBe(TRACE);
    const span = await received('job continue');
    expect(span).toMatchObject({
      service: 'telemetry-test',
      scope: 'ecp',
      kind: SPAN_KIND.consumer,
      traceId: TRACE,
      spanId,
      parentSpanId: PARENT_SPAN,
      attributes: { 'ecp.event.id': 'e-1' },
      statusCode: 0,
    });
  });

  it('records a failure on the span and rethrows it unchanged', async () => {
    const failure = new Error('the job failed');
    await expect(
      withTraceparent(PARENT, 'job fail', {}, () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect((await received('job fail')).statusCode).toBe(2);
  });

  it('starts a trace of its own without a traceparent, or with a malformed one', async () => {
    const none = await withTraceparent(undefined, 'job untraced', {}, () => currentTraceparent());
    const bad = await withTraceparent('not-a-traceparent', 'job malformed', {}, () => currentTraceparent());
    for (const [name, inside] of [
      ['job untraced', none],
      ['job malformed', bad],
    ] as const) {
      const span = await received(name);
      expect(span.parentSpanId).toBe('');
      expect(span.traceId).not.toBe(TRACE);
      expect(inside).toMatch(TRACEPARENT);
      expect(inside).toContain(span.traceId);
    }
  });
});

describe('log lines', () => {
  it('carry the trace id and span id of the span they were written in', async () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n')));
    const logger = createLogger({ service: 'worker', destination: out }).child({ module: 'jobs' });
    const inside = await withTraceparent(PARENT, 'job logs', {}, async () => {
      await new Promise((r) => setTimeout(r, 1));
      logger.info({ jobId: 'j-1' }, 'scored');
      return currentTraceparent();
    });
    logger.info('outside');
    await new Promise((r) => setImmediate(r));
    const [, , spanId] = TRACEPARENT.exec(inside ?? '') ?? [];
    const [first, second] = lines.map((l) => JSON.parse(l));
    expect(first).toMatchObject({
      jobId: 'j-1',
      module: 'jobs',
      msg: 'scored',
      trace_id: TRACE,
      span_id: spanId,
    });
    expect(second).not.toHaveProperty('trace_id');
  });
});

describe('spans across HTTP', () => {
  it("continues the caller's traceparent in a server span, and a client span's in the next request's headers", async () => {
    const request = startRequestSpan({ traceparent: PARENT }, 'POST /graphql', { 'ecp.request_id': 'r-1' });
    expect(request?.traceId).toBe(TRACE);
    const req = new EventEmitter();
    const res = new EventEmitter();
    const sent = await new Promise<Record<string, string>>((resolve) => {
      request!.run(req, res, () => {
        // Body parsers continue on the request's events, emitted from outside the span.
        req.on('end', () => {
          void withClientSpan('subgraph ledger', { 'ecp.subgraph': 'ledger' }, async () =>
            traceHeaders(),
          ).then(resolve);
        });
      });
      outsideAnyTrace(() => setImmediate(() => req.emit('end')));
    });
    request!.end(200);
    request!.end(500);
    const server = await received('POST /graphql');
    const client = await received('subgraph ledger');
    expect(server).toMatchObject({
      kind: SPAN_KIND.server,
      traceId: TRACE,
      parentSpanId: PARENT_SPAN,
      attributes: { 'ecp.request_id': 'r-1', 'http.response.status_code': 200 },
      statusCode: 0,
    });
    expect(client).toMatchObject({ kind: SPAN_KIND.client, traceId: TRACE, parentSpanId: server.spanId });
    expect(sent.traceparent).toBe(`00-${TRACE}-${client.spanId}-01`);
  });

  it('opens no client span where no span is active, and sends no traceparent', async () => {
    const headers = await outsideAnyTrace(() =>
      withClientSpan('subgraph fan-out', {}, async (span) => ({ span, headers: traceHeaders() })),
    );
    expect(headers).toEqual({ span: undefined, headers: {} });
  });

  it('marks a request span failed when the answer is a server error', async () => {
    const request = startRequestSpan({}, 'POST other', {});
    request!.end(503, { 'ecp.error_code': 'SERVICE_UNAVAILABLE' });
    const span = await received('POST other');
    expect(span).toMatchObject({
      parentSpanId: '',
      statusCode: 2,
      attributes: { 'http.response.status_code': 503, 'ecp.error_code': 'SERVICE_UNAVAILABLE' },
    });
  });
});

describe('export', () => {
  it('sends traces only, to <endpoint>/v1/traces', () => {
    expect(receiver.paths.length).toBeGreaterThan(0);
    expect(new Set(receiver.paths)).toEqual(new Set(['/v1/traces']));
  });

  it('finds the traces endpoint as OTLP/HTTP defines it', () => {
    expect(tracesEndpoint({})).toBeUndefined();
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe('http://c:4318/v1/traces');
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/otlp/' })).toBe(
      'http://c:4318/otlp/v1/traces',
    );
    expect(
      tracesEndpoint({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:9/traces',
      }),
    ).toBe('http://t:9/traces');
  });
});
