import { IDENTITY_HEADER, signIdentity } from '@ecp/identity/identity-header';
import { type Principal, servicePrincipal } from '@ecp/identity/principal';
import { traceHeaders } from '@ecp/telemetry/trace-context';
import { request } from 'undici';
import type { ApiKeyResolver } from './authenticator';

const GATEWAY = servicePrincipal('gateway');

/** Asks the ledger subgraph who holds a live key (by hash or by id), as the gateway's own signed service identity. */
export function ledgerApiKeyResolver(
  ledgerGraphqlUrl: string,
  identitySecret: string,
  timeoutMs: number,
): ApiKeyResolver {
  const url = new URL('/internal/principals/by-api-key', ledgerGraphqlUrl).toString();
  return async (query) => {
    const res = await request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [IDENTITY_HEADER]: signIdentity(GATEWAY, identitySecret),
        // The lookup shows in the trace of the request that needed it (the first, when several share it).
        ...traceHeaders(),
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
