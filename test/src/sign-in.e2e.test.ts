import { errorCode, graphql } from '@ecp/test-kit/http';
import { createPerson, signedInPerson, signIn } from '@ecp/test-kit/people';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

/**
 * People sign in through the gateway: a session cookie (httpOnly, SameSite=Strict, Secure behind
 * https) accepted for HTTP and for the graphql-ws handshake on the same origin, refused from another;
 * CSRF prevention kept on; sign-out and revocation end it; failed sign-ins are limited per account and
 * per address in Redis.
 */
const AUTH_CACHE_TTL_MS = 1000;
let stack: Stack;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  stack = await startStack({
    extraEnv: {
      AUTH_CACHE_TTL_MS: String(AUTH_CACHE_TTL_MS),
      SIGN_IN_MAX_FAILURES_PER_ACCOUNT: '3',
      SIGN_IN_MAX_FAILURES_PER_ADDRESS: '8',
    },
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

function postAuth(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  base = stack.gatewayUrl,
) {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

const meWith = (cookie: string, headers: Record<string, string> = {}) =>
  graphql<{ me: { id: string; name: string; roles: string[]; email: string } | null }>(
    stack.graphqlUrl,
    '{ me { id name roles email } }',
    {},
    { headers: { cookie, ...headers } },
  );

/** Opens a graphql-ws socket with these handshake headers and no connection_init credential. */
function socketWith(headers: Record<string, string>) {
  const ws = new WebSocket(stack.websocketUrl, 'graphql-transport-ws', { headers });
  const acked = new Promise<boolean>((resolve) => {
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    ws.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') resolve(true);
    });
    ws.on('close', () => resolve(false));
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  return { ws, acked, closed };
}

describe('a person signed in', () => {
  it('gets an httpOnly, SameSite=Strict session cookie that answers `me` with their roles', async () => {
    const person = await createPerson(stack, { name: 'Olga Operator', roles: ['OPERATOR', 'ANALYST'] });
    const res = await postAuth('/auth/sign-in', {
      email: person.email.toUpperCase(),
      password: person.password,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { person: { id: string; roles: string[] }; expiresAt: string };
    expect(body.person).toMatchObject({ id: person.id, roles: ['OPERATOR', 'ANALYST'], email: person.email });
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('ecp_session='))!;
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).not.toMatch(/; Secure/); // plain http on loopback
    const cookie = setCookie.split(';')[0]!;

    const me = await meWith(cookie);
    expect(me.body.errors).toBeUndefined();
    expect(me.body.data!.me).toEqual({
      id: person.id,
      name: 'Olga Operator',
      roles: ['OPERATOR', 'ANALYST'],
      email: person.email,
    });

    // The same cookie opens a graphql-ws connection on the same origin, with nothing in connection_init.
    const origin = stack.gatewayUrl;
    const same = socketWith({ cookie, origin });
    expect(await same.acked).toBe(true);
    same.ws.close();
    // Another site's page cannot open one on the cookie (cross-site WebSocket hijacking).
    const foreign = socketWith({ cookie, origin: 'https://evil.example' });
    expect(await foreign.acked).toBe(false);
    expect(await foreign.closed).toBe(4403);
  });

  it('is refused from another origin and keeps CSRF prevention on', async () => {
    const { cookie } = await signedInPerson(stack, { roles: ['ANALYST'] });
    const crossOrigin = await meWith(cookie, { origin: 'https://evil.example' });
    expect(crossOrigin.status).toBe(403);
    expect(errorCode(crossOrigin)).toBe('FORBIDDEN');
    const crossSite = await meWith(cookie, { 'sec-fetch-site': 'cross-site' });
    expect(errorCode(crossSite)).toBe('FORBIDDEN');
    // A "simple" request a form on another site could send: Apollo's CSRF prevention refuses it.
    const simple = await fetch(`${stack.graphqlUrl}?query=${encodeURIComponent('{ me { id } }')}`, {
      headers: { cookie },
    });
    expect(simple.status).toBe(400);
    expect(await simple.text()).toMatch(/CSRF/i);
    const form = await fetch(`${stack.gatewayUrl}/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=a%40b.c&password=x',
    });
    expect(form.status).toBe(400);
    const foreignSignIn = await postAuth(
      '/auth/sign-in',
      { email: 'a@b.c', password: 'x' },
      { origin: 'https://evil.example' },
    );
    expect(foreignSignIn.status).toBe(403);
  });

  it('ends at sign-out and when revoked, within the auth cache period elsewhere', async () => {
    const person = await signedInPerson(stack, { roles: ['ANALYST'] });
    expect((await meWith(person.cookie)).body.data!.me!.id).toBe(person.id);
    const out = await postAuth('/auth/sign-out', {}, { cookie: person.cookie });
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie().join()).toMatch(/ecp_session=;.*Expires=Thu, 01 Jan 1970/);
    const after = await meWith(person.cookie);
    expect(after.status).toBe(401);
    expect(errorCode(after)).toBe('UNAUTHENTICATED');

    // Revoked by an admin: a socket open on it is closed, and requests stop within the cache period.
    const cookie = await signIn(stack, person.email, person.password);
    const sessions = await graphql<{ me: { sessions: { id: string; current: boolean }[] } }>(
      stack.graphqlUrl,
      '{ me { sessions { id current } } }',
      {},
      { headers: { cookie } },
    );
    const current = sessions.body.data!.me.sessions.find((s) => s.current)!;
    const open = socketWith({ cookie, origin: stack.gatewayUrl });
    expect(await open.acked).toBe(true);
    const revoked = await graphql(
      stack.graphqlUrl,
      'mutation ($id: ID!) { revokeSession(id: $id) { id } }',
      { id: current.id },
      { headers: { authorization: `Bearer ${stack.adminKey}` } },
    );
    expect(revoked.body.errors).toBeUndefined();
    await sleep(AUTH_CACHE_TTL_MS + 300);
    expect(errorCode(await meWith(cookie))).toBe('UNAUTHENTICATED');
    expect(await open.closed).toBe(4401);
  });

  it('is Secure behind an https proxy the gateway is told to trust', async () => {
    const person = await createPerson(stack, { roles: ['ANALYST'] });
    const replica = await stack.startGatewayReplica({ TRUST_PROXY_HOPS: '1' });
    const res = await postAuth(
      '/auth/sign-in',
      { email: person.email, password: person.password },
      { 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.9' },
      replica,
    );
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().find((c) => c.startsWith('ecp_session='))).toMatch(/; Secure/);
  });
});

describe('failed sign-ins', () => {
  it('are refused alike for a wrong password and an unknown email, then limited per account', async () => {
    const person = await createPerson(stack, { roles: ['ANALYST'] });
    const wrong = await postAuth('/auth/sign-in', { email: person.email, password: 'not the password' });
    expect(wrong.status).toBe(401);
    const wrongBody = await wrong.json();
    const unknown = await postAuth('/auth/sign-in', {
      email: 'nobody@example.test',
      password: 'not the password',
    });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual(wrongBody);
    expect(wrongBody).toMatchObject({
      errors: [{ message: 'Wrong email or password.', extensions: { code: 'UNAUTHENTICATED' } }],
    });

    for (let i = 0; i < 2; i++)
      expect((await postAuth('/auth/sign-in', { email: person.email, password: `guess ${i}` })).status).toBe(
        401,
      );
    // Three failures: the account waits, even with the right password.
    const limited = await postAuth('/auth/sign-in', { email: person.email, password: person.password });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(
      ((await limited.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code,
    ).toBe('RATE_LIMITED');
    // Nothing was opened: no cookie.
    expect(limited.headers.getSetCookie()).toEqual([]);
  });

  it('are limited per address across accounts, shared by every gateway replica', async () => {
    const [replica, another] = await Promise.all([
      stack.startGatewayReplica({ TRUST_PROXY_HOPS: '1' }),
      stack.startGatewayReplica({ TRUST_PROXY_HOPS: '1' }),
    ]);
    const from = { 'x-forwarded-for': '203.0.113.50' };
    // One address, many accounts, its failures spread over two replicas.
    for (let i = 0; i < 8; i++) {
      const base = i % 2 === 0 ? replica : another;
      expect(
        (await postAuth('/auth/sign-in', { email: `guess${i}@example.test`, password: 'x' }, from, base))
          .status,
      ).toBe(401);
    }
    const person = await createPerson(stack, { roles: ['ANALYST'] });
    const blocked = await postAuth(
      '/auth/sign-in',
      { email: person.email, password: person.password },
      from,
      replica,
    );
    expect(blocked.status).toBe(429);
    // Another address is not affected.
    const other = await postAuth(
      '/auth/sign-in',
      { email: person.email, password: person.password },
      { 'x-forwarded-for': '203.0.113.51' },
      replica,
    );
    expect(other.status).toBe(200);
  });

  it('answer bad input with BAD_USER_INPUT and change nothing', async () => {
    const missing = await postAuth('/auth/sign-in', { email: 'a@b.c' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({
      errors: [
        { extensions: { code: 'BAD_USER_INPUT', details: [{ path: 'password', reason: 'required' }] } },
      ],
    });
    const badToken = await postAuth('/auth/set-password', {
      token: 'ecpp_nope',
      password: 'a long enough password',
    });
    expect(badToken.status).toBe(401);
  });
});
