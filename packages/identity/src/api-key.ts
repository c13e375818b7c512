import { createHash, randomBytes } from 'node:crypto';

/**
 * API keys: `ecp_` followed by 32 bytes of randomness in base64url. Only the SHA-256 of a key is
 * stored; with 256 bits of entropy a fast hash is enough (no password-style stretching needed),
 * and it lets the key be found by an indexed equality lookup.
 */
const PREFIX = 'ecp_';
const KEY_PATTERN = /^ecp_[A-Za-z0-9_-]{43}$/;

export function generateApiKey(): string {
  return `${PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function looksLikeApiKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The part of a key safe to show in lists and logs, so people can tell their keys apart. */
export function apiKeyHint(key: string): string {
  return `${key.slice(0, PREFIX.length + 6)}…`;
}
