/**
 * Every failure the client reports is an `EcpError`: one class per `extensions.code` the API documents
 * (docs/api/README.md, "Errors"), so an agent branches with `instanceof` rather than on strings, plus
 * the client's own (`NetworkError`, `ProtocolError`, `SigningKeyNotRegisteredError`,
 * `VerificationError`). Each keeps the server's message, its `details` (`{ path, reason }`), the
 * HTTP status, the request id the gateway logged it under, and how many attempts were made.
 */

/** One problem with the input, as `extensions.details` lists it: `input.options.0.id` and why. */
export interface ErrorDetail {
  path?: string;
  reason: string;
}

/** A GraphQL error as the gateway sends it. */
export interface GraphQLErrorPayload {
  message: string;
  path?: readonly (string | number)[];
  extensions?: {
    code?: string;
    details?: readonly ErrorDetail[];
    retryAfterSeconds?: number;
    [key: string]: unknown;
  };
}

export interface ErrorContext {
  /** The HTTP status of the response, when there was one. */
  status?: number;
  /** The `x-request-id` the gateway answered with: quote it when reporting a problem. */
  requestId?: string;
  /** How long the server asked to wait before trying again (`Retry-After`), in milliseconds. */
  retryAfterMs?: number;
  /** Every error of the response, the first of which this is. */
  errors?: readonly GraphQLErrorPayload[];
  cause?: unknown;
}

export class EcpError extends Error {
  /** The `extensions.code`, or the client's own code (`NETWORK_ERROR`, …). */
  readonly code: string;
  readonly details: readonly ErrorDetail[];
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly errors: readonly GraphQLErrorPayload[];
  /** How many times the request was sent before this error was given up on (1: not retried). */
  attempts = 1;

  constructor(
    code: string,
    message: string,
    details: readonly ErrorDetail[] = [],
    context: ErrorContext = {},
  ) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = details;
    this.status = context.status;
    this.requestId = context.requestId;
    this.errors = context.errors ?? [];
  }
}

/** BAD_REQUEST: the request itself cannot be read. */
export class BadRequestError extends EcpError {}
/** BAD_USER_INPUT: an argument is invalid; `details` names each problem by its path. */
export class BadUserInputError extends EcpError {
  /** The paths of the invalid inputs, e.g. `input.confidence`. */
  get paths(): string[] {
    return this.details.flatMap((d) => (d.path ? [d.path] : []));
  }
}
/** UNAUTHENTICATED: the credential is missing, unknown, revoked or expired. */
export class UnauthenticatedError extends EcpError {}
/** FORBIDDEN: the caller's roles do not allow this. */
export class ForbiddenError extends EcpError {}
/** NOT_FOUND: no such object. */
export class NotFoundError extends EcpError {}
/** CONFLICT: the change conflicts with the current state (already voted, key already registered…). */
export class ConflictError extends EcpError {}
/** PAYLOAD_TOO_LARGE: the request or a value in it is larger than allowed. */
export class PayloadTooLargeError extends EcpError {}
/** UNSUPPORTED_MEDIA_TYPE: the body's encoding or charset is not read. */
export class UnsupportedMediaTypeError extends EcpError {}
/** INVALID_SIGNATURE: a signature does not verify under the key it names, or the key is not the caller's. */
export class InvalidSignatureError extends EcpError {}
/** UNKNOWN_PRECEDENT: a cited entry does not exist or has another leaf hash. */
export class UnknownPrecedentError extends EcpError {}
/** INVALID_ADVICE: the advice a decision names is not confirmed by the subgraph that gave it. */
export class InvalidAdviceError extends EcpError {}
/** OUT_OF_RANGE: an index or tree size beyond what the ledger holds. */
export class OutOfRangeError extends EcpError {}
/** INTERNAL_SERVER_ERROR: an unexpected failure (masked); report it with `requestId`. */
export class InternalServerError extends EcpError {}
/** GRAPHQL_PARSE_FAILED: the document is not valid GraphQL. */
export class GraphQLParseFailedError extends EcpError {}
/** OPERATION_RESOLUTION_FAILURE: no operation can be chosen from the document. */
export class OperationResolutionFailureError extends EcpError {}
/** GRAPHQL_VALIDATION_FAILED: the operation does not fit the schema, or is too deep. */
export class GraphQLValidationFailedError extends EcpError {}
/** SERVICE_UNAVAILABLE: something ECP depends on cannot answer now; retried by the client. */
export class ServiceUnavailableError extends EcpError {}
/** SUBGRAPH_UNAVAILABLE: a service behind the gateway did not answer; retried by the client for reads. */
export class SubgraphUnavailableError extends EcpError {}

/** RATE_LIMITED: too many requests of this kind; retried by the client after `retryAfterMs`. */
export class RateLimitedError extends EcpError {
  /** How long the server asked to wait, from `Retry-After` or `extensions.retryAfterSeconds`; undefined when it did not say. */
  readonly retryAfterMs: number | undefined;
  constructor(
    code: string,
    message: string,
    details: readonly ErrorDetail[] = [],
    context: ErrorContext = {},
  ) {
    super(code, message, details, context);
    this.retryAfterMs = context.retryAfterMs;
  }
}

/**
 * CURSOR_EXPIRED: a subscription cannot resume from its cursor (the events after it are no longer
 * kept). `refetch()` reads what was missed with a query; subscribe again (without a cursor) for what
 * comes next. The client never restarts silently, since the gap would go unnoticed.
 */
export class CursorExpiredError extends EcpError {
  /** The cursor that could not be resumed from. */
  cursor: string | undefined;
  /** Reads what the subscription missed since `cursor`, oldest first (set by the subscription that failed). */
  refetch: () => Promise<unknown[]> = () => Promise.resolve([]);
}

/** The gateway could not be reached, or the connection dropped before an answer: retried by the client. */
export class NetworkError extends EcpError {}

/** The gateway answered with something that is not a GraphQL response (a proxy's error page, say). */
export class ProtocolError extends EcpError {}

/**
 * The client was given a signing key that is not registered to its agent (or is revoked): call
 * `registerSigningKey()` once, or record without a signing key.
 */
export class SigningKeyNotRegisteredError extends EcpError {}

/** An inclusion proof, checkpoint or entry did not verify; `step` says which check failed. */
export class VerificationError extends EcpError {
  constructor(
    readonly step: 'log-key' | 'bundle' | 'checkpoint' | 'inclusion' | 'entry',
    message: string,
    cause?: unknown,
  ) {
    super('VERIFICATION_FAILED', message, [], { cause });
  }
}

type ErrorClass = new (
  code: string,
  message: string,
  details?: readonly ErrorDetail[],
  context?: ErrorContext,
) => EcpError;

/** The class each documented `extensions.code` is raised as. */
export const ERROR_CLASSES: Readonly<Record<string, ErrorClass>> = {
  BAD_REQUEST: BadRequestError,
  BAD_USER_INPUT: BadUserInputError,
  UNAUTHENTICATED: UnauthenticatedError,
  FORBIDDEN: ForbiddenError,
  NOT_FOUND: NotFoundError,
  CONFLICT: ConflictError,
  PAYLOAD_TOO_LARGE: PayloadTooLargeError,
  UNSUPPORTED_MEDIA_TYPE: UnsupportedMediaTypeError,
  INVALID_SIGNATURE: InvalidSignatureError,
  UNKNOWN_PRECEDENT: UnknownPrecedentError,
  INVALID_ADVICE: InvalidAdviceError,
  OUT_OF_RANGE: OutOfRangeError,
  CURSOR_EXPIRED: CursorExpiredError,
  RATE_LIMITED: RateLimitedError,
  SERVICE_UNAVAILABLE: ServiceUnavailableError,
  INTERNAL_SERVER_ERROR: InternalServerError,
  GRAPHQL_PARSE_FAILED: GraphQLParseFailedError,
  OPERATION_RESOLUTION_FAILURE: OperationResolutionFailureError,
  GRAPHQL_VALIDATION_FAILED: GraphQLValidationFailedError,
  SUBGRAPH_UNAVAILABLE: SubgraphUnavailableError,
};

/** The typed error for a GraphQL error payload (the first of a response's errors). */
export function errorFromPayload(first: GraphQLErrorPayload, context: ErrorContext = {}): EcpError {
  const code = typeof first.extensions?.code === 'string' ? first.extensions.code : 'INTERNAL_SERVER_ERROR';
  const details = Array.isArray(first.extensions?.details) ? first.extensions.details : [];
  const seconds = first.extensions?.retryAfterSeconds;
  const retryAfterMs =
    context.retryAfterMs ?? (typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 : undefined);
  const Class = ERROR_CLASSES[code] ?? EcpError;
  return new Class(code, first.message, details, { ...context, retryAfterMs });
}
