import type { TelemetryEnv } from '@ecp/config/telemetry-env';
import { context, DiagLogLevel, diag, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Sampler } from '@opentelemetry/sdk-trace';

/** What telemetry tells about itself: where traces go, and export problems. A pino logger fits. */
export interface TelemetryLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface TelemetryOptions {
  /** The process's name (`gateway`, `ledger`…): its spans' `service.name` unless `OTEL_SERVICE_NAME` is set. */
  service: string;
  /** The process's parsed environment (every `env.ts` spreads `serviceCommon`, which holds these). */
  env: TelemetryEnv;
  logger?: TelemetryLogger;
}

/** Flushes the spans not yet exported and stops exporting; never rejects. */
export type StopTelemetry = () => Promise<void>;

let running: { stop: StopTelemetry } | undefined;

/** True once `startTelemetry` started the SDK in this process (and until it was stopped). */
export function tracingEnabled(): boolean {
  return running !== undefined;
}

/**
 * Starts tracing for the process when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`,
 * or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and `OTEL_SDK_DISABLED` is not `true`. Spans are exported
 * over OTLP/HTTP (JSON) in batches; context travels as W3C `traceparent`. Call it before anything
 * serves, and register what it returns with the shutdown routine first, so that it closes last and
 * the spans of the requests drained before it are sent.
 *
 * Otherwise nothing is started: the SDK is not even loaded, `@opentelemetry/api` stays on its no-op
 * tracer, and every helper of this package returns at its first line.
 */
export async function startTelemetry({ service, env, logger }: TelemetryOptions): Promise<StopTelemetry> {
  const url = tracesEndpoint(env);
  if (!url || env.OTEL_SDK_DISABLED === 'true') return async () => {};
  if (running) return running.stop;
  // Loaded only when tracing is on: the SDK and its exporters are some 400 modules (here ≈350 ms to
  // load and 30 MB of memory) that a process without a collector has no use for.
  const [{ NodeSDK }, { OTLPTraceExporter }, { BatchSpanProcessor }, { AsyncLocalStorageContextManager }] =
    await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/context-async-hooks'),
    ]);
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  const { envDetector, hostDetector, processDetector } = await import('@opentelemetry/resources');
  if (logger) {
    // The SDK reports failed exports (collector down, refused) through its diagnostic logger, which
    // is silent unless set: route its warnings and errors into the process's own log.
    const warn = (message: string, ...args: unknown[]) =>
      // Outside any trace: an export runs in the context of whichever span ended last, not for it.
      context.with(ROOT_CONTEXT, () =>
        logger.warn(
          { module: 'telemetry', detail: [message, ...args.map(String)].join(' ').slice(0, 2000) },
          'the OpenTelemetry SDK reported a problem (a failed export, usually)',
        ),
      );
    const quiet = () => {};
    diag.setLogger({ error: warn, warn, info: quiet, debug: quiet, verbose: quiet }, DiagLogLevel.WARN);
  }
  const headers = exportHeaders(env.OTEL_EXPORTER_OTLP_HEADERS);
  const serviceName = env.OTEL_SERVICE_NAME ?? service;
  const sdk = new NodeSDK({
    serviceName,
    // OTEL_RESOURCE_ATTRIBUTES, then the process and the host, so replicas can be told apart.
    resourceDetectors: [envDetector, processDetector, hostDetector],
    contextManager: new AsyncLocalStorageContextManager(),
    textMapPropagator: new W3CTraceContextPropagator(),
    sampler: await sampler(env),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url, ...(headers ? { headers } : {}) }),
        ...(env.OTEL_BSP_SCHEDULE_DELAY !== undefined
          ? { scheduledDelayMillis: env.OTEL_BSP_SCHEDULE_DELAY }
          : {}),
      }),
    ],
    // Traces only: without these the SDK would also export metrics and logs by default.
    metricReaders: [],
    logRecordProcessors: [],
    // Spans are opened by ECP's own code where context crosses a process (see ARCHITECTURE.md, "Traces"),
    // not by require hooks, which do not see ESM imports under tsx.
    instrumentations: [],
  });
  sdk.start();
  logger?.info({ url, serviceName }, 'traces are exported over OTLP');
  let stopping: Promise<void> | undefined;
  const stop: StopTelemetry = () => {
    // Traces are best effort: a collector that is away when the process stops costs the last spans,
    // not a clean shutdown.
    stopping ??= sdk
      .shutdown()
      .catch((err: unknown) => logger?.warn({ err }, 'the last spans could not be exported'))
      .finally(() => {
        running = undefined;
      });
    return stopping;
  };
  running = { stop };
  return stop;
}

/**
 * Where traces are sent: the traces endpoint as given, or `v1/traces` under the base endpoint (the
 * OTLP/HTTP rule for the base URL, whether or not it ends with a slash). Undefined when neither is set.
 */
export function tracesEndpoint(
  env: Pick<TelemetryEnv, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'>,
): string | undefined {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!base) return undefined;
  return `${base.endsWith('/') ? base : `${base}/`}v1/traces`;
}

/** `a=b,c=d%20e` → `{ a: 'b', c: 'd e' }` (the format was checked when the environment was parsed). */
function exportHeaders(list: string | undefined): Record<string, string> | undefined {
  if (!list) return undefined;
  const headers: Record<string, string> = {};
  for (const pair of list.split(',')) {
    const at = pair.indexOf('=');
    headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}

/** `OTEL_TRACES_SAMPLER` and its ratio, as the specification defines them; parent-based by default. */
async function sampler(env: TelemetryEnv): Promise<Sampler> {
  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } = await import(
    '@opentelemetry/sdk-trace'
  );
  const ratio = () => new TraceIdRatioBasedSampler(env.OTEL_TRACES_SAMPLER_ARG ?? 1);
  switch (env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on') {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio() });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}
