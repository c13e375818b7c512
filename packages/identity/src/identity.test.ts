import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AccessTokenError, issueAccessToken, verifyAccessToken } from './access-token';
import { apiKeyHint, generateApiKey, hashApiKey, looksLikeApiKey } from './api-key';
import { IdentityHeaderError, signIdentity, verifyIdentity } from './identity-header';
import { type Actor, actingFor, actorOf, type Principal, servicePrincipal } from './principal';

const secret = 's'.repeat(32);
const other = 'o'.repeat(32);
const alice: Principal = {
  kind: 'agent',
  id: '0193c0de-0000-7000-8000-000000000001',
  name: 'alice',
  roles: ['AGENT'],
  jurisdictions: ['EU/DE'],
};

/** A header with chosen claims, correctly signed: what a holder of the secret could mint. */
function forge(times: { iat: number; exp: number }, extra: Record<string, unknown> = {}): string {
  const claims = {
    kind: 'agent',
    sub: alice.id,
    name: alice.name,
    roles: alice.roles,
    jur: alice.jurisdictions,
    ...times,
    ...extra,
  };
  const body = `v1.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

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
  it('round-trips a principal, with the credential it authenticated with', () => {
    expect(verifyIdentity(signIdentity(alice, secret), [secret])).toEqual(alice);
    const viaToken: Principal = { ...alice, credential: { apiKeyId: 'k-1', expiresAt: 1_900_000_000 } };
    expect(verifyIdentity(signIdentity(viaToken, secret), [secret])).toEqual(viaToken);
    const viaKey: Principal = { ...alice, credential: { apiKeyId: 'k-1' } };
    expect(verifyIdentity(signIdentity(viaKey, secret), [secret])).toEqual(viaKey);
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

  it('refuses a header minted in the future or given a longer life than ECP gives any', () => {
    const now = Date.now();
    const future = signIdentity(alice, secret, 60, now + 60_000);
    expect(failure(() => verifyIdentity(future, [secret], now))).toBe('not-yet-valid');
    // Within the clock skew it is accepted.
    const skewed = signIdentity(alice, secret, 60, now + 10_000);
    expect(verifyIdentity(skewed, [secret], now)).toEqual(alice);
    // A signer holding the secret could give a header any lifetime; the verifier bounds it.
    const forged = forge({ iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + 86_400 });
    expect(failure(() => verifyIdentity(forged, [secret], now))).toBe('too-long-lived');
    const backwards = forge({ iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) - 1 + 60 });
    expect(verifyIdentity(backwards, [secret], now)).toEqual(alice);
    expect(() => signIdentity(alice, secret, 3600)).toThrow(RangeError);
  });
});

describe('a service acting for someone', () => {
  const ledger = servicePrincipal('ledger', ['ANALYST']);
  const aliceActor: Actor = { id: alice.id, name: alice.name, roles: ['AGENT'], jurisdictions: ['EU/DE'] };

  it('carries the actor, signed with the rest, into the verified principal', () => {
    const onBehalf = actingFor(ledger, actorOf(alice));
    expect(onBehalf).toEqual({ ...ledger, actor: aliceActor });
    const verified = verifyIdentity(signIdentity(onBehalf, secret), [secret]);
    expect(verified).toEqual(onBehalf);
    // The service keeps its own roles: the actor's are reported, never merged into them.
    expect(verified.roles).toEqual(['ANALYST']);
    expect(verified.kind).toBe('service');
  });

  it('passes the actor on through a second hop, and acts for no one when there is none', () => {
    const firstHop = verifyIdentity(signIdentity(actingFor(ledger, actorOf(alice)), secret), [secret]);
    const advisory = servicePrincipal('advisory');
    const secondHop = verifyIdentity(signIdentity(actingFor(advisory, actorOf(firstHop)), secret), [secret]);
    expect(secondHop).toEqual({ ...advisory, actor: aliceActor });
    expect(actorOf(ledger)).toBeUndefined();
    expect(actingFor(actingFor(ledger, aliceActor), undefined)).toEqual(ledger);
  });

  it('cannot gain or change an actor without the secret', () => {
    const plain = signIdentity(ledger, secret);
    const [v, body, sig] = plain.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString());
    const withActor = { ...claims, actor: { sub: 'someone-else', name: 'x', roles: ['ADMIN'], jur: [] } };
    const forged = `${v}.${Buffer.from(JSON.stringify(withActor)).toString('base64url')}.${sig}`;
    expect(failure(() => verifyIdentity(forged, [secret]))).toBe('bad-signature');
  });

  it('is refused for an agent principal, when signing and when verifying', () => {
    expect(() => signIdentity({ ...alice, actor: aliceActor }, secret)).toThrow(TypeError);
    expect(() => actingFor(alice, aliceActor)).toThrow(TypeError);
    const now = Date.now();
    const times = { iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + 60 };
    const agentActing = forge(times, { actor: { sub: 'x', name: 'x', roles: [], jur: [] } });
    expect(failure(() => verifyIdentity(agentActing, [secret], now))).toBe('malformed');
    const badRole = forge(times, {
      kind: 'service',
      actor: { sub: 'x', name: 'x', roles: ['ROOT'], jur: [] },
    });
    expect(failure(() => verifyIdentity(badRole, [secret], now))).toBe('malformed');
  });

  it('keeps the bounds on lifetime and clock skew', () => {
    const now = Date.now();
    const iat = Math.floor(now / 1000);
    const actor = { sub: alice.id, name: alice.name, roles: ['AGENT'], jur: [] };
    const long = forge({ iat, exp: iat + 86_400 }, { kind: 'service', actor });
    expect(failure(() => verifyIdentity(long, [secret], now))).toBe('too-long-lived');
    const future = signIdentity(actingFor(ledger, aliceActor), secret, 60, now + 60_000);
    expect(failure(() => verifyIdentity(future, [secret], now))).toBe('not-yet-valid');
    const old = signIdentity(actingFor(ledger, aliceActor), secret, 60, now - 120_000);
    expect(failure(() => verifyIdentity(old, [secret], now))).toBe('expired');
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
  const holder: Principal = { ...alice, credential: { apiKeyId: '0193c0de-0000-7000-8000-0000000000a1' } };

  it('round-trip the subject and the key they descend from, and expire', async () => {
    const { token, expiresAt } = await issueAccessToken(holder, secret, 60);
    const verified = await verifyAccessToken(token, [secret]);
    expect(verified).toEqual({ subject: alice.id, apiKeyId: holder.credential!.apiKeyId, expiresAt });
    await expect(verifyAccessToken(token, [other])).rejects.toMatchObject({ reason: 'invalid' });
    const expired = await issueAccessToken(holder, secret, 10, Date.now() - 60_000);
    await expect(verifyAccessToken(expired.token, [secret])).rejects.toBeInstanceOf(AccessTokenError);
    await expect(verifyAccessToken(expired.token, [secret])).rejects.toMatchObject({ reason: 'expired' });
  });

  it('never outlive the token they were minted with', async () => {
    const now = Date.now();
    const parentExpiry = Math.floor(now / 1000) + 120;
    const viaToken: Principal = {
      ...alice,
      credential: { apiKeyId: holder.credential!.apiKeyId!, expiresAt: parentExpiry },
    };
    const child = await issueAccessToken(viaToken, secret, 3600, now);
    expect(child.expiresAt.getTime()).toBe(parentExpiry * 1000);
    const shorter = await issueAccessToken(viaToken, secret, 60, now);
    expect(shorter.expiresAt.getTime()).toBe((Math.floor(now / 1000) + 60) * 1000);
    await expect(issueAccessToken(viaToken, secret, 60, (parentExpiry + 1) * 1000)).rejects.toMatchObject({
      reason: 'expired',
    });
  });

  it('are minted only for a caller that holds an API key', async () => {
    await expect(issueAccessToken(alice, secret, 60)).rejects.toMatchObject({ reason: 'invalid' });
  });
});
