import { EcpError, type ErrorCode, type ErrorDetail, ServiceUnavailableError } from '@ecp/errors/errors';

/** Why a subgraph gave no answer. */
export type UnavailableReason =
  /** No answer within the call's timeout. */
  | 'timeout'
  /** The connection failed: refused, reset, or cut before the answer was read. */
  | 'unreachable'
  /** Something answered, but not with a GraphQL response (a proxy's 502, a truncated body). */
  | 'bad-response'
  /** The subgraph answered SERVICE_UNAVAILABLE: it is up, but cannot serve now. */
  | 'target-unavailable'
  /** The circuit to the subgraph is open after repeated failures: the call was not sent. */
  | 'circuit-open';

/**
 * A call another subgraph did not answer. It is a ServiceUnavailableError (503, SERVICE_UNAVAILABLE),
 * so it propagates as one when the caller lets it, and the caller's fallback, if it gave one, answers
 * instead. After a mutation's timeout or cut connection the mutation may or may not have been applied.
 */
export class SubgraphUnavailableError extends ServiceUnavailableError {
  constructor(
    /** The subgraph called. */
    readonly subgraph: string,
    /** The operation's name. */
    readonly operation: string,
    readonly reason: UnavailableReason,
    /** What went wrong, for logs; the message stays free of it. */
    readonly detail: string,
    /** How many times the call was sent (0 when the circuit was open). */
    readonly attempts: number,
  ) {
    super(
      reason === 'circuit-open'
        ? `The ${subgraph} service is unavailable (failing repeatedly; not called).`
        : `The ${subgraph} service is unavailable (${reason.replace('-', ' ')}).`,
    );
  }
}

/** One error of the other subgraph's GraphQL response, as it sent it. */
export interface RemoteGraphQLError {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

const STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_SIGNATURE: 400,
  UNKNOWN_PRECEDENT: 400,
  INVALID_ADVICE: 400,
  OUT_OF_RANGE: 400,
  CURSOR_EXPIRED: 410,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
};

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(STATUS, code);
}

/**
 * The other subgraph answered with errors. `remoteCode` is the first error's `extensions.code` exactly
 * as sent; `code` is the same when it is one of ECP's codes, so the error propagates as the target
 * meant it (NOT_FOUND stays NOT_FOUND). Anything else — a code of the target's own, or a validation
 * failure of the operation itself — is a fault between services, not the end caller's: it becomes
 * INTERNAL_SERVER_ERROR with a message that names the subgraph and code, not the target's text.
 */
export class RemoteError extends EcpError {
  readonly remoteCode: string;

  constructor(
    /** The subgraph called. */
    readonly subgraph: string,
    /** The operation's name. */
    readonly operation: string,
    /** Every error of the response, as sent. */
    readonly errors: readonly RemoteGraphQLError[],
    /** The partial data that came with them, if any. */
    readonly data: unknown,
  ) {
    const first = errors[0];
    const remoteCode = typeof first?.extensions?.code === 'string' ? first.extensions.code : 'UNKNOWN';
    const known = isErrorCode(remoteCode) && remoteCode !== 'INTERNAL_SERVER_ERROR';
    super(
      known ? remoteCode : 'INTERNAL_SERVER_ERROR',
      known && first
        ? first.message
        : `The ${subgraph} service failed the ${operation} operation (${remoteCode}).`,
      known ? STATUS[remoteCode] : 500,
      known ? detailsOf(first?.extensions?.details) : [],
    );
    this.remoteCode = remoteCode;
  }
}

function detailsOf(value: unknown): ErrorDetail[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((d: unknown) => {
    if (typeof d !== 'object' || d === null) return [];
    const { path, reason } = d as Record<string, unknown>;
    if (typeof reason !== 'string') return [];
    return [typeof path === 'string' ? { path, reason } : { reason }];
  });
}
