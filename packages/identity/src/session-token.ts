import { createHash, randomBytes } from 'node:crypto';

/**
 * A person's sign-in session and one-time password-setup tokens: a prefix and 32 random bytes in
 * base64url. Like API keys, only their SHA-256 is stored: with 256 bits of entropy a fast hash is
 * enough and lets the row be found by an indexed equality lookup.
 */
const SESSION_PREFIX = 'ecps_';
const SETUP_PREFIX = 'ecpp_';
const SESSION_PATTERN = /^ecps_[A-Za-z0-9_-]{43}$/;
const SETUP_PATTERN = /^ecpp_[A-Za-z0-9_-]{43}$/;

/** The cookie the gateway keeps a person's session token in (httpOnly, SameSite=Strict). */
export const SESSION_COOKIE = 'ecp_session';

export function generateSessionToken(): string {
  return `${SESSION_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function looksLikeSessionToken(value: string): boolean {
  return SESSION_PATTERN.test(value);
}

/** A one-time token with which a new person (or one whose password was reset) sets a password. */
export function generateSetupToken(): string {
  return `${SETUP_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function looksLikeSetupToken(value: string): boolean {
  return SETUP_PATTERN.test(value);
}

/** SHA-256 (hex) of a session or setup token: what is stored and looked up. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
