/**
 * The platform's error hierarchy. Expected failures carry a stable `code` that clients branch on
 * (it becomes `extensions.code` at the GraphQL boundary) and the HTTP status that fits them.
 * Anything that is not an EcpError is a bug: logged once and reported as INTERNAL_SERVER_ERROR.
 */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'INVALID_SIGNATURE',
  'UNKNOWN_PRECEDENT',
  'INVALID_ADVICE',
  'OUT_OF_RANGE',
  'CURSOR_EXPIRED',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetail {
  /** Where in the input the problem is, e.g. `input.name` or `/options/0`. */
  path?: string;
  reason: string;
}

export class EcpError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly details: readonly ErrorDetail[];

  constructor(code: ErrorCode, message: string, httpStatus: number, details: readonly ErrorDetail[] = []) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.httpStatus = httpStatus;
    this.details = details;
  }
}

/** The request itself cannot be read: a malformed body, URL or encoding, before any operation is looked at. */
export class BadRequestError extends EcpError {
  constructor(message: string, httpStatus = 400) {
    super('BAD_REQUEST', message, httpStatus);
  }
}

export class BadUserInputError extends EcpError {
  constructor(message: string, details: readonly ErrorDetail[] = []) {
    super('BAD_USER_INPUT', message, 400, details);
  }
}

export class UnauthenticatedError extends EcpError {
  constructor(message = 'Authentication required: send an API key as "Authorization: Bearer <key>".') {
    super('UNAUTHENTICATED', message, 401);
  }
}

export class ForbiddenError extends EcpError {
  constructor(message: string) {
    super('FORBIDDEN', message, 403);
  }
}

export class NotFoundError extends EcpError {
  constructor(message: string) {
    super('NOT_FOUND', message, 404);
  }
}

export class ConflictError extends EcpError {
  constructor(message: string, details: readonly ErrorDetail[] = []) {
    super('CONFLICT', message, 409, details);
  }
}

export class PayloadTooLargeError extends EcpError {
  constructor(message: string, details: readonly ErrorDetail[] = []) {
    super('PAYLOAD_TOO_LARGE', message, 413, details);
  }
}

/** A body sent in a media type, charset or content encoding the endpoint does not read. */
export class UnsupportedMediaTypeError extends EcpError {
  constructor(message: string) {
    super('UNSUPPORTED_MEDIA_TYPE', message, 415);
  }
}

/** A signature that does not verify under the key it names. */
export class InvalidSignatureError extends EcpError {
  constructor(message: string, details: readonly ErrorDetail[] = []) {
    super('INVALID_SIGNATURE', message, 400, details);
  }
}

/** A citation of a ledger entry that does not exist or whose leaf hash differs. */
export class UnknownPrecedentError extends EcpError {
  constructor(message: string, details: readonly ErrorDetail[] = []) {
    super('UNKNOWN_PRECEDENT', message, 400, details);
  }
}

/**
 * Advice a decision names (a friction assessment, a poll) that the subgraph which gave it does not
 * confirm: it does not exist, is about another draft or agent, or could not be checked.
 */
export class InvalidAdviceError extends EcpError {
  constructor(message: string, details: readonly ErrorDetail[] = []) {
    super('INVALID_ADVICE', message, 400, details);
  }
}

/** An index or tree size beyond what the ledger holds. */
export class OutOfRangeError extends EcpError {
  constructor(message: string, details: readonly ErrorDetail[] = []) {
    super('OUT_OF_RANGE', message, 400, details);
  }
}

/**
 * A subscription's resume cursor that cannot be replayed: the events after it are no longer held, or
 * there are more of them than the gateway replays. The client refetches with a query instead.
 */
export class CursorExpiredError extends EcpError {
  constructor(message: string) {
    super('CURSOR_EXPIRED', message, 410);
  }
}

/** The caller already has as many requests of this kind running or waiting as it may. */
export class RateLimitedError extends EcpError {
  constructor(message: string) {
    super('RATE_LIMITED', message, 429);
  }
}

export class ServiceUnavailableError extends EcpError {
  constructor(message: string) {
    super('SERVICE_UNAVAILABLE', message, 503);
  }
}

export function isEcpError(err: unknown): err is EcpError {
  return err instanceof EcpError;
}
