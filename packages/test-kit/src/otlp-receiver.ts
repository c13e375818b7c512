import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One span as an OTLP collector received it, flattened for assertions. */
export interface ReceivedSpan {
  /** `service.name` of the process that exported it. */
  service: string;
  /** The instrumentation scope (tracer) that made it: `ecp`, `@apollo/gateway`… */
  scope: string;
  name: string;
  /** OTLP's span kind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  traceId: string;
  spanId: string;
  /** Empty for a trace's root. */
  parentSpanId: string;
  attributes: Record<string, unknown>;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
}

export const SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

export interface OtlpReceiver {
  /** The base endpoint, for `OTEL_EXPORTER_OTLP_ENDPOINT` (traces arrive at `<url>/v1/traces`). */
  url: string;
  /** Every span received so far, in arrival order. */
  readonly spans: readonly ReceivedSpan[];
  /** The path of every export request received (`/v1/traces`…), in order. */
  readonly paths: readonly string[];
  /** The spans of one trace. */
  trace(traceId: string): ReceivedSpan[];
  /** Resolves with the spans received once `done` holds for them; rejects after `timeoutMs`. */
  waitFor(done: (spans: readonly ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

interface OtlpValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpValue;
}
interface ExportTraceServiceRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind?: number;
        attributes?: OtlpKeyValue[];
        status?: { code?: number };
      }[];
    }[];
  }[];
}

/**
 * An OpenTelemetry collector's OTLP/HTTP endpoint on loopback, in the test's own process: it accepts
 * the JSON encoding (what `@opentelemetry/exporter-trace-otlp-http` sends), gzipped or not, answers
 * as a collector does, and keeps what it received. Protobuf is refused with 415, so a test would
 * notice an exporter that switched encoding.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const paths: string[] = [];
  const waiters = new Set<() => void>();
  const server = createServer(async (req, res) => {
    paths.push(req.url ?? '');
    try {
      if (req.method !== 'POST' || !req.headers['content-type']?.startsWith('application/json')) {
        res.writeHead(415, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      const body = JSON.parse(await text(req)) as ExportTraceServiceRequest;
      if (req.url === '/v1/traces') spans.push(...flatten(body));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      for (const wake of waiters) wake();
    } catch (err) {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: String(err) }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    spans,
    paths,
    trace: (traceId) => spans.filter((s) => s.traceId === traceId),
    waitFor(done, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!done(spans)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve([...spans]);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `the spans awaited did not arrive within ${timeoutMs} ms; received: ${JSON.stringify(
                spans.map((s) => `${s.service}: ${s.name} (${s.traceId})`),
              )}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function text(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
}

function flatten(body: ExportTraceServiceRequest): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const resource of body.resourceSpans ?? []) {
    const service = String(attributes(resource.resource?.attributes)['service.name'] ?? '');
    for (const scoped of resource.scopeSpans ?? []) {
      for (const span of scoped.spans ?? []) {
        out.push({
          service,
          scope: scoped.scope?.name ?? '',
          name: span.name,
          kind: span.kind ?? 0,
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ?? '',
          attributes: attributes(span.attributes),
          statusCode: span.status?.code ?? 0,
        });
      }
    }
  }
  return out;
}

function attributes(list: OtlpKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, otlpValue(value)]));
}

function otlpValue(value: OtlpValue | undefined): unknown {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(otlpValue);
  return undefined;
}
