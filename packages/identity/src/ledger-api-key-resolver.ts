import { request } from 'undici';
import type { ApiKeyResolver } from './authenticator';
import { IDENTITY_HEADER, signIdentity } from './identity-header';
import { type Principal, servicePrincipal } from './principal';

/**
 * Asks the ledger subgraph who holds a live key (by hash or by id), as the caller's own signed service
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
    const body = (await res.body.json()) as { principal?: Principal; apiKeyId?: string; error?: string };
    if (res.statusCode === 404) return null;
    if (res.statusCode !== 200 || !body.principal || !body.apiKeyId) {
      throw new Error(`ledger answered ${res.statusCode}: ${body.error ?? 'no principal'}`);
    }
    return { principal: body.principal, apiKeyId: body.apiKeyId };
  };
}
