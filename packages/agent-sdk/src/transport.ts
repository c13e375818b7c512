import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { getOperationAST, print } from 'graphql';
import {
  type EcpError,
  errorFromPayload,
  type GraphQLErrorPayload,
  NetworkError,
  ProtocolError,
  RateLimitedError,
} from './errors';
import { type Repeatability, type RetryPolicy, withRetries } from './retry';

/** Where a credential comes from: an API key, or a function giving a bearer token (an access token) per request. */
export type CredentialSource = { apiKey: string } | { accessToken: () => string | Promise<string> };

export interface TransportOptions {
  /** The gateway's GraphQL endpoint, e.g. `https://ecp.example.com/graphql`. */
  graphqlUrl: string;
  credential: CredentialSource;
  fetch: typeof globalThis.fetch;
  retry: Required<RetryPolicy>;
  /** Sent as `user-agent` where the runtime lets a script set it (not in browsers). */
  userAgent?: string;
}

/** Per call: cancel it, or try it more or less than the client's policy says. */
export interface CallOptions {
  signal?: AbortSignal;
  retry?: RetryPolicy;
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: GraphQLErrorPayload[];
}

const printed = new WeakMap<object, { query: string; operationName: string | undefined }>();

/** The query text and operation name a document is sent as, printed once per document. */
export function operationText(document: TypedDocumentNode<unknown, unknown>): {
  query: string;
  operationName: string | undefined;
} {
  let text = printed.get(document);
  if (!text) {
    text = { query: print(document), operationName: getOperationAST(document)?.name?.value };
    printed.set(document, text);
  }
  return text;
}

/** Seconds or an HTTP date, as `Retry-After` is written (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Sends operations to the gateway over HTTP (`POST`, JSON), with the credential, and turns every way
 * it can fail into a typed `EcpError`: an error in the response by its `extensions.code`, a dropped
 * connection as `NetworkError`, an answer that is not GraphQL as `ProtocolError`. Failures that are
 * safe to repeat for the operation are retried (`retry.ts`).
 */
export class HttpTransport {
  constructor(private readonly options: TransportOptions) {}

  async bearer(): Promise<string> {
    const { credential } = this.options;
    return 'apiKey' in credential ? credential.apiKey : await credential.accessToken();
  }

  execute<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables,
    repeatability: Repeatability,
    call: CallOptions = {},
  ): Promise<TData> {
    const policy = { ...this.options.retry, ...call.retry };
    return withRetries(() => this.once(document, variables, call.signal), {
      policy,
      repeatability,
      signal: call.signal,
    });
  }

  private async once<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables,
    signal: AbortSignal | undefined,
  ): Promise<TData> {
    const { query, operationName } = operationText(document as TypedDocumentNode<unknown, unknown>);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: `Bearer ${await this.bearer()}`,
    };
    if (this.options.userAgent) headers['user-agent'] = this.options.userAgent;
    let response: Response;
    let text: string;
    try {
      response = await this.options.fetch(this.options.graphqlUrl, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables, operationName }),
        signal,
      });
      text = await response.text();
    } catch (cause) {
      if (signal?.aborted) throw signal.reason;
      throw new NetworkError(
        'NETWORK_ERROR',
        `The gateway could not be reached or the connection dropped (${describe(cause)}).`,
        [],
        {
          cause,
        },
      );
    }
    const context = {
      status: response.status,
      requestId: response.headers.get('x-request-id') ?? undefined,
      retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
    };
    let body: GraphQLResponse<TData>;
    try {
      body = JSON.parse(text) as GraphQLResponse<TData>;
    } catch {
      throw this.notGraphQL(response.status, context);
    }
    if (body === null || typeof body !== 'object') throw this.notGraphQL(response.status, context);
    const first = body.errors?.[0];
    if (first) throw errorFromPayload(first, { ...context, errors: body.errors });
    if (response.status === 429)
      throw new RateLimitedError('RATE_LIMITED', 'The gateway answered 429.', [], context);
    if (body.data == null) throw this.notGraphQL(response.status, context);
    return body.data;
  }

  private notGraphQL(status: number, context: { status: number; requestId?: string }): EcpError {
    if (status === 429) return new RateLimitedError('RATE_LIMITED', 'The gateway answered 429.', [], context);
    return new ProtocolError(
      'PROTOCOL_ERROR',
      `The gateway answered ${status} without a GraphQL response.`,
      [],
      context,
    );
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? err.message;
  }
  return String(err);
}
