import { ServiceUnavailableError, UnauthenticatedError } from '@ecp/errors/errors';
import { AccessTokenError, looksLikeJwt, verifyAccessToken } from '@ecp/identity/access-token';
import { hashApiKey, looksLikeApiKey } from '@ecp/identity/api-key';
import type { Principal } from '@ecp/identity/principal';
import { LRUCache } from 'lru-cache';

/** Finds the principal holding an API key, by the key's hash; null when no live key has it. */
export type ApiKeyResolver = (keyHash: string) => Promise<Principal | null>;

export interface Authenticated {
  principal: Principal;
  /** When the credential stops working (access tokens); undefined for API keys. */
  expiresAt?: Date;
}

interface CachedLookup {
  principal: Principal | null;
}

export interface AuthenticatorOptions {
  resolveApiKey: ApiKeyResolver;
  tokenSecrets: readonly string[];
  /** How long a resolved key is trusted; revoking a key takes effect within this time. */
  cacheTtlMs: number;
  cacheSize?: number;
}

/**
 * Authenticates every request at the gateway: an API key (`Authorization: Bearer ecp_…` or
 * `X-API-Key`) or an access token (`Authorization: Bearer <JWT>`). API keys are resolved by the
 * ledger and cached briefly by hash; concurrent first uses of one key share one lookup.
 */
export class Authenticator {
  private readonly cache: LRUCache<string, CachedLookup>;

  constructor(private readonly options: AuthenticatorOptions) {
    this.cache = new LRUCache<string, CachedLookup>({
      max: options.cacheSize ?? 10_000,
      ttl: options.cacheTtlMs,
      fetchMethod: async (keyHash, _stale, { options: fetchOptions }) => {
        const principal = await this.options.resolveApiKey(keyHash);
        // A miss is remembered for a shorter time so that a key is usable as soon as it is issued.
        if (!principal) fetchOptions.ttl = Math.min(this.options.cacheTtlMs, 2_000);
        return { principal };
      },
    });
  }

  /** The credential in these headers, or UNAUTHENTICATED saying what was wrong with it. */
  async authenticate(
    authorization: string | undefined,
    apiKeyHeader: string | undefined,
  ): Promise<Authenticated> {
    const credential = credentialFrom(authorization, apiKeyHeader);
    if (looksLikeApiKey(credential)) {
      let lookup: CachedLookup | undefined;
      try {
        lookup = await this.cache.fetch(hashApiKey(credential));
      } catch (err) {
        throw new ServiceUnavailableError(
          `Cannot check credentials right now: the ledger subgraph did not answer (${(err as Error).message}).`,
        );
      }
      if (!lookup?.principal) throw new UnauthenticatedError('Unknown or revoked API key.');
      return { principal: lookup.principal };
    }
    if (looksLikeJwt(credential)) {
      try {
        const { principal, expiresAt } = await verifyAccessToken(credential, this.options.tokenSecrets);
        return { principal, expiresAt };
      } catch (err) {
        if (err instanceof AccessTokenError) {
          throw new UnauthenticatedError(
            err.reason === 'expired' ? 'Access token expired.' : 'Invalid access token.',
          );
        }
        throw err;
      }
    }
    throw new UnauthenticatedError(
      'Unrecognised credential: expected an ECP API key (ecp_…) or an access token.',
    );
  }

  /** Forgets every cached key, e.g. after a key was revoked and must stop working at once. */
  clear(): void {
    this.cache.clear();
  }
}

function credentialFrom(authorization: string | undefined, apiKeyHeader: string | undefined): string {
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match?.[1])
      throw new UnauthenticatedError('Malformed Authorization header: expected "Bearer <credential>".');
    return match[1];
  }
  if (apiKeyHeader) return apiKeyHeader.trim();
  throw new UnauthenticatedError();
}
