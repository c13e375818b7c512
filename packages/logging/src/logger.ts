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
 */
export function createLogger({ service, level = 'info', destination }: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'req.headers["ecp-identity"]',
        '*.apiKey',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}
