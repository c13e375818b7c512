import { describe, expect, it } from 'vitest';
import { AccessTokenError, issueAccessToken, verifyAccessToken } from './access-token';
import { apiKeyHint, generateApiKey, hashApiKey, looksLikeApiKey } from './api-key';
import { IdentityHeaderError, signIdentity, verifyIdentity } from './identity-header';
import type { Principal } from './principal';

const secret = 's'.repeat(32);
const other = 'o'.repeat(32);
const alice: Principal = {
  kind: 'agent',
  id: '0193c0de-0000-7000-8000-000000000001',
  name: 'alice',
  roles: ['AGENT'],
  jurisdictions: ['EU/DE'],
};

function failure(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof IdentityHeaderError) return err.failure;
    throw err;
  }
  return undefined;
}

describe('identity header', () => {
  it('round-trips a principal', () => {
    expect(verifyIdentity(signIdentity(alice, secret), [secret])).toEqual(alice);
  });

  it('accepts a rotated-out secret while it is still listed', () => {
    expect(verifyIdentity(signIdentity(alice, other), [secret, other])).toEqual(alice);
  });

  it('refuses missing, malformed, forged and expired headers', () => {
    const good = signIdentity(alice, secret);
    expect(failure(() => verifyIdentity(undefined, [secret]))).toBe('missing');
    expect(failure(() => verifyIdentity('garbage', [secret]))).toBe('malformed');
    expect(failure(() => verifyIdentity(signIdentity(alice, other), [secret]))).toBe('bad-signature');
    // Elevating one's own roles changes the claims, so the signature no longer matches.
    const [v, body, sig] = good.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString());
    const forged = `${v}.${Buffer.from(JSON.stringify({ ...claims, roles: ['ADMIN'] })).toString('base64url')}.${sig}`;
    expect(failure(() => verifyIdentity(forged, [secret]))).toBe('bad-signature');
    const old = signIdentity(alice, secret, 60, Date.now() - 120_000);
    expect(failure(() => verifyIdentity(old, [secret]))).toBe('expired');
  });
});

describe('api keys', () => {
  it('are random, recognisable and hashed deterministically', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a).not.toBe(b);
    expect(looksLikeApiKey(a)).toBe(true);
    expect(looksLikeApiKey('ecp_short')).toBe(false);
    expect(hashApiKey(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(a)).toBe(hashApiKey(a));
    expect(apiKeyHint(a)).toBe(`${a.slice(0, 10)}…`);
  });
});

describe('access tokens', () => {
  it('round-trip and expire', async () => {
    const { token, expiresAt } = await issueAccessToken(alice, secret, 60);
    const verified = await verifyAccessToken(token, [secret]);
    expect(verified.principal).toEqual(alice);
    expect(verified.expiresAt.getTime()).toBe(expiresAt.getTime());
    await expect(verifyAccessToken(token, [other])).rejects.toMatchObject({ reason: 'invalid' });
    const expired = await issueAccessToken(alice, secret, -10);
    await expect(verifyAccessToken(expired.token, [secret])).rejects.toBeInstanceOf(AccessTokenError);
    await expect(verifyAccessToken(expired.token, [secret])).rejects.toMatchObject({ reason: 'expired' });
  });
});
