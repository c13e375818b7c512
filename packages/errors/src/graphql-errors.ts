import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { type EcpError, isEcpError } from './errors';

/** Turns a domain error into the GraphQL error clients see: message, `extensions.code`, details. */
export function toGraphQLError(err: EcpError): GraphQLError {
  return new GraphQLError(err.message, {
    extensions: {
      code: err.code,
      ...(err.details.length > 0 ? { details: err.details } : {}),
      http: { status: err.httpStatus },
    },
  });
}

/**
 * The one boundary where errors become responses. Known errors keep their code; unknown ones are
 * reported once through `onUnexpected` and masked, so internals never leak to callers.
 */
export function formatGraphQLError(
  formatted: GraphQLFormattedError,
  error: unknown,
  onUnexpected: (err: unknown) => void,
): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (isEcpError(original)) {
    const { http: _http, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
    return {
      ...formatted,
      message: original.message,
      extensions: {
        ...extensions,
        code: original.code,
        ...(original.details.length > 0 ? { details: original.details } : {}),
      },
    };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return formatted;
  if (original instanceof GraphQLError && original.originalError === undefined && code === undefined) {
    return formatted;
  }
  onUnexpected(original);
  return {
    message: 'Internal server error',
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
