import { IDENTITY_HEADER, signIdentity } from '@ecp/identity/identity-header';
import { type Principal, servicePrincipal } from '@ecp/identity/principal';
import { hashToken } from '@ecp/identity/session-token';
import { errorCode, graphql, TEST_IDENTITY_SECRET } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdmin, principalOf } from '../src/modules/agents/agent.service';
import { API_KEY_LOOKUP_PATH } from '../src/modules/api-keys/api-key-lookup.route';
import { OPEN_GATE } from '../src/modules/firewall/firewall-advice';
import { SET_PASSWORD_PATH, SIGN_IN_PATH, SIGN_OUT_PATH } from '../src/modules/people/people.route';
import { ledgerSubgraph } from '../src/subgraph';
import { testLedgerConfig } from './ledger-config';

/**
 * People: an admin creates a person and hands them a setup token; the person sets a password
 * (argon2id), signs in through the gateway's internal route, and the session resolves to them until
 * sign-out, revocation or a password reset ends it. Only the gateway may use those routes.
 */
// biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field
type Json = any;

let sg: SubgraphUnderTest;
let admin: Principal;

beforeAll(async () => {
  sg = await startSubgraph(
    (url) => ledgerSubgraph(testLedgerConfig(url), { firewall: OPEN_GATE }),
    testLedgerConfig,
  );
  const boot = await bootstrapAdmin(sg.em());
  admin = { ...principalOf(boot!.agent), credential: { apiKeyId: '00000000-0000-7000-8000-000000000001' } };
});

afterAll(async () => {
  await sg?.stop();
});

function asService(service: string, path: string, body: unknown) {
  return fetch(`${sg.origin}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [IDENTITY_HEADER]: signIdentity(servicePrincipal(service), TEST_IDENTITY_SECRET),
    },
    body: JSON.stringify(body),
  });
}
const asGateway = (path: string, body: unknown) => asService('gateway', path, body);

interface Setup {
  person: { id: string; name: string; roles: string[]; email: string | null };
  email: string;
  setupToken: string;
  setupTokenExpiresAt: string;
}

async function createPerson(email: string, roles = ['OPERATOR'], as: Principal = admin) {
  return graphql<{ createPerson: Setup }>(
    sg.url,
    `mutation ($input: CreatePersonInput!) {
      createPerson(input: $input) { person { id name roles email } email setupToken setupTokenExpiresAt }
    }`,
    { input: { name: 'Olga Operator', email, roles } },
    { as },
  );
}

async function signedIn(email: string, password: string) {
  const res = await asGateway(SIGN_IN_PATH, { email, password, address: '192.0.2.7', userAgent: 'test' });
  return { status: res.status, body: (await res.json()) as Json };
}

async function lookupSession(token: string) {
  const res = await asGateway(API_KEY_LOOKUP_PATH, { sessionHash: hashToken(token) });
  return { status: res.status, body: (await res.json()) as Json };
}

describe('people', () => {
  it('are created by admins with a one-time setup token, set a password, sign in and resolve as themselves', async () => {
    const created = await createPerson('  Olga@Example.TEST ');
    expect(created.body.errors).toBeUndefined();
    const setup = created.body.data!.createPerson;
    expect(setup.email).toBe('olga@example.test');
    expect(setup.person).toMatchObject({
      name: 'Olga Operator',
      roles: ['OPERATOR'],
      email: 'olga@example.test',
    });
    expect(setup.setupToken).toMatch(/^ecpp_[A-Za-z0-9_-]{43}$/);

    // Before a password is set nobody can sign in, and the answer is the same as for a wrong password.
    const early = await signedIn('olga@example.test', 'whatever-it-might-be');
    expect(early.status).toBe(401);
    expect(early.body.errors[0]).toMatchObject({
      message: 'Wrong email or password.',
      extensions: { code: 'UNAUTHENTICATED' },
    });

    const short = await asGateway(SET_PASSWORD_PATH, { token: setup.setupToken, password: 'short' });
    expect(short.status).toBe(400);
    expect(((await short.json()) as Json).errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      details: [{ path: 'password' }],
    });
    const set = await asGateway(SET_PASSWORD_PATH, {
      token: setup.setupToken,
      password: 'correct horse battery',
    });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ email: 'olga@example.test' });
    const stored = (await sg
      .em()
      .getConnection()
      .execute(
        "select password_hash, setup_token_hash from ledger.person where email = 'olga@example.test'",
      )) as {
      password_hash: string;
      setup_token_hash: string | null;
    }[];
    expect(stored[0]!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(stored[0]!.setup_token_hash).toBeNull();
    // The token is spent.
    const again = await asGateway(SET_PASSWORD_PATH, {
      token: setup.setupToken,
      password: 'another long password',
    });
    expect(again.status).toBe(401);

    const wrong = await signedIn('olga@example.test', 'correct horse battery!');
    expect(wrong.status).toBe(401);
    const unknown = await signedIn('nobody@example.test', 'correct horse battery');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);

    const ok = await signedIn('OLGA@example.test', 'correct horse battery');
    expect(ok.status).toBe(200);
    expect(ok.body.token).toMatch(/^ecps_[A-Za-z0-9_-]{43}$/);
    expect(ok.body.person).toMatchObject({
      id: setup.person.id,
      roles: ['OPERATOR'],
      email: 'olga@example.test',
    });
    expect(new Date(ok.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 11 * 3600_000);

    const live = await lookupSession(ok.body.token);
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({
      sessionId: ok.body.sessionId,
      principal: { id: setup.person.id, kind: 'agent' },
    });

    // `me`, as the gateway forwards a session's holder: their own email and sessions, the current one marked.
    const person: Principal = { ...live.body.principal, credential: { sessionId: ok.body.sessionId } };
    const me = await graphql<{
      me: { email: string; sessions: { id: string; current: boolean; address: string }[] };
    }>(sg.url, '{ me { email sessions { id current address userAgent } } }', {}, { as: person });
    expect(me.body.errors).toBeUndefined();
    expect(me.body.data!.me.email).toBe('olga@example.test');
    expect(me.body.data!.me.sessions).toEqual([
      { id: ok.body.sessionId, current: true, address: '192.0.2.7', userAgent: 'test' },
    ]);
    // A session mints no access tokens: they descend from API keys.
    const token = await graphql(sg.url, 'mutation { issueAccessToken { token } }', {}, { as: person });
    expect(errorCode(token)).toBe('FORBIDDEN');

    // Sign-out ends it.
    const out = await asGateway(SIGN_OUT_PATH, { tokenHash: hashToken(ok.body.token) });
    expect(out.status).toBe(200);
    expect((await lookupSession(ok.body.token)).status).toBe(404);
  });

  it('are refused with typed errors for bad input, a taken email, AGENT, or a caller who is not an admin', async () => {
    const bad = await createPerson('not-an-email');
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    expect((bad.body.errors![0] as Json).extensions.details).toEqual([
      { path: 'input.email', reason: 'must be an email address' },
    ]);
    const agentRole = await createPerson('robot@example.test', ['AGENT']);
    expect(errorCode(agentRole)).toBe('BAD_USER_INPUT');
    expect((agentRole.body.errors![0] as Json).extensions.details[0].path).toBe('input.roles.0');

    expect((await createPerson('taken@example.test')).body.errors).toBeUndefined();
    const taken = await createPerson('TAKEN@example.test');
    expect(errorCode(taken)).toBe('CONFLICT');
    const count = (await sg
      .em()
      .getConnection()
      .execute("select count(*)::int as n from ledger.agent where name = 'Olga Operator'")) as {
      n: number;
    }[];
    // Olga, and the one "taken" person: nothing of the refused ones was written.
    expect(count[0]!.n).toBe(2);

    const analyst: Principal = {
      kind: 'agent',
      id: admin.id,
      name: 'x',
      roles: ['ANALYST'],
      jurisdictions: [],
    };
    expect(errorCode(await createPerson('else@example.test', ['ANALYST'], analyst))).toBe('FORBIDDEN');
  });

  it('lose every session when an admin resets the password, and sessions can be revoked', async () => {
    const setup = (await createPerson('reset@example.test', ['ANALYST'])).body.data!.createPerson;
    await asGateway(SET_PASSWORD_PATH, { token: setup.setupToken, password: 'a long first password' });
    const first = await signedIn('reset@example.test', 'a long first password');
    const second = await signedIn('reset@example.test', 'a long first password');
    expect((await lookupSession(first.body.token)).status).toBe(200);

    // The person revokes their second session themselves.
    const self: Principal = {
      ...(await lookupSession(first.body.token)).body.principal,
      credential: { sessionId: first.body.sessionId },
    };
    const revoked = await graphql<{ revokeSession: { id: string } }>(
      sg.url,
      'mutation ($id: ID!) { revokeSession(id: $id) { id } }',
      { id: second.body.sessionId },
      { as: self },
    );
    expect(revoked.body.errors).toBeUndefined();
    expect((await lookupSession(second.body.token)).status).toBe(404);
    expect((await lookupSession(first.body.token)).status).toBe(200);

    const reset = await graphql<{ resetPassword: Setup }>(
      sg.url,
      'mutation ($id: ID!) { resetPassword(personId: $id) { setupToken } }',
      { id: setup.person.id },
      { as: admin },
    );
    expect(reset.body.errors).toBeUndefined();
    expect((await lookupSession(first.body.token)).status).toBe(404);
    expect((await signedIn('reset@example.test', 'a long first password')).status).toBe(401);
    await asGateway(SET_PASSWORD_PATH, {
      token: reset.body.data!.resetPassword.setupToken,
      password: 'a long second password',
    });
    expect((await signedIn('reset@example.test', 'a long second password')).status).toBe(200);
  });

  it('lose a session at its expiry and after the idle time unused', async () => {
    const setup = (await createPerson('expiry@example.test', ['ANALYST'])).body.data!.createPerson;
    await asGateway(SET_PASSWORD_PATH, { token: setup.setupToken, password: 'an expiring password' });
    const expiring = await signedIn('expiry@example.test', 'an expiring password');
    const idle = await signedIn('expiry@example.test', 'an expiring password');
    const db = sg.em().getConnection();
    await db.execute(
      "update ledger.person_session set expires_at = now() - interval '1 second' where id = ?",
      [expiring.body.sessionId],
    );
    // The idle limit in tests is one hour.
    await db.execute(
      "update ledger.person_session set last_seen_at = now() - interval '61 minutes' where id = ?",
      [idle.body.sessionId],
    );
    expect((await lookupSession(expiring.body.token)).status).toBe(404);
    expect((await lookupSession(idle.body.token)).status).toBe(404);
  });

  it('are signed in only by the gateway', async () => {
    const res = await asService('workers', SIGN_IN_PATH, {
      email: 'olga@example.test',
      password: 'correct horse battery',
    });
    expect(res.status).toBe(403);
    const unsigned = await fetch(`${sg.origin}${SIGN_IN_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unsigned.status).toBe(401);
  });
});
