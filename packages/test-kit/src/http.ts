import type { AddressInfo } from 'node:net';
import { IDENTITY_HEADER, signIdentity } from '@ecp/identity/identity-header';
import type { Principal } from '@ecp/identity/principal';
import { formatSignerKey } from '@ecp/merkle/signed-note';
import type { Express } from 'express';

export const TEST_IDENTITY_SECRET = 'test-identity-secret-for-ecp-test-suites-only';
export const TEST_TOKEN_SECRET = 'test-token-secret-for-ecp-test-suites-only-00';
export const TEST_LEDGER_ORIGIN = 'ecp.test/ledger';
/** A fixed checkpoint signing key for in-process tests (seed 0x01…); stacks generate their own. */
export const TEST_LEDGER_SIGNING_KEY = formatSignerKey(TEST_LEDGER_ORIGIN, new Uint8Array(32).fill(1));

export interface Served {
  url: string;
  close(): Promise<void>;
}

/** Serves an Express app on a free loopback port for the duration of a test file. */
export function serve(app: Express): Promise<Served> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

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
