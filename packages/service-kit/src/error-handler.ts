import {
  BadRequestError,
  EcpError,
  ForbiddenError,
  isEcpError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '@ecp/errors/errors';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';

const BAD_REQUEST_MESSAGES: Record<string, string> = {
  'entity.parse.failed': 'The request body does not parse as its Content-Type says.',
  'request.aborted': 'The request was aborted before its body arrived.',
  'request.size.invalid': 'The request body does not match its Content-Length.',
};

/**
 * What an error raised by Express's own machinery — body parsers, static files, routing — means to a
 * caller, as one of ECP's coded errors; undefined for anything unexpected. Their messages are never
 * passed on: a missing file's carries its absolute path, a parse failure's quotes the body.
 */
export function toKnownError(err: unknown): EcpError | undefined {
  if (isEcpError(err)) return err;
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, statusCode, type, limit, errno } = err as Record<string, unknown>;
  const code = typeof status === 'number' ? status : statusCode;
  if (typeof code !== 'number' || code < 400 || code >= 500) return undefined;
  switch (code) {
    case 403:
      return new ForbiddenError('Forbidden.');
    case 404:
      return new NotFoundError('Not found.');
    case 413:
      return new PayloadTooLargeError(
        typeof limit === 'number'
          ? `The request body is larger than the limit of ${limit} bytes.`
          : 'The request is too large.',
      );
    case 415:
      return new UnsupportedMediaTypeError(
        type === 'charset.unsupported'
          ? 'Unsupported charset: send UTF-8.'
          : 'Unsupported Content-Encoding: send the body as it is, or compressed with gzip, deflate or br.',
      );
    default: {
      const known = typeof type === 'string' ? BAD_REQUEST_MESSAGES[type] : undefined;
      // zlib's errors (a body that is not what its Content-Encoding says) carry an errno and no type.
      const message =
        known ??
        (typeof errno === 'number'
          ? 'The request body cannot be decompressed as its Content-Encoding says.'
          : 'Malformed request.');
      return new BadRequestError(message, code);
    }
  }
}

/** Answers with a coded error in the shape GraphQL clients already read: `{ errors: [{ message, extensions: { code } }] }`. */
export function sendError(res: Response, err: EcpError): void {
  res.locals.errorCode = err.code;
  res.status(err.httpStatus).json({
    errors: [
      {
        message: err.message,
        extensions: { code: err.code, ...(err.details.length > 0 ? { details: err.details } : {}) },
      },
    ],
  });
}

/** The shell's last route: whatever no route answered. */
export const notFound: RequestHandler = (_req, _res, next) => {
  next(new NotFoundError('Not found.'));
};

/**
 * The shell's one error handler, after every route. Known errors answer with their status and code;
 * anything else is logged once, with its stack, and answered 500 INTERNAL_SERVER_ERROR with no detail.
 * Express's own handler — an HTML page that, outside production, shows the stack — is never reached.
 */
export const answerErrors: ErrorRequestHandler = (err, req, res, _next) => {
  const known = toKnownError(err);
  if (!known) req.log.error({ err }, 'unexpected error answering a request');
  if (res.headersSent) {
    // Too late to answer: cutting the connection is the only way left to tell the client it failed.
    req.socket.destroy();
    return;
  }
  sendError(res, known ?? new EcpError('INTERNAL_SERVER_ERROR', 'Internal server error', 500));
};
