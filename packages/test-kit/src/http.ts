import { type Agent, type IncomingHttpHeaders, request } from 'node:http';
import { IDENTITY_HEADER, signIdentity } from '@ecp/identity/identity-header';
import type { Principal } from '@ecp/identity/principal';
import { formatSignerKey } from '@ecp/merkle/signed-note';

export const TEST_IDENTITY_SECRET = 'test-identity-secret-for-ecp-test-suites-only';
export const TEST_TOKEN_SECRET = 'test-token-secret-for-ecp-test-suites-only-00';
export const TEST_LEDGER_ORIGIN = 'ecp.test/ledger';
/** A fixed checkpoint signing key for in-process tests (seed 0x01…); stacks generate their own. */
export const TEST_LEDGER_SIGNING_KEY = formatSignerKey(TEST_LEDGER_ORIGIN, new Uint8Array(32).fill(1));

export interface GraphQLResponse<D = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: D | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
}

export interface RequestOptions {
  /** Signed into the gateway identity header, as the gateway would (subgraph tests). */
  as?: Principal;
  /** Sent as-is (end-to-end tests through the gateway). */
  headers?: Record<string, string>;
  secret?: string;
}

/** Posts a GraphQL operation and returns status, headers and parsed body. */
export async function graphql<D = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: RequestOptions = {},
): Promise<GraphQLResponse<D>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.as) headers[IDENTITY_HEADER] = signIdentity(options.as, options.secret ?? TEST_IDENTITY_SECRET);
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  let body: GraphQLResponse<D>['body'];
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`non-JSON response (${res.status}): ${text.slice(0, 500)}`);
  }
  return { status: res.status, headers: res.headers, body };
}

/** The first error's code, for terse assertions. */
export function errorCode(res: GraphQLResponse<unknown>): unknown {
  return res.body.errors?.[0]?.extensions?.code;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Whether the request went out on a kept-alive connection that had carried an earlier one. */
  reusedSocket: boolean;
}

export interface RawRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** A keep-alive agent to reuse connections; a new connection per request by default. */
  agent?: Agent | false;
}

/**
 * One request over node:http, the path sent exactly as written (fetch would normalise `%2e%2e` and
 * the like). Rejects with the socket's error, with `reusedSocket` set on it as on a response.
 */
export function rawRequest(
  origin: string,
  path: string,
  options: RawRequestOptions = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
            reusedSocket: req.reusedSocket,
          }),
        );
        res.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
      },
    );
    req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
    req.end(options.body);
  });
}
