import { randomUUID } from 'node:crypto';
import { verifyAccessToken } from '@ecp/identity/access-token';
import { hashApiKey } from '@ecp/identity/api-key';
import { IDENTITY_HEADER, signIdentity } from '@ecp/identity/identity-header';
import { type Principal, servicePrincipal } from '@ecp/identity/principal';
import { createLogger } from '@ecp/logging/logger';
import { committedSubgraphSdl, subgraphSdl } from '@ecp/service-kit/print-sdl';
import { defaultSubgraphUrls } from '@ecp/service-kit/service-directory';
import { type BuiltSubgraph, buildSubgraph } from '@ecp/service-kit/subgraph-runtime';
import { createTestDatabase, type TestDatabase } from '@ecp/test-kit/database';
import { testEnv } from '@ecp/test-kit/env';
import { agentInput } from '@ecp/test-kit/fixtures';
import {
  errorCode,
  type GraphQLResponse,
  graphql,
  TEST_IDENTITY_SECRET,
  TEST_LEDGER_ORIGIN,
  TEST_LEDGER_SIGNING_KEY,
  TEST_TOKEN_SECRET,
} from '@ecp/test-kit/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerConfig } from '../src/env';
import { bootstrapAdmin, principalOf } from '../src/modules/agents/agent.service';
import { API_KEY_LOOKUP_PATH } from '../src/modules/api-keys/api-key-lookup.route';
import { ledgerSchema } from '../src/schema';
import { ledgerSubgraph } from '../src/subgraph';

let db: TestDatabase;
let built: BuiltSubgraph;
let origin: string;
let url: string;
let admin: Principal;
let adminKey: string;

const config: LedgerConfig = {
  ...defaultSubgraphUrls(),
  HOST: '127.0.0.1',
  PORT: 0,
  DATABASE_URL: '',
  DB_POOL_MAX: 5,
  ECP_IDENTITY_SECRET: TEST_IDENTITY_SECRET,
  ECP_TOKEN_SECRET: TEST_TOKEN_SECRET,
  ACCESS_TOKEN_MAX_TTL_SECONDS: 3600,
  PERSON_SESSION_TTL_MS: 12 * 3600_000,
  PERSON_SESSION_IDLE_MS: 3600_000,
  PERSON_SETUP_TOKEN_TTL_MS: 72 * 3600_000,
  LEDGER_ORIGIN: TEST_LEDGER_ORIGIN,
  LEDGER_SIGNING_KEY: TEST_LEDGER_SIGNING_KEY,
  LEDGER_VERIFIER_KEYS: [],
  LEDGER_MAX_ENTRY_BYTES: 65_536,
  LEDGER_BATCH_MAX: 1000,
  CHECKPOINT_INTERVAL_MS: 1000,
  CHECKPOINT_EVERY_ENTRIES: 10_000,
  NODE_ENV: 'test',
  LEDGER_FIREWALL: 'off',
  LEDGER_HOLD_TTL_SECONDS: 86_400,
  LEDGER_POLICY_CACHE_MS: 0,
  QUEUE_PREFIX: 'ecp:test:agents:jobs',
  REDIS_URL: testEnv.redisUrl,
  EVENT_STREAM_PREFIX: `ecp:test:${randomUUID()}:`,
  EVENT_STREAM_MAX_LENGTH: 1000,
  MAX_BODY_BYTES: 1_048_576,
  LOG_LEVEL: 'silent',
  LOG_FORMAT: 'json',
  SHUTDOWN_DEADLINE_MS: 1000,
};

beforeAll(async () => {
  db = await createTestDatabase();
  const logger = createLogger({ service: 'ledger', level: 'silent' });
  built = await buildSubgraph(
    ledgerSubgraph({ ...config, DATABASE_URL: db.url }),
    { ...config, DATABASE_URL: db.url },
    logger,
  );
  origin = `http://127.0.0.1:${await built.http.listen(0, '127.0.0.1')}`;
  url = `${origin}/graphql`;
  const boot = await bootstrapAdmin(built.orm.em.fork());
  if (!boot) throw new Error('expected a fresh database to get an admin');
  admin = principalOf(boot.agent);
  adminKey = boot.apiKey;
});

afterAll(async () => {
  await built?.stop();
  await db?.drop();
});

const REGISTER = `mutation ($input: RegisterAgentInput!) {
  registerAgent(input: $input) { apiKey agent { id name roles jurisdictions createdAt } }
}`;

async function firstKeyId(agentId: string): Promise<string> {
  const rows = (await built.orm.em
    .getConnection()
    .execute('select id from ledger.api_key where agent_id = ? order by created_at limit 1', [agentId])) as {
    id: string;
  }[];
  return rows[0]!.id;
}

async function count(table: string): Promise<number> {
  const rows = await built.orm.em.getConnection().execute(`select count(*)::int as n from ledger.${table}`);
  return (rows[0] as { n: number }).n;
}

async function register(input: Record<string, unknown>) {
  const res = await graphql<{
    registerAgent: { apiKey: string; agent: { id: string; name: string; roles: string[] } };
  }>(url, REGISTER, { input: agentInput(input) }, { as: admin });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.registerAgent;
}

describe('bootstrapAdmin', () => {
  it('creates one admin only, even when asked concurrently', async () => {
    const again = await Promise.all([
      bootstrapAdmin(built.orm.em.fork()),
      bootstrapAdmin(built.orm.em.fork()),
    ]);
    expect(again).toEqual([null, null]);
    const admins = await built.orm.em
      .getConnection()
      .execute("select count(*)::int as n from ledger.agent where 'ADMIN' = any(roles)");
    expect(admins[0]).toEqual({ n: 1 });
    expect(adminKey).toMatch(/^ecp_/);
  });
});

describe('registerAgent', () => {
  it('registers an agent and stores only the hash of its key', async () => {
    const { apiKey, agent } = await register({
      name: '  pricing-bot ',
      jurisdictions: ['EU/DE', 'EU/DE', 'EU'],
    });
    expect(agent).toMatchObject({ name: 'pricing-bot', roles: ['AGENT'], jurisdictions: ['EU/DE', 'EU'] });
    expect(apiKey).toMatch(/^ecp_[A-Za-z0-9_-]{43}$/);
    const keys = await built.orm.em
      .getConnection()
      .execute('select key_hash, hint from ledger.api_key where agent_id = ?', [agent.id]);
    expect(keys).toEqual([{ key_hash: hashApiKey(apiKey), hint: `${apiKey.slice(0, 10)}…` }]);
    const leaked = await built.orm.em
      .getConnection()
      .execute('select count(*)::int as n from ledger.api_key where key_hash = ? or hint = ?', [
        apiKey,
        apiKey,
      ]);
    expect(leaked[0]).toEqual({ n: 0 });
  });

  it('refuses callers without the ADMIN role, and writes nothing', async () => {
    const { agent } = await register({ name: 'plain agent' });
    const before = await count('agent');
    const res = await graphql(
      url,
      REGISTER,
      { input: { name: 'sneaky', roles: ['ADMIN'] } },
      { as: { ...admin, id: agent.id, roles: ['AGENT', 'OPERATOR'] } },
    );
    expect(errorCode(res)).toBe('FORBIDDEN');
    expect(res.body.data).toBeNull();
    expect(await count('agent')).toBe(before);
  });

  it('refuses invalid input with every problem named, and writes nothing', async () => {
    const before = [await count('agent'), await count('api_key')];
    const res = await graphql(
      url,
      REGISTER,
      { input: { name: '   ', roles: [], jurisdictions: ['eu/de', 'EU'] } },
      { as: admin },
    );
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    const details = res.body.errors![0]!.extensions!.details as { path: string; reason: string }[];
    expect(details.map((d) => d.path).sort()).toEqual(['input.jurisdictions.0', 'input.name', 'input.roles']);
    expect(details.find((d) => d.path === 'input.jurisdictions.0')?.reason).toBe(
      'must be a jurisdiction path such as EU or EU/DE: level 1 ("eu") may hold only A–Z, 0–9, "_" and "-"',
    );
    expect([await count('agent'), await count('api_key')]).toEqual(before);
  });

  it('refuses an agent with no jurisdiction: none means none, so it could act nowhere', async () => {
    const before = await count('agent');
    for (const input of [{ name: 'nowhere' }, { name: 'nowhere', jurisdictions: [] }]) {
      const res = await graphql(url, REGISTER, { input }, { as: admin });
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
      expect(res.body.errors![0]!.extensions!.details).toEqual([
        { path: 'input.jurisdictions', reason: expect.stringMatching(/at least one jurisdiction/) },
      ]);
    }
    expect(await count('agent')).toBe(before);
    // People need none: their roles are not bound to a place.
    const analyst = await graphql(
      url,
      REGISTER,
      { input: { name: 'analyst', roles: ['ANALYST'] } },
      { as: admin },
    );
    expect(analyst.body.errors).toBeUndefined();
  });

  it('refuses an unknown role at validation time', async () => {
    const res = await graphql(url, REGISTER, { input: { name: 'x', roles: ['ROOT'] } }, { as: admin });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
  });
});

describe('reading agents', () => {
  it('answers me, agent(id), and NOT_FOUND / BAD_USER_INPUT for unknown or malformed ids', async () => {
    const { agent } = await register({ name: 'reader', roles: ['ANALYST'] });
    const me = await graphql<{ me: { id: string } }>(
      url,
      '{ me { id name roles } }',
      {},
      { as: { ...admin, id: agent.id, roles: ['ANALYST'] } },
    );
    expect(me.body.data!.me).toEqual({ id: agent.id, name: 'reader', roles: ['ANALYST'] });
    const service = await graphql(url, '{ me { id } }', {}, { as: servicePrincipal('bench', ['ANALYST']) });
    expect(service.body).toEqual({ data: { me: null } });
    const byId = await graphql<{ agent: { name: string } }>(
      url,
      'query ($id: ID!) { agent(id: $id) { name } }',
      { id: agent.id },
      { as: admin },
    );
    expect(byId.body.data!.agent.name).toBe('reader');
    const unknown = await graphql(
      url,
      'query ($id: ID!) { agent(id: $id) { name } }',
      { id: '01936f7e-0000-7000-8000-000000000000' },
      { as: admin },
    );
    expect(unknown.body.data).toEqual({ agent: null });
    expect(errorCode(unknown)).toBe('NOT_FOUND');
    const malformed = await graphql(url, '{ agent(id: "nope") { name } }', {}, { as: admin });
    expect(errorCode(malformed)).toBe('BAD_USER_INPUT');
  });

  it('pages through agents forwards and backwards with stable cursors', async () => {
    for (const name of ['p1', 'p2', 'p3']) await register({ name });
    const all: string[] = [];
    let after: string | null = null;
    const query = `query ($after: String) { agents(first: 2, after: $after) { edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }`;
    for (;;) {
      type Page = {
        agents: {
          edges: { node: { name: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      };
      const res: GraphQLResponse<Page> = await graphql<Page>(url, query, { after }, { as: admin });
      expect(res.body.errors).toBeUndefined();
      all.push(...res.body.data!.agents.edges.map((e) => e.node.name));
      if (!res.body.data!.agents.pageInfo.hasNextPage) break;
      after = res.body.data!.agents.pageInfo.endCursor;
    }
    expect(all.length).toBe(await count('agent'));
    expect(new Set(all).size).toBe(all.length);
    expect(all.slice(-3)).toEqual(['p1', 'p2', 'p3']);
    const last = await graphql<{ agents: { edges: { node: { name: string } }[] } }>(
      url,
      '{ agents(last: 2) { edges { node { name } } } }',
      {},
      { as: admin },
    );
    expect(last.body.data!.agents.edges.map((e) => e.node.name)).toEqual(['p2', 'p3']);
    const bad = await graphql(
      url,
      '{ agents(first: 2, after: "garbage") { edges { cursor } } }',
      {},
      { as: admin },
    );
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    const agentOnly = await graphql(
      url,
      '{ agents(first: 1) { edges { cursor } } }',
      {},
      { as: { ...admin, roles: ['AGENT'] } },
    );
    expect(errorCode(agentOnly)).toBe('FORBIDDEN');
  });

  it('resolves Agent references for the gateway, unknown ones as null', async () => {
    const { agent } = await register({ name: 'entity' });
    const res = await graphql<{ _entities: unknown[] }>(
      url,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agent { id name } } }',
      {
        r: [
          { __typename: 'Agent', id: agent.id },
          { __typename: 'Agent', id: '01936f7e-0000-7000-8000-000000000000' },
        ],
      },
      { as: servicePrincipal('gateway') },
    );
    expect(res.body.data!._entities).toEqual([{ id: agent.id, name: 'entity' }, null]);
  });
});

describe('access tokens', () => {
  it('mints a token for the caller, bound to the API key it used', async () => {
    const { agent } = await register({ name: 'token holder', roles: ['OPERATOR'] });
    const apiKeyId = await firstKeyId(agent.id);
    const as: Principal = {
      kind: 'agent',
      id: agent.id,
      name: 'x',
      roles: ['OPERATOR'],
      jurisdictions: [],
      credential: { apiKeyId },
    };
    const res = await graphql<{ issueAccessToken: { token: string; expiresAt: string } }>(
      url,
      'mutation { issueAccessToken(ttlSeconds: 120) { token expiresAt } }',
      {},
      { as },
    );
    const verified = await verifyAccessToken(res.body.data!.issueAccessToken.token, [TEST_TOKEN_SECRET]);
    expect(verified).toMatchObject({ subject: agent.id, apiKeyId });
    const tooLong = await graphql(
      url,
      'mutation { issueAccessToken(ttlSeconds: 99999) { token } }',
      {},
      { as },
    );
    expect(errorCode(tooLong)).toBe('BAD_USER_INPUT');
    // A caller without a credential (an ECP service) has nothing to bind a token to.
    const { credential: _none, ...bare } = as;
    const unbound = await graphql(url, 'mutation { issueAccessToken { token } }', {}, { as: bare });
    expect(errorCode(unbound)).toBe('UNAUTHENTICATED');
  });

  it('mints with a token only tokens that expire no later than it', async () => {
    const { agent } = await register({ name: 'chain' });
    const apiKeyId = await firstKeyId(agent.id);
    const parentExpiry = Math.floor(Date.now() / 1000) + 90;
    const viaToken: Principal = {
      kind: 'agent',
      id: agent.id,
      name: 'chain',
      roles: ['AGENT'],
      jurisdictions: ['EU'],
      credential: { apiKeyId, expiresAt: parentExpiry },
    };
    const res = await graphql<{ issueAccessToken: { token: string; expiresAt: string } }>(
      url,
      'mutation { issueAccessToken(ttlSeconds: 3600) { token expiresAt } }',
      {},
      { as: viaToken },
    );
    expect(new Date(res.body.data!.issueAccessToken.expiresAt).getTime()).toBe(parentExpiry * 1000);
    const verified = await verifyAccessToken(res.body.data!.issueAccessToken.token, [TEST_TOKEN_SECRET]);
    expect(verified.expiresAt.getTime()).toBe(parentExpiry * 1000);
    const expired = await graphql(
      url,
      'mutation { issueAccessToken { token } }',
      {},
      { as: { ...viaToken, credential: { apiKeyId, expiresAt: parentExpiry - 3600 } } },
    );
    expect(errorCode(expired)).toBe('UNAUTHENTICATED');
  });
});

describe('the gateway boundary', () => {
  it('refuses requests without a valid identity header before any resolver runs', async () => {
    const missing = await graphql(url, '{ me { id } }');
    expect(missing.status).toBe(401);
    expect(errorCode(missing)).toBe('UNAUTHENTICATED');
    const forged = await graphql(
      url,
      '{ me { id } }',
      {},
      { as: admin, secret: 'an-attacker-secret-that-is-long-enough-0' },
    );
    expect(forged.status).toBe(401);
    expect(forged.body.errors![0]!.message).toMatch(/bad signature/);
  });

  it('resolves live API keys by hash or id for the gateway and the workers only, recording their last use', async () => {
    const { apiKey, agent } = await register({ name: 'key owner', jurisdictions: ['US'] });
    const lookup = (as: Principal, query: Record<string, unknown>) =>
      fetch(`${origin}${API_KEY_LOOKUP_PATH}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [IDENTITY_HEADER]: signIdentity(as, TEST_IDENTITY_SECRET),
        },
        body: JSON.stringify(query),
      });
    const gateway = servicePrincipal('gateway');
    const found = await lookup(gateway, { keyHash: hashApiKey(apiKey) });
    expect(found.status).toBe(200);
    const answer = (await found.json()) as { apiKeyId: string };
    expect(answer).toEqual({
      principal: { kind: 'agent', id: agent.id, name: 'key owner', roles: ['AGENT'], jurisdictions: ['US'] },
      apiKeyId: expect.any(String),
    });
    const byId = await lookup(gateway, { keyId: answer.apiKeyId });
    expect(await byId.json()).toEqual(answer);
    const used = (await built.orm.em
      .getConnection()
      .execute('select last_used_at from ledger.api_key where id = ?', [answer.apiKeyId])) as {
      last_used_at: Date | null;
    }[];
    expect(Date.now() - new Date(used[0]!.last_used_at!).getTime()).toBeLessThan(60_000);
    expect((await lookup(gateway, { keyHash: hashApiKey('ecp_unknown') })).status).toBe(404);
    expect((await lookup(admin, { keyHash: hashApiKey(apiKey) })).status).toBe(403);
    // The workers resolve keys for their queues page; no other service may.
    expect((await lookup(servicePrincipal('workers'), { keyHash: hashApiKey(apiKey) })).status).toBe(200);
    expect((await lookup(servicePrincipal('advisory'), { keyHash: hashApiKey(apiKey) })).status).toBe(403);
    expect((await lookup(gateway, { keyHash: 'not-hex' })).status).toBe(400);
    expect((await lookup(gateway, { keyId: 'not-a-uuid' })).status).toBe(400);
    expect((await lookup(gateway, { keyHash: hashApiKey(apiKey), keyId: answer.apiKeyId })).status).toBe(400);
  });

  it('serves health, readiness and metrics', async () => {
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    const ready = await fetch(`${origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { postgres: { ok: true } } });
    const metrics = await (await fetch(`${origin}/metrics`)).text();
    expect(metrics).toMatch(
      /graphql_operations_total\{operation_type="mutation",outcome="ok",service="ledger"\} \d+/,
    );
    expect(metrics).toMatch(/graphql_errors_total\{code="FORBIDDEN",service="ledger"\} \d+/);
    expect(metrics).toMatch(/process_cpu_user_seconds_total/);
  });
});

describe('the ledger SDL', () => {
  it('is committed as printed (run `npm run generate` after a schema change)', () => {
    expect(committedSubgraphSdl('ledger')).toBe(subgraphSdl(ledgerSchema));
  });
});
