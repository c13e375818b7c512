import { request } from 'undici';
import { type ApiKeyResolver, Authenticator } from './authenticator';
import { IDENTITY_HEADER, signIdentity } from './identity-header';
import { type Principal, servicePrincipal } from './principal';

/**
 * Asks the ledger subgraph who holds a live key (by hash or by id) or session (by hash), as the caller's own signed service
 * identity (the gateway, or the workers for their admin pages).
 */
export function ledgerApiKeyResolver(
  ledgerGraphqlUrl: string,
  identitySecret: string,
  timeoutMs: number,
  service = 'gateway',
  /** Headers added to each lookup, e.g. the trace context of the request that needed it. */
  extraHeaders: () => Record<string, string> = () => ({}),
): ApiKeyResolver {
  const caller = servicePrincipal(service);
  const url = new URL('/internal/principals/by-api-key', ledgerGraphqlUrl).toString();
  return async (query) => {
    const res = await request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [IDENTITY_HEADER]: signIdentity(caller, identitySecret),
        // The lookup shows in the trace of the request that needed it (the first, when several share it).
        ...extraHeaders(),
      },
      body: JSON.stringify(query),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const body = (await res.body.json()) as {
      principal?: Principal;
      apiKeyId?: string;
      sessionId?: string;
      error?: string;
    };
    if (res.statusCode === 404) return null;
    if (res.statusCode !== 200 || !body.principal || !(body.apiKeyId || body.sessionId)) {
      throw new Error(`ledger answered ${res.statusCode}: ${body.error ?? 'no principal'}`);
    }
    return body.sessionId
      ? { principal: body.principal, sessionId: body.sessionId }
      : { principal: body.principal, apiKeyId: body.apiKeyId! };
  };
}

/** What an edge of ECP (the gateway, the workers' admin pages) reads from its configuration to authenticate. */
export interface EdgeAuthConfig {
  LEDGER_URL: string;
  ECP_IDENTITY_SECRET: string;
  ECP_TOKEN_SECRET: string;
  ECP_TOKEN_SECRET_PREVIOUS?: string | undefined;
  AUTH_CACHE_TTL_MS: number;
}

/**
 * The authenticator of an edge: API keys and access tokens, resolved by the ledger as this service,
 * with the token secret being rotated out still accepted.
 */
export function edgeAuthenticator(
  config: EdgeAuthConfig,
  options: { service: string; timeoutMs: number; extraHeaders?: () => Record<string, string> },
): Authenticator {
  return new Authenticator({
    resolveApiKey: ledgerApiKeyResolver(
      config.LEDGER_URL,
      config.ECP_IDENTITY_SECRET,
      options.timeoutMs,
      options.service,
      options.extraHeaders,
    ),
    tokenSecrets: [config.ECP_TOKEN_SECRET, config.ECP_TOKEN_SECRET_PREVIOUS].filter((s): s is string =>
      Boolean(s),
    ),
    cacheTtlMs: config.AUTH_CACHE_TTL_MS,
  });
}
