import { isSpanContextValid, trace } from '@opentelemetry/api';
import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

export interface LoggerConfig {
  /** The process's name as it appears in every line (`gateway`, `ledger`, ...). */
  service: string;
  level?: string;
  /** Written to instead of stdout; tests pass a stream to read what was logged. */
  destination?: NodeJS.WritableStream;
}

/**
 * Creates the process's root logger: JSON lines with `service`, ISO time and error serialisation.
 * Modules derive children with `logger.child({ module })`; requests with `{ requestId, actor }`.
 * A line written while a span is active carries its `trace_id` and `span_id`, so an operator can go
 * from a trace to its logs and back.
 */
export function createLogger({ service, level = 'info', destination }: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    mixin: traceFields,
    // Pino's default merge copies every line's fields onto the mixin's object; with no span there is nothing to add.
    mixinMergeStrategy: (fields, ids) => (ids === NO_TRACE ? fields : Object.assign(ids, fields)),
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'req.headers["ecp-identity"]',
        'req.headers.cookie',
        '*.apiKey',
        '*.password',
        '*.setupToken',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}

const NO_TRACE = Object.freeze({});

/**
 * The active span's ids, the names OpenTelemetry's log data model gives them. While tracing is off,
 * `@opentelemetry/api`'s no-op context has no span, and this is one lookup that finds none.
 */
function traceFields(): object {
  const span = trace.getActiveSpan();
  if (!span) return NO_TRACE;
  const ids = span.spanContext();
  return isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : NO_TRACE;
}
