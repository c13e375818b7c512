import { issueAccessToken } from '@ecp/identity/access-token';
import { generateApiKey, hashApiKey } from '@ecp/identity/api-key';
import type { Principal } from '@ecp/identity/principal';
import { generateSessionToken, hashToken } from '@ecp/identity/session-token';
import { describe, expect, it } from 'vitest';
import { type ApiKeyResolver, Authenticator } from './authenticator';

const TOKEN_SECRET = 'gateway-test-token-secret-0123456789abcdef';
const alice: Principal = {
  kind: 'agent',
  id: '01936f7e-0000-7000-8000-00000000a11c',
  name: 'alice',
  roles: ['AGENT'],
  jurisdictions: [],
};

/** A key registry the way the ledger answers: by hash or by key id, counting how often it was asked. */
function registry(keys: Record<string, Principal>) {
  const entries = Object.entries(keys).map(([k, principal], i) => ({
    hash: hashApiKey(k),
    apiKeyId: `01936f7e-0000-7000-8000-0000000000${String(i).padStart(2, '0')}`,
    principal,
  }));
  const calls: string[] = [];
  const sessions = new Map<string, { principal: Principal; sessionId: string }>();
  const resolve: ApiKeyResolver = async (query) => {
    if ('sessionHash' in query) {
      calls.push(`session:${query.sessionHash}`);
      return sessions.get(query.sessionHash) ?? null;
    }
    calls.push('keyHash' in query ? query.keyHash : `id:${query.keyId}`);
    await new Promise((r) => setTimeout(r, 5));
    const found = entries.find((e) =>
      'keyHash' in query ? e.hash === query.keyHash : e.apiKeyId === query.keyId,
    );
    return found ? { principal: found.principal, apiKeyId: found.apiKeyId } : null;
  };
  const idOf = (key: string) => entries.find((e) => e.hash === hashApiKey(key))!.apiKeyId;
  return {
    resolve,
    calls,
    idOf,
    sessions,
    revoke: (key: string) =>
      entries.splice(
        entries.findIndex((e) => e.hash === hashApiKey(key)),
        1,
      ),
  };
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
    const withKey = { ...alice, credential: { apiKeyId: reg.idOf(key) } };
    expect(results.map((r) => r.principal)).toEqual([withKey, withKey, withKey]);
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

  it('verifies access tokens locally and checks the key they descend from, refusing expired and foreign ones', async () => {
    const key = generateApiKey();
    const reg = registry({ [key]: alice });
    const auth = new Authenticator({
      resolveApiKey: reg.resolve,
      tokenSecrets: [TOKEN_SECRET],
      cacheTtlMs: 50,
    });
    const holder = { ...alice, credential: { apiKeyId: reg.idOf(key) } };
    const { token, expiresAt } = await issueAccessToken(holder, TOKEN_SECRET, 600);
    const exp = Math.floor(expiresAt.getTime() / 1000);
    expect(await auth.authenticate(`Bearer ${token}`, undefined)).toEqual({
      principal: { ...alice, credential: { apiKeyId: reg.idOf(key), expiresAt: exp } },
      expiresAt,
    });
    expect(reg.calls).toEqual([`id:${reg.idOf(key)}`]);
    const expired = await issueAccessToken(holder, TOKEN_SECRET, 10, Date.now() - 60_000);
    expect(await code(auth.authenticate(`Bearer ${expired.token}`, undefined))).toBe('UNAUTHENTICATED');
    const foreign = await issueAccessToken(holder, 'another-secret-another-secret-another', 600);
    expect(await code(auth.authenticate(`Bearer ${foreign.token}`, undefined))).toBe('UNAUTHENTICATED');
    // A token for someone else naming this key (only a holder of the secret could mint it) is refused.
    const mismatched = await issueAccessToken({ ...holder, id: 'someone-else' }, TOKEN_SECRET, 600);
    expect(await code(auth.authenticate(`Bearer ${mismatched.token}`, undefined))).toBe('UNAUTHENTICATED');
    // Revoking the key ends the token once the cached answer expires.
    reg.revoke(key);
    await new Promise((r) => setTimeout(r, 80));
    expect(await code(auth.authenticate(`Bearer ${token}`, undefined))).toBe('UNAUTHENTICATED');
  });

  it('asks the ledger again when told to check afresh, for long-lived connections', async () => {
    const key = generateApiKey();
    const reg = registry({ [key]: alice });
    const auth = new Authenticator({
      resolveApiKey: reg.resolve,
      tokenSecrets: [TOKEN_SECRET],
      cacheTtlMs: 60_000,
    });
    await auth.authenticate(`Bearer ${key}`, undefined);
    reg.revoke(key);
    // Cached: still accepted…
    expect((await auth.authenticate(`Bearer ${key}`, undefined)).principal.id).toBe(alice.id);
    // …but not when checked afresh, and the fresh answer replaces the cached one.
    expect(await code(auth.authenticate(`Bearer ${key}`, undefined, { fresh: true }))).toBe(
      'UNAUTHENTICATED',
    );
    expect(await code(auth.authenticate(`Bearer ${key}`, undefined))).toBe('UNAUTHENTICATED');
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

  it('resolves a session cookie by its hash, lets a header win over it, and forgets it on sign-out', async () => {
    const key = generateApiKey();
    const reg = registry({ [key]: alice });
    const bob: Principal = {
      ...alice,
      id: '01936f7e-0000-7000-8000-00000000b0b0',
      name: 'bob',
      roles: ['OPERATOR'],
    };
    const token = generateSessionToken();
    const sessionId = '01936f7e-0000-7000-8000-00000000ses1';
    reg.sessions.set(hashToken(token), { principal: bob, sessionId });
    const auth = new Authenticator({
      resolveApiKey: reg.resolve,
      tokenSecrets: [TOKEN_SECRET],
      cacheTtlMs: 60_000,
    });

    const viaCookie = await auth.authenticate(undefined, undefined, { sessionToken: token });
    expect(viaCookie.principal).toEqual({ ...bob, credential: { sessionId } });
    expect(reg.calls).toEqual([`session:${hashToken(token)}`]);
    // An explicit credential speaks for the request, whatever cookie came along.
    const viaKey = await auth.authenticate(`Bearer ${key}`, undefined, { sessionToken: token });
    expect(viaKey.principal.id).toBe(alice.id);

    expect(await code(auth.authenticate(undefined, undefined, { sessionToken: 'ecps_short' }))).toBe(
      'UNAUTHENTICATED',
    );
    expect(
      await code(auth.authenticate(undefined, undefined, { sessionToken: generateSessionToken() })),
    ).toBe('UNAUTHENTICATED');
    // A session token is not an API key: presented as a bearer credential it is unrecognised.
    expect(await code(auth.authenticate(`Bearer ${token}`, undefined))).toBe('UNAUTHENTICATED');

    // Signed out: the ledger no longer knows it, and this gateway forgets it at once.
    reg.sessions.delete(hashToken(token));
    expect((await auth.authenticate(undefined, undefined, { sessionToken: token })).principal.id).toBe(
      bob.id,
    );
    auth.forgetSession(token);
    expect(await code(auth.authenticate(undefined, undefined, { sessionToken: token }))).toBe(
      'UNAUTHENTICATED',
    );
  });
});
