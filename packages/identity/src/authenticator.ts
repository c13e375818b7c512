import { ServiceUnavailableError, UnauthenticatedError } from '@ecp/errors/errors';
import { LRUCache } from 'lru-cache';
import { AccessTokenError, looksLikeJwt, verifyAccessToken } from './access-token';
import { hashApiKey, looksLikeApiKey } from './api-key';
import type { Principal } from './principal';
import { hashToken, looksLikeSessionToken } from './session-token';

/** A live credential: who holds it, and the API key's id or the person's session's id. */
export type LiveCredential =
  | { principal: Principal; apiKeyId: string; sessionId?: undefined }
  | { principal: Principal; sessionId: string; apiKeyId?: undefined };

/**
 * Finds a live credential by an API key's hash (a key presented), by a key's id (the key an access
 * token descends from), or by a session token's hash (a person's session cookie); null when nothing
 * live matches.
 */
export type ApiKeyResolver = (
  query: { keyHash: string } | { keyId: string } | { sessionHash: string },
) => Promise<LiveCredential | null>;

export interface Authenticated {
  /** The caller, with the credential it used (the API key, and the token's expiry for tokens). */
  principal: Principal;
  /** When the credential stops working (access tokens); undefined for API keys. */
  expiresAt?: Date;
}

interface CachedLookup {
  live: LiveCredential | null;
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
 * `X-API-Key`) or an access token (`Authorization: Bearer <JWT>`). Both come down to an API key that
 * the ledger resolves — by hash for a key, by id for the key a token was minted from — cached briefly;
 * concurrent first uses of one key share one lookup. So revoking a key ends the key and every token
 * minted from it within `cacheTtlMs`.
 */
export class Authenticator {
  private readonly cache: LRUCache<string, CachedLookup>;

  constructor(private readonly options: AuthenticatorOptions) {
    this.cache = new LRUCache<string, CachedLookup>({
      max: options.cacheSize ?? 10_000,
      ttl: options.cacheTtlMs,
      fetchMethod: async (cacheKey, _stale, { options: fetchOptions }) => {
        const [kind, value] = splitCacheKey(cacheKey);
        const query =
          kind === 'hash'
            ? { keyHash: value }
            : kind === 'session'
              ? { sessionHash: value }
              : { keyId: value };
        const live = await this.options.resolveApiKey(query);
        // A miss is remembered for a shorter time so that a key is usable as soon as it is issued.
        if (!live) fetchOptions.ttl = Math.min(this.options.cacheTtlMs, 2_000);
        return { live };
      },
    });
  }

  /**
   * The credential in these headers, or UNAUTHENTICATED saying what was wrong with it. A header
   * (`Authorization`, `X-API-Key`) wins over a session cookie: a request says explicitly who it is.
   * `fresh` asks the ledger again instead of trusting the cache (periodic re-checks of long-lived
   * connections).
   */
  async authenticate(
    authorization: string | undefined,
    apiKeyHeader: string | undefined,
    { fresh = false, sessionToken }: { fresh?: boolean; sessionToken?: string | undefined } = {},
  ): Promise<Authenticated> {
    if (!authorization && !apiKeyHeader && sessionToken !== undefined) {
      if (!looksLikeSessionToken(sessionToken))
        throw new UnauthenticatedError('Malformed session cookie: sign in again.');
      const live = await this.lookup(`session:${hashToken(sessionToken)}`, fresh);
      if (!live?.sessionId) throw new UnauthenticatedError('Your session has ended: sign in again.');
      return { principal: { ...live.principal, credential: { sessionId: live.sessionId } } };
    }
    const credential = credentialFrom(authorization, apiKeyHeader);
    if (looksLikeApiKey(credential)) {
      const live = await this.lookup(`hash:${hashApiKey(credential)}`, fresh);
      if (!live?.apiKeyId) throw new UnauthenticatedError('Unknown or revoked API key.');
      return { principal: { ...live.principal, credential: { apiKeyId: live.apiKeyId } } };
    }
    if (looksLikeJwt(credential)) {
      let token: Awaited<ReturnType<typeof verifyAccessToken>>;
      try {
        token = await verifyAccessToken(credential, this.options.tokenSecrets);
      } catch (err) {
        if (err instanceof AccessTokenError) {
          throw new UnauthenticatedError(
            err.reason === 'expired' ? 'Access token expired.' : 'Invalid access token.',
          );
        }
        throw err;
      }
      const live = await this.lookup(`id:${token.apiKeyId}`, fresh);
      if (!live?.apiKeyId || live.principal.id !== token.subject) {
        throw new UnauthenticatedError('The API key this access token was minted from has been revoked.');
      }
      const expiresAt = Math.floor(token.expiresAt.getTime() / 1000);
      return {
        principal: { ...live.principal, credential: { apiKeyId: live.apiKeyId, expiresAt } },
        expiresAt: token.expiresAt,
      };
    }
    throw new UnauthenticatedError(
      'Unrecognised credential: expected an ECP API key (ecp_…) or an access token.',
    );
  }

  /** Forgets every cached key, e.g. after a key was revoked and must stop working at once. */
  clear(): void {
    this.cache.clear();
  }

  /** Forgets a session at once (its holder signed out here); other gateways within the cache's TTL. */
  forgetSession(sessionToken: string): void {
    this.cache.delete(`session:${hashToken(sessionToken)}`);
  }

  private async lookup(cacheKey: string, fresh: boolean): Promise<LiveCredential | null> {
    try {
      return (await this.cache.fetch(cacheKey, { forceRefresh: fresh }))?.live ?? null;
    } catch (err) {
      throw new ServiceUnavailableError(
        `Cannot check credentials right now: the ledger subgraph did not answer (${(err as Error).message}).`,
      );
    }
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

function splitCacheKey(cacheKey: string): ['hash' | 'id' | 'session', string] {
  const at = cacheKey.indexOf(':');
  return [cacheKey.slice(0, at) as 'hash' | 'id' | 'session', cacheKey.slice(at + 1)];
}
