import { issueAccessToken } from '@ecp/identity/access-token';
import { generateApiKey, hashApiKey } from '@ecp/identity/api-key';
import type { Principal } from '@ecp/identity/principal';
import { describe, expect, it } from 'vitest';
import { type ApiKeyResolver, Authenticator } from '../src/auth/authenticator';

const TOKEN_SECRET = 'gateway-test-token-secret-0123456789abcdef';
const alice: Principal = {
  kind: 'agent',
  id: '01936f7e-0000-7000-8000-00000000a11c',
  name: 'alice',
  roles: ['AGENT'],
  jurisdictions: [],
};

/** A key registry the way the ledger answers: by hash, counting how often it was asked. */
function registry(keys: Record<string, Principal>) {
  const byHash = new Map(Object.entries(keys).map(([k, p]) => [hashApiKey(k), p]));
  const calls: string[] = [];
  const resolve: ApiKeyResolver = async (hash) => {
    calls.push(hash);
    await new Promise((r) => setTimeout(r, 5));
    return byHash.get(hash) ?? null;
  };
  return { resolve, calls, revoke: (key: string) => byHash.delete(hashApiKey(key)) };
}

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('Authenticator', () => {
  it('resolves an API key once by its hash and serves repeats from the cache', async () => {
    const key = generateApiKey();
    const reg = registry({ [key]: alice });
    const auth = new Authenticator({
      resolveApiKey: reg.resolve,
      tokenSecrets: [TOKEN_SECRET],
      cacheTtlMs: 60_000,
    });
    const results = await Promise.all([
      auth.authenticate(`Bearer ${key}`, undefined),
      auth.authenticate(`bearer ${key}`, undefined),
      auth.authenticate(undefined, key),
    ]);
    expect(results.map((r) => r.principal)).toEqual([alice, alice, alice]);
    expect(reg.calls).toEqual([hashApiKey(key)]);
    expect(reg.calls[0]).not.toContain(key);
  });

  it('stops accepting a revoked key once the cache entry expires', async () => {
    const key = generateApiKey();
    const reg = registry({ [key]: alice });
    const auth = new Authenticator({
      resolveApiKey: reg.resolve,
      tokenSecrets: [TOKEN_SECRET],
      cacheTtlMs: 50,
    });
    await auth.authenticate(`Bearer ${key}`, undefined);
    reg.revoke(key);
    await new Promise((r) => setTimeout(r, 80));
    expect(await code(auth.authenticate(`Bearer ${key}`, undefined))).toBe('UNAUTHENTICATED');
  });

  it('refuses missing, malformed, unknown and unrecognised credentials', async () => {
    const auth = new Authenticator({
      resolveApiKey: registry({}).resolve,
      tokenSecrets: [TOKEN_SECRET],
      cacheTtlMs: 1000,
    });
    expect(await code(auth.authenticate(undefined, undefined))).toBe('UNAUTHENTICATED');
    expect(await code(auth.authenticate('Basic dXNlcjpwYXNz', undefined))).toBe('UNAUTHENTICATED');
    expect(await code(auth.authenticate(`Bearer ${generateApiKey()}`, undefined))).toBe('UNAUTHENTICATED');
    expect(await code(auth.authenticate('Bearer hunter2', undefined))).toBe('UNAUTHENTICATED');
  });

  it('verifies access tokens locally, refusing expired and foreign ones', async () => {
    const reg = registry({});
    const auth = new Authenticator({
      resolveApiKey: reg.resolve,
      tokenSecrets: [TOKEN_SECRET],
      cacheTtlMs: 1000,
    });
    const { token, expiresAt } = await issueAccessToken(alice, TOKEN_SECRET, 600);
    expect(await auth.authenticate(`Bearer ${token}`, undefined)).toEqual({ principal: alice, expiresAt });
    const expired = await issueAccessToken(alice, TOKEN_SECRET, -1);
    expect(await code(auth.authenticate(`Bearer ${expired.token}`, undefined))).toBe('UNAUTHENTICATED');
    const foreign = await issueAccessToken(alice, 'another-secret-another-secret-another', 600);
    expect(await code(auth.authenticate(`Bearer ${foreign.token}`, undefined))).toBe('UNAUTHENTICATED');
    expect(reg.calls).toEqual([]);
  });

  it('says the ledger is unavailable rather than calling the caller unauthenticated', async () => {
    const auth = new Authenticator({
      resolveApiKey: async () => {
        throw new Error('connect ECONNREFUSED');
      },
      tokenSecrets: [TOKEN_SECRET],
      cacheTtlMs: 1000,
    });
    expect(await code(auth.authenticate(`Bearer ${generateApiKey()}`, undefined))).toBe(
      'SERVICE_UNAVAILABLE',
    );
  });
});
