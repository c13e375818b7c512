import { z } from 'zod';

/**
 * The OpenTelemetry variables ECP's processes read (the standard names, so a collector's usual setup
 * works unchanged). Every one is optional: with no OTLP endpoint, tracing is off and costs nothing.
 * An empty value counts as unset, as the OpenTelemetry specification says.
 */
const unsetIfEmpty = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL (OTLP over HTTP)');

/** `key=value` pairs separated by commas, values percent-encoded (W3C Baggage format). */
const HEADER_LIST = /^\s*[^=,\s]+\s*=[^,]*(,\s*[^=,\s]+\s*=[^,]*)*$/;

export const TRACES_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

export const telemetryEnvShape = {
  /** `true` turns tracing off whatever else is set. */
  OTEL_SDK_DISABLED: unsetIfEmpty(z.enum(['true', 'false'])),
  /** The collector's OTLP/HTTP base URL; traces go to `<endpoint>/v1/traces`. Unset: no tracing. */
  OTEL_EXPORTER_OTLP_ENDPOINT: unsetIfEmpty(httpUrl),
  /** The full URL traces are sent to, when it is not `<endpoint>/v1/traces`. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: unsetIfEmpty(httpUrl),
  /** Headers sent with every export (`authorization=Bearer%20…`), for a collector that wants them. */
  OTEL_EXPORTER_OTLP_HEADERS: unsetIfEmpty(
    z.string().regex(HEADER_LIST, 'must be key=value pairs separated by commas'),
  ),
  /** The `service.name` of the process's spans; by default the process's own name (`gateway`, `ledger`…). */
  OTEL_SERVICE_NAME: unsetIfEmpty(z.string().min(1)),
  /** Which traces are recorded; by default `parentbased_always_on` (all, unless the caller said not to). */
  OTEL_TRACES_SAMPLER: unsetIfEmpty(z.enum(TRACES_SAMPLERS)),
  /** The ratio for the `*traceidratio` samplers, 0 to 1 (default 1). */
  OTEL_TRACES_SAMPLER_ARG: unsetIfEmpty(z.coerce.number().min(0).max(1)),
  /** Milliseconds between two exports of finished spans (default 5000). */
  OTEL_BSP_SCHEDULE_DELAY: unsetIfEmpty(z.coerce.number().int().min(0)),
};

/** What a process's telemetry is started from. */
export type TelemetryEnv = z.output<z.ZodObject<typeof telemetryEnvShape>>;
