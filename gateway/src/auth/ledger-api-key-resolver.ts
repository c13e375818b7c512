import { IDENTITY_HEADER, signIdentity } from '@ecp/identity/identity-header';
import { type Principal, servicePrincipal } from '@ecp/identity/principal';
import { request } from 'undici';
import type { ApiKeyResolver } from './authenticator';

const GATEWAY = servicePrincipal('gateway');

/** Asks the ledger subgraph who holds a key, as the gateway's own signed service identity. */
export function ledgerApiKeyResolver(
  ledgerGraphqlUrl: string,
  identitySecret: string,
  timeoutMs: number,
): ApiKeyResolver {
  const url = new URL('/internal/principals/by-api-key-hash', ledgerGraphqlUrl).toString();
  return async (keyHash) => {
    const res = await request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [IDENTITY_HEADER]: signIdentity(GATEWAY, identitySecret),
      },
      body: JSON.stringify({ keyHash }),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const body = (await res.body.json()) as { principal?: Principal; error?: string };
    if (res.statusCode === 404) return null;
    if (res.statusCode !== 200 || !body.principal) {
      throw new Error(`ledger answered ${res.statusCode}: ${body.error ?? 'no principal'}`);
    }
    return body.principal;
  };
}
