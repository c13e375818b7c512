import { errors, jwtVerify, SignJWT } from 'jose';
import type { Principal } from './principal';

/**
 * Short-lived bearer tokens (JWT, HS256) that an authenticated principal can mint for itself, e.g.
 * for a browser session or a subscription that should end on its own. A token names its subject and
 * the API key it was minted from (`akid`) and nothing else: the gateway verifies the signature
 * locally and asks whether that key is still live (cached like any key lookup), and the roles come
 * from that answer. Revoking the key therefore ends every token minted from it, and a token minted
 * by a token expires no later than its parent.
 */

const ISSUER = 'ecp';
const AUDIENCE = 'ecp-gateway';

export class AccessTokenError extends Error {
  constructor(
    readonly reason: 'expired' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'AccessTokenError';
  }
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/**
 * Mints a token for `principal`, who must have authenticated with an API key (directly or through a
 * token). It lives `ttlSeconds`, but never past the expiry of the token the principal used.
 */
export async function issueAccessToken(
  principal: Principal,
  secret: string,
  ttlSeconds: number,
  now = Date.now(),
): Promise<IssuedToken> {
  const { credential } = principal;
  if (credential?.apiKeyId === undefined)
    throw new AccessTokenError('invalid', 'only a caller with an API key can mint access tokens');
  const issuedAt = Math.floor(now / 1000);
  const expiresAt = Math.min(issuedAt + ttlSeconds, credential.expiresAt ?? Number.POSITIVE_INFINITY);
  if (expiresAt <= issuedAt) throw new AccessTokenError('expired', 'the access token used has expired');
  const token = await new SignJWT({ akid: credential.apiKeyId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(principal.id)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(key(secret));
  return { token, expiresAt: new Date(expiresAt * 1000) };
}

export interface VerifiedToken {
  /** The principal the token was minted for. */
  subject: string;
  /** The API key it descends from: the token works only while that key is live. */
  apiKeyId: string;
  expiresAt: Date;
}

/** Verifies signature, issuer, audience and expiry; the key it names still has to be checked. */
export async function verifyAccessToken(token: string, secrets: readonly string[]): Promise<VerifiedToken> {
  let lastError: unknown;
  for (const secret of secrets) {
    try {
      const { payload } = await jwtVerify(token, key(secret), {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
      });
      if (!payload.sub || typeof payload.exp !== 'number' || typeof payload.akid !== 'string') {
        throw new AccessTokenError('invalid', 'token lacks sub, exp or akid');
      }
      return { subject: payload.sub, apiKeyId: payload.akid, expiresAt: new Date(payload.exp * 1000) };
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new AccessTokenError('expired', 'access token expired');
      lastError = err;
    }
  }
  throw new AccessTokenError(
    'invalid',
    lastError instanceof Error ? lastError.message : 'invalid access token',
  );
}

export function looksLikeJwt(value: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(value);
}

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}
