import { errors, jwtVerify, SignJWT } from 'jose';
import { type Principal, ROLES, type Role } from './principal';

/**
 * Short-lived bearer tokens (JWT, HS256) that an authenticated principal can mint for itself, e.g.
 * for a browser session or a subscription that should end on its own. The gateway verifies them
 * without a database round trip; they carry the roles held when they were issued.
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

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function issueAccessToken(
  principal: Principal,
  secret: string,
  ttlSeconds: number,
): Promise<IssuedToken> {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({
    name: principal.name,
    roles: principal.roles,
    jur: principal.jurisdictions,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(principal.id)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(key(secret));
  return { token, expiresAt: new Date((now + ttlSeconds) * 1000) };
}

export interface VerifiedToken {
  principal: Principal;
  expiresAt: Date;
}

export async function verifyAccessToken(token: string, secrets: readonly string[]): Promise<VerifiedToken> {
  let lastError: unknown;
  for (const secret of secrets) {
    try {
      const { payload } = await jwtVerify(token, key(secret), {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
      });
      const roles = Array.isArray(payload.roles)
        ? payload.roles.filter((r): r is Role => ROLES.includes(r as Role))
        : [];
      const jurisdictions = Array.isArray(payload.jur)
        ? payload.jur.filter((j): j is string => typeof j === 'string')
        : [];
      if (!payload.sub || typeof payload.exp !== 'number')
        throw new AccessTokenError('invalid', 'token lacks sub or exp');
      return {
        principal: { kind: 'agent', id: payload.sub, name: String(payload.name ?? ''), roles, jurisdictions },
        expiresAt: new Date(payload.exp * 1000),
      };
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
