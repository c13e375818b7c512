import { newId } from '@ecp/db/ids';
import type { Principal } from '@ecp/identity/principal';
import { testEnv } from '@ecp/test-kit/env';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph, testSubgraphConfig } from '@ecp/test-kit/subgraph';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationsSettings } from '../src/settings';
import { operationsSubgraph } from '../src/subgraph';
import { alertStatus, healthEvents, LoopbackEnvironments } from './health-support';

/**
 * Environment health checks through the operations subgraph's API: environments on a loopback server
 * that go up, down and slow, checked with `checkEnvironmentsNow`; thresholds, history, uptime, the
 * `healthChanged` events and the alerts they raise; bad input and roles.
 */
let sg: SubgraphUnderTest;
let redis: Redis;
const envs = new LoopbackEnvironments();
const prefix = `ecp:test:${newId()}:`;
let clock = new Date('2026-12-04T00:00:00Z');
const advance = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};
const TIMEOUT_MS = 1500;

const as = (roles: Principal['roles']): Principal => ({
  kind: 'agent',
  id: newId(),
  name: 'x',
  roles,
  jurisdictions: [],
});
const operator = as(['OPERATOR']);
const analyst = as(['ANALYST']);
const agent = as(['AGENT']);

const REGISTER = `mutation ($i: RegisterEnvironmentInput!) { registerEnvironment(input: $i) {
  id name url method expectedStatus latencyObjectiveMs conditions failThreshold successThreshold status lastCheckedAt } }`;
const CHECK = `mutation { checkEnvironmentsNow { id environment { id name status } statusCode latencyMs ok slow failures } }`;
const ENVIRONMENT = `query ($id: ID!) { environment(id: $id) {
  name status consecutiveFailures consecutiveSuccesses lastCheckedAt uptime24h uptime7d
  history(first: 10) { at statusCode ok slow failures } } }`;

interface Run {
  id: string;
  environment: { id: string; name: string; status: string };
  statusCode: number | null;
  latencyMs: number;
  ok: boolean;
  slow: boolean;
  failures: string[];
}

async function register(input: Record<string, unknown>): Promise<{ id: string; name: string }> {
  const res = await graphql<{ registerEnvironment: { id: string; name: string } }>(
    sg.url,
    REGISTER,
    { i: input },
    { as: operator },
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.registerEnvironment;
}

/** Checks every environment now; the run of the one named. */
async function check(name: string): Promise<Run> {
  const res = await graphql<{ checkEnvironmentsNow: Run[] }>(sg.url, CHECK, {}, { as: operator });
  expect(res.body.errors).toBeUndefined();
  const run = res.body.data!.checkEnvironmentsNow.find((r) => r.environment.name === name);
  if (!run) throw new Error(`no run for ${name}`);
  return run;
}

async function environment(id: string) {
  const res = await graphql<{
    environment: {
      status: string;
      consecutiveFailures: number;
      uptime24h: number | null;
      uptime7d: number | null;
      history: { ok: boolean; failures: string[] }[];
    };
  }>(sg.url, ENVIRONMENT, { id }, { as: analyst });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.environment;
}

beforeAll(async () => {
  await envs.start();
  sg = await startSubgraph(
    () =>
      operationsSubgraph({
        redisUrl: testEnv.redisUrl,
        queuePrefix: `${prefix}q`,
        settings: operationsSettings({ HEALTH_CHECK_TIMEOUT_MS: String(TIMEOUT_MS) }),
        now: () => clock,
      }),
    (url) => ({ ...testSubgraphConfig(url), EVENT_STREAM_PREFIX: prefix }),
  );
  redis = new Redis(testEnv.redisUrl);
});

afterAll(async () => {
  await sg?.stop();
  await envs.stop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('registerEnvironment', () => {
  it('registers an environment with its defaults', async () => {
    const res = await graphql<{ registerEnvironment: Record<string, unknown> }>(
      sg.url,
      REGISTER,
      { i: { name: ' defaults ', url: envs.add('defaults') } },
      { as: operator },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.registerEnvironment).toMatchObject({
      name: 'defaults',
      method: 'GET',
      expectedStatus: 200,
      latencyObjectiveMs: null,
      conditions: [],
      failThreshold: 3,
      successThreshold: 1,
      status: 'UNKNOWN',
      lastCheckedAt: null,
    });
  });

  it('refuses a URL that is not http(s) and a condition that does not parse, naming each, and stores nothing', async () => {
    const count = async () =>
      Number(
        (
          await sg
            .em()
            .getConnection()
            .execute<{ n: string }[]>('select count(*) as n from operations.environment')
        )[0]!.n,
      );
    const before = await count();
    const res = await graphql(
      sg.url,
      REGISTER,
      {
        i: {
          name: 'bad',
          url: 'ftp://127.0.0.1/x',
          conditions: [
            '$.status == "ok"',
            '$.status = ok',
            '$.version == x',
            '$.items[?(@.a)] == 1',
            '$.n > "a"',
          ],
        },
      },
      { as: operator },
    );
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    const details = (res.body.errors![0]!.extensions as { details: { path: string; reason: string }[] })
      .details;
    expect(details.map((d) => d.path)).toEqual([
      'input.url',
      'input.conditions.1',
      'input.conditions.2',
      'input.conditions.3',
      'input.conditions.4',
    ]);
    expect(details[0]!.reason).toMatch(/http or https/);
    expect(details[2]!.reason).toMatch(/not a JSON literal/);
    for (const input of [
      { name: 'bad', url: 'not a url' },
      { name: 'bad', url: 'https://user:secret@example.com/' },
      { name: 'bad', url: envs.add('bad'), failThreshold: 0 },
      { name: 'bad', url: envs.add('bad'), method: 'TRACE' },
      { name: 'bad', url: envs.add('bad'), method: 'HEAD', conditions: ['$.status == "ok"'] },
      { name: 'bad', url: envs.add('bad'), latencyObjectiveMs: 0 },
      { name: 'bad', url: envs.add('bad'), expectedStatus: 700 },
      { name: '', url: envs.add('bad') },
    ]) {
      expect(errorCode(await graphql(sg.url, REGISTER, { i: input }, { as: operator }))).toBe(
        'BAD_USER_INPUT',
      );
    }
    expect(await count()).toBe(before);
  });

  it('refuses a name already taken (CONFLICT)', async () => {
    await register({ name: 'taken', url: envs.add('taken') });
    const res = await graphql(
      sg.url,
      REGISTER,
      { i: { name: 'taken', url: envs.add('taken') } },
      { as: operator },
    );
    expect(errorCode(res)).toBe('CONFLICT');
  });

  it('is for operators and admins; environments are read by analysts too, never by agents', async () => {
    const i = { name: `roles-${newId()}`, url: envs.add('roles') };
    expect(errorCode(await graphql(sg.url, REGISTER, { i }, { as: analyst }))).toBe('FORBIDDEN');
    expect(errorCode(await graphql(sg.url, REGISTER, { i }, { as: agent }))).toBe('FORBIDDEN');
    expect((await graphql(sg.url, REGISTER, { i }, { as: as(['ADMIN']) })).body.errors).toBeUndefined();
    expect(errorCode(await graphql(sg.url, CHECK, {}, { as: analyst }))).toBe('FORBIDDEN');
    const list = '{ environments { name } }';
    expect(errorCode(await graphql(sg.url, list, {}, { as: agent }))).toBe('FORBIDDEN');
    const read = await graphql<{ environments: { name: string }[] }>(sg.url, list, {}, { as: analyst });
    expect(read.body.data!.environments.map((e) => e.name)).toContain(i.name);
  });

  it('answers NOT_FOUND for an unknown environment, to read or to remove', async () => {
    expect(errorCode(await graphql(sg.url, ENVIRONMENT, { id: newId() }, { as: analyst }))).toBe('NOT_FOUND');
    const remove = 'mutation ($id: ID!) { removeEnvironment(id: $id) }';
    expect(errorCode(await graphql(sg.url, remove, { id: newId() }, { as: operator }))).toBe('NOT_FOUND');
    expect(errorCode(await graphql(sg.url, remove, { id: 'x' }, { as: operator }))).toBe('BAD_USER_INPUT');
  });
});

describe('checks', () => {
  it('go down after the fail threshold and back up after the success threshold, with an event and an alert on each change only', async () => {
    const env = await register({ name: 'api', url: envs.add('api'), failThreshold: 2, successThreshold: 1 });
    expect(await check('api')).toMatchObject({
      ok: true,
      statusCode: 200,
      environment: { status: 'HEALTHY' },
    });
    envs.set('api', { status: 503 });
    advance(60_000);
    expect(await check('api')).toMatchObject({
      ok: false,
      statusCode: 503,
      failures: ['status 503, expected 200'],
      environment: { status: 'HEALTHY' },
    });
    expect(await alertStatus(sg, 'environment-down', 'api')).toBeNull();
    advance(60_000);
    expect((await check('api')).environment.status).toBe('UNHEALTHY');
    expect(await alertStatus(sg, 'environment-down', 'api')).toMatchObject({ status: 'FIRING' });
    advance(60_000);
    expect((await check('api')).environment.status).toBe('UNHEALTHY');
    envs.set('api', { status: 200 });
    advance(60_000);
    expect((await check('api')).environment.status).toBe('HEALTHY');
    expect(await alertStatus(sg, 'environment-down', 'api')).toMatchObject({ status: 'RESOLVED' });

    const events = await healthEvents(sg, redis, prefix, env.id);
    expect(events.map((e) => [e.attributes.previousStatus, e.attributes.status])).toEqual([
      ['UNKNOWN', 'HEALTHY'],
      ['HEALTHY', 'UNHEALTHY'],
      ['UNHEALTHY', 'HEALTHY'],
    ]);
    expect(events[0]).toMatchObject({ typename: 'Environment', attributes: { name: 'api' } });

    const read = await environment(env.id);
    expect(read).toMatchObject({ status: 'HEALTHY', consecutiveFailures: 0 });
    expect(read.history.map((r) => r.ok)).toEqual([true, false, false, false, true]);
    expect(read.uptime24h).toBeCloseTo(2 / 5);
    expect(read.uptime7d).toBeCloseTo(2 / 5);
  });

  it('fail when a condition on the body does not hold, saying which and why', async () => {
    await register({
      name: 'conditions',
      url: envs.add('conditions', { body: { status: 'degraded', items: [], version: 'x' } }),
      conditions: ['$.status == "ok"', '$.items.length > 0', '$.version != "x"', '$.missing == 1'],
      failThreshold: 1,
    });
    const run = await check('conditions');
    expect(run).toMatchObject({ ok: false, statusCode: 200, environment: { status: 'UNHEALTHY' } });
    expect(run.failures).toEqual([
      '$.status == "ok": got "degraded"',
      '$.items.length > 0: got 0',
      '$.version != "x": got "x"',
      '$.missing == 1: $.missing matches nothing',
    ]);
    envs.set('conditions', { body: { status: 'ok', items: [1], version: 'y', missing: 1 } });
    expect(await check('conditions')).toMatchObject({ ok: true, failures: [] });
    envs.set('conditions', { body: 'not json' });
    expect((await check('conditions')).failures[0]).toBe('$.status == "ok": the body is not JSON');
  });

  it('call an answer later than the objective slow (not failed), raising environment-slow until it is fast again', async () => {
    await register({ name: 'slow', url: envs.add('slow', { delayMs: 900 }), latencyObjectiveMs: 500 });
    const slow = await check('slow');
    expect(slow).toMatchObject({ ok: true, slow: true, environment: { status: 'HEALTHY' } });
    expect(slow.latencyMs).toBeGreaterThanOrEqual(900);
    expect(await alertStatus(sg, 'environment-slow', 'slow')).toMatchObject({ status: 'FIRING' });
    envs.set('slow', { delayMs: 0 });
    expect(await check('slow')).toMatchObject({ ok: true, slow: false });
    expect(await alertStatus(sg, 'environment-slow', 'slow')).toMatchObject({ status: 'RESOLVED' });
  });

  it('fail on a timeout and on a refused connection', async () => {
    await register({ name: 'hangs', url: envs.add('hangs', { delayMs: TIMEOUT_MS * 3 }), failThreshold: 1 });
    await register({ name: 'refused', url: 'http://127.0.0.1:9/health', failThreshold: 1 });
    const res = await graphql<{ checkEnvironmentsNow: Run[] }>(sg.url, CHECK, {}, { as: operator });
    const runs = new Map(res.body.data!.checkEnvironmentsNow.map((r) => [r.environment.name, r]));
    expect(runs.get('hangs')).toMatchObject({
      ok: false,
      statusCode: null,
      failures: [`no response within ${TIMEOUT_MS} ms`],
      environment: { status: 'UNHEALTHY' },
    });
    expect(runs.get('hangs')!.latencyMs).toBeLessThan(TIMEOUT_MS * 2);
    expect(runs.get('refused')).toMatchObject({ ok: false, statusCode: null });
    expect(runs.get('refused')!.failures[0]).toMatch(/ECONNREFUSED/);
    // The results are by environment name.
    const names = [...runs.keys()];
    expect(names).toEqual([...names].sort());
  });

  it('resolve the environment of a healthChanged event through _entities, and let readers subscribe', async () => {
    const env = await register({ name: 'entity', url: envs.add('entity') });
    const entities = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Environment { name status } } }`;
    const r = [{ __typename: 'Environment', id: env.id }];
    const read = await graphql<{ _entities: unknown[] }>(sg.url, entities, { r }, { as: analyst });
    expect(read.body.data!._entities).toEqual([{ name: 'entity', status: 'UNKNOWN' }]);
    expect(errorCode(await graphql(sg.url, entities, { r }, { as: agent }))).toBe('FORBIDDEN');
    const subscribe = 'subscription { healthChanged { __typename } }';
    expect((await graphql(sg.url, subscribe, {}, { as: analyst })).body.data).toEqual({
      healthChanged: { __typename: 'Environment' },
    });
    expect(errorCode(await graphql(sg.url, subscribe, {}, { as: agent }))).toBe('FORBIDDEN');
  });

  it('stop for an environment removed, with its history, and its firing alerts resolve', async () => {
    const env = await register({
      name: 'removed',
      url: envs.add('removed', { status: 500 }),
      failThreshold: 1,
    });
    await check('removed');
    expect(await alertStatus(sg, 'environment-down', 'removed')).toMatchObject({ status: 'FIRING' });
    const remove = 'mutation ($id: ID!) { removeEnvironment(id: $id) }';
    expect(errorCode(await graphql(sg.url, remove, { id: env.id }, { as: analyst }))).toBe('FORBIDDEN');
    const res = await graphql<{ removeEnvironment: string }>(
      sg.url,
      remove,
      { id: env.id },
      { as: operator },
    );
    expect(res.body.data!.removeEnvironment).toBe(env.id);
    expect(await alertStatus(sg, 'environment-down', 'removed')).toMatchObject({ status: 'RESOLVED' });
    const [row] = await sg
      .em()
      .getConnection()
      .execute<{ n: string }[]>('select count(*) as n from operations.health_run where environment_id = ?', [
        env.id,
      ]);
    expect(Number(row!.n)).toBe(0);
    const runs = await graphql<{ checkEnvironmentsNow: Run[] }>(sg.url, CHECK, {}, { as: operator });
    expect(runs.body.data!.checkEnvironmentsNow.map((r) => r.environment.name)).not.toContain('removed');
  });
});
