import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { createLogger } from '@ecp/logging/logger';
import { startOtlpReceiver } from '@ecp/test-kit/otlp-receiver';
import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { startRequestSpan, withClientSpan } from './spans';
import { startTelemetry, tracingEnabled } from './telemetry';
import { currentTraceparent, outsideAnyTrace, traceHeaders, withTraceparent } from './trace-context';

/**
 * Tracing is off unless an OTLP endpoint is configured, and off means nothing runs: the SDK is never
 * loaded, no tracer provider is registered, and every helper passes straight through.
 */
const PARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** Whether any module of the OpenTelemetry SDK has been loaded into this process. */
function sdkLoaded(): boolean {
  const cache = createRequire(import.meta.url).cache;
  return Object.keys(cache).some((path) => /@opentelemetry[\\/](sdk-node|sdk-trace|exporter-)/.test(path));
}

describe('telemetry without an OTLP endpoint', () => {
  it('starts nothing, loads no SDK, and leaves the no-op tracer in place', async () => {
    const stop = await startTelemetry({ service: 'test', env: {} });
    expect(tracingEnabled()).toBe(false);
    expect(sdkLoaded()).toBe(false);
    const span = trace.getTracer('test').startSpan('probe');
    expect(span.isRecording()).toBe(false);
    expect(span.spanContext().traceId).toBe('00000000000000000000000000000000');
    span.end();
    await stop();
  });

  it('passes work straight through: no traceparent, no headers, no spans', async () => {
    expect(currentTraceparent()).toBeUndefined();
    expect(traceHeaders()).toEqual({});
    expect(startRequestSpan({ traceparent: PARENT }, 'POST /graphql', {})).toBeUndefined();
    const seen = await withTraceparent(PARENT, 'job', { a: 1 }, () => ({
      active: trace.getActiveSpan(),
      traceparent: currentTraceparent(),
    }));
    expect(seen).toEqual({ active: undefined, traceparent: undefined });
    expect(await withClientSpan('call', {}, async (s) => s)).toBeUndefined();
    expect(outsideAnyTrace(() => 42)).toBe(42);
    await expect(
      withTraceparent(PARENT, 'job', {}, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
  });

  it('writes log lines without trace fields', async () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n')));
    const logger = createLogger({ service: 'test', destination: out });
    await withTraceparent(PARENT, 'job', {}, () => logger.info({ n: 1 }, 'inside'));
    await new Promise((r) => setImmediate(r));
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ n: 1, msg: 'inside' });
    expect(line).not.toHaveProperty('trace_id');
  });

  it('stays off when OTEL_SDK_DISABLED is true, even with an endpoint: nothing is sent', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const stop = await startTelemetry({
        service: 'test',
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SDK_DISABLED: 'true' },
      });
      expect(tracingEnabled()).toBe(false);
      await withTraceparent(PARENT, 'job', {}, () => undefined);
      await stop();
      expect(sdkLoaded()).toBe(false);
      expect(receiver.paths).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});
