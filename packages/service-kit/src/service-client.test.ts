import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { EcpError, NotFoundError, ServiceUnavailableError } from '@ecp/errors/errors';
import { type Principal, servicePrincipal } from '@ecp/identity/principal';
import { createLogger, type Logger } from '@ecp/logging/logger';
import { GraphQLError, parse } from 'graphql';
import type { MetricValueWithName, Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createMetrics } from './metrics';
import { RemoteError, SubgraphUnavailableError } from './service-call-errors';
import { ServiceClient, type ServiceTarget } from './service-client';
import { defineOperation } from './service-operation';
import { createSubgraphServer, type RequestScope } from './subgraph-server';

const SECRET = 'service-client-test-identity-secret-000000';

/**
 * A real subgraph server — the same shell, identity check and Apollo setup every ECP subgraph runs —
 * with a schema made for exercising its callers: it reports who called, answers slowly or with coded
 * errors on request, and counts what reached it.
 */
const typeDefs = parse(`
  type Query {
    whoami: Caller!
    echo(text: String!): String!
    slow(ms: Int!): String!
    flaky(key: String!, slowTimes: Int!, ms: Int!): Int!
    fail(code: String!): String
    unavailable: String
  }
  type Mutation {
    bump(key: String!, ms: Int!): Int!
  }
  type Caller {
    kind: String!
    id: String!
    roles: [String!]!
    requestId: String!
    actor: Actor
  }
  type Actor {
    id: String!
    name: String!
    roles: [String!]!
    jurisdictions: [String!]!
  }
`);

interface Target {
  url: string;
  port: number;
  /** Requests that reached a resolver, by field (and key). */
  calls: Map<string, number>;
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

async function startTarget(port = 0, calls = new Map<string, number>()): Promise<Target> {
  const count = (name: string) => {
    const n = (calls.get(name) ?? 0) + 1;
    calls.set(name, n);
    return n;
  };
  const resolvers = {
    Query: {
      whoami: (_: unknown, __: unknown, context: unknown) => {
        const ctx = context as RequestScope;
        count('whoami');
        ctx.logger.info('whoami answered');
        return { ...ctx.principal, requestId: ctx.requestId };
      },
      echo: (_: unknown, { text }: { text: string }) => {
        count('echo');
        return text;
      },
      slow: async (_: unknown, { ms }: { ms: number }) => {
        count('slow');
        await sleep(ms);
        return 'late';
      },
      flaky: async (_: unknown, { key, slowTimes, ms }: { key: string; slowTimes: number; ms: number }) => {
        const n = count(`flaky:${key}`);
        if (n <= slowTimes) await sleep(ms);
        return n;
      },
      fail: (_: unknown, { code }: { code: string }) => {
        count('fail');
        if (code === 'NOT_FOUND') throw new NotFoundError('No such decision.');
        throw new GraphQLError('The poll is closed.', { extensions: { code } });
      },
      unavailable: () => {
        count('unavailable');
        throw new ServiceUnavailableError('Advice is being recomputed.');
      },
    },
    Mutation: {
      bump: async (_: unknown, { key, ms }: { key: string; ms: number }) => {
        const n = count(`bump:${key}`);
        await sleep(ms);
        return n;
      },
    },
  };
  const logs: Record<string, unknown>[] = [];
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line));
  });
  const logger = createLogger({ service: 'advisory', level: 'info', destination });
  const { http, apollo } = await createSubgraphServer<RequestScope>({
    schema: buildSubgraphSchema({ typeDefs, resolvers }),
    logger,
    metrics: createMetrics('advisory'),
    identitySecrets: [SECRET],
    readiness: [],
    createContext: (scope) => scope,
  });
  const bound = await http.listen(port, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${bound}/graphql`,
    port: bound,
    calls,
    logs,
    async stop() {
      await http.drain(200);
      await apollo.stop();
    },
  };
}

const WHOAMI = defineOperation<{
  whoami: {
    kind: string;
    id: string;
    roles: string[];
    requestId: string;
    actor: { id: string; name: string; roles: string[]; jurisdictions: string[] } | null;
  };
}>('query Whoami { whoami { kind id roles requestId actor { id name roles jurisdictions } } }');
const ECHO = defineOperation<{ echo: string }, { text: string }>(
  'query Echo($text: String!) { echo(text: $text) }',
);
const SLOW = defineOperation<{ slow: string }, { ms: number }>('query Slow($ms: Int!) { slow(ms: $ms) }');
const FLAKY = defineOperation<{ flaky: number }, { key: string; slowTimes: number; ms: number }>(
  'query Flaky($key: String!, $slowTimes: Int!, $ms: Int!) { flaky(key: $key, slowTimes: $slowTimes, ms: $ms) }',
);
const FAIL = defineOperation<{ fail: string | null }, { code: string }>(
  'query Fail($code: String!) { fail(code: $code) }',
);
const UNAVAILABLE = defineOperation<{ unavailable: string | null }>('query Unavailable { unavailable }');
const BUMP = defineOperation<{ bump: number }, { key: string; ms: number }>(
  'mutation Bump($key: String!, $ms: Int!) { bump(key: $key, ms: $ms) }',
);

const alice: Principal = {
  kind: 'agent',
  id: '0193c0de-0000-7000-8000-000000000001',
  name: 'alice',
  roles: ['AGENT'],
  jurisdictions: ['EU/DE'],
  credential: { apiKeyId: 'k-1' },
};

const silent: Logger = createLogger({ service: 'ledger', level: 'silent' });

let target: Target;
const clients: ServiceClient[] = [];

beforeAll(async () => {
  target = await startTarget();
});

afterAll(async () => {
  await target.stop();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/** A client of the ledger calling `url`, on a registry of its own so each test reads only its metrics. */
function clientOf(url: string, target: Partial<ServiceTarget> = {}, secret = SECRET) {
  const { registry } = createMetrics('ledger');
  const client = new ServiceClient({
    identity: servicePrincipal('ledger'),
    identitySecret: secret,
    target: { name: 'advisory', url, timeoutMs: 1000, retryDelayMs: 5, ...target },
    registry,
    logger: silent,
  });
  clients.push(client);
  return { client, registry };
}

/** The value of a counter or gauge series, 0 when it was never set. */
async function seriesValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const match = values.find((v) =>
    Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want),
  );
  return match?.value ?? 0;
}

/** How many calls the duration histogram saw with these labels. */
async function histogramCount(registry: Registry, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric('service_client_request_duration_seconds');
  const { values } = await metric!.get();
  const match = (values as MetricValueWithName<string>[]).find(
    (v) =>
      v.metricName === 'service_client_request_duration_seconds_count' &&
      Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want),
  );
  return match?.value ?? 0;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('a typed call to another subgraph', () => {
  it('answers with the data its operation declares', async () => {
    const { client, registry } = clientOf(target.url);
    const data = await client.request(ECHO, { text: 'hello' });
    expectTypeOf(data).toEqualTypeOf<{ echo: string }>();
    expect(data).toEqual({ echo: 'hello' });
    expect(await histogramCount(registry, { subgraph: 'advisory', operation: 'Echo', outcome: 'ok' })).toBe(
      1,
    );
  });

  it('arrives as the calling service acting for the actor, with the request id', async () => {
    const { client } = clientOf(target.url);
    const { whoami } = await client.request(WHOAMI, {}, { actingFor: alice, requestId: 'req-42' });
    expect(whoami).toEqual({
      kind: 'service',
      id: 'service:ledger',
      roles: [],
      requestId: 'req-42',
      actor: { id: alice.id, name: 'alice', roles: ['AGENT'], jurisdictions: ['EU/DE'] },
    });
    // The other side's request logger names the actor, and the service it came through.
    expect(target.logs.find((l) => l.msg === 'whoami answered' && l.requestId === 'req-42')).toMatchObject({
      actor: alice.id,
      via: 'service:ledger',
    });
    // Acting for no one, the service is itself alone; a request id is minted when none is given.
    const alone = await client.request(WHOAMI, {});
    expect(alone.whoami).toMatchObject({ id: 'service:ledger', actor: null });
    expect(alone.whoami.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps the actor when the request it handles came from a service acting for someone', async () => {
    const { client } = clientOf(target.url);
    const firstHop: Principal = {
      ...servicePrincipal('operations'),
      actor: { id: alice.id, name: 'alice', roles: ['AGENT'], jurisdictions: [] },
    };
    const { whoami } = await client.request(WHOAMI, {}, { actingFor: firstHop });
    expect(whoami).toMatchObject({ id: 'service:ledger', actor: { id: alice.id } });
  });

  it('turns the errors the target answers with into EcpErrors keeping their code, never retried', async () => {
    const { client, registry } = clientOf(target.url);
    const before = target.calls.get('fail') ?? 0;
    const notFound = await rejection(client.request(FAIL, { code: 'NOT_FOUND' }));
    expect(notFound).toBeInstanceOf(RemoteError);
    expect(notFound).toBeInstanceOf(EcpError);
    expect(notFound).toMatchObject({
      code: 'NOT_FOUND',
      remoteCode: 'NOT_FOUND',
      httpStatus: 404,
      message: 'No such decision.',
      subgraph: 'advisory',
      operation: 'Fail',
    });
    // A code of the target's own is kept as remoteCode; to the caller's callers it is an internal fault.
    const own = await rejection(client.request(FAIL, { code: 'POLL_CLOSED' }));
    expect(own).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', remoteCode: 'POLL_CLOSED', httpStatus: 500 });
    expect((own as RemoteError).errors[0]).toMatchObject({ message: 'The poll is closed.', path: ['fail'] });
    expect((own as Error).message).not.toContain('poll');
    // An operation the target's schema does not have: the target's validation code, kept.
    const stale = defineOperation<{ gone: string }>('query Stale { gone }');
    expect(await rejection(client.request(stale, {}))).toMatchObject({
      remoteCode: 'GRAPHQL_VALIDATION_FAILED',
      code: 'INTERNAL_SERVER_ERROR',
    });
    expect(target.calls.get('fail')).toBe(before + 2);
    expect(await seriesValue(registry, 'service_client_retries_total', { operation: 'Fail' })).toBe(0);
    expect(
      await histogramCount(registry, { subgraph: 'advisory', operation: 'Fail', outcome: 'remote_error' }),
    ).toBe(2);
    // Answers, even with errors, say the target is up: the circuit stays closed.
    expect(client.circuit).toBe('closed');
  });

  it('is refused by the target when signed with another secret', async () => {
    const { client } = clientOf(target.url, {}, 'some-other-secret-of-sufficient-length-00');
    expect(await rejection(client.request(ECHO, { text: 'x' }))).toMatchObject({
      code: 'UNAUTHENTICATED',
      remoteCode: 'UNAUTHENTICATED',
    });
  });

  it('refuses to be built for anything but a service identity, and operations it cannot send', () => {
    const { registry } = createMetrics('ledger');
    expect(
      () =>
        new ServiceClient({
          identity: alice,
          identitySecret: SECRET,
          target: { name: 'advisory', url: target.url },
          registry,
          logger: silent,
        }),
    ).toThrow(TypeError);
    expect(() => defineOperation('{ echo(text: "x") }')).toThrow(/named/);
    expect(() => defineOperation('query A { a } query B { b }')).toThrow(/exactly one/);
    expect(() => defineOperation('subscription S { s }')).toThrow(/events/);
  });
});

describe('when the target is slow', () => {
  it('times out, fails as SERVICE_UNAVAILABLE, and retries a query a bounded number of times', async () => {
    const { client, registry } = clientOf(target.url, { timeoutMs: 100, retries: 2 });
    const before = target.calls.get('slow') ?? 0;
    const started = performance.now();
    const err = await rejection(client.request(SLOW, { ms: 2000 }));
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(SubgraphUnavailableError);
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(err).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      reason: 'timeout',
      attempts: 3,
      httpStatus: 503,
    });
    // Three attempts cut at 100 ms and two short backoffs: far less than the slow answer's 2 s.
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(1000);
    expect(target.calls.get('slow')).toBe(before + 3);
    expect(
      await seriesValue(registry, 'service_client_retries_total', {
        subgraph: 'advisory',
        operation: 'Slow',
      }),
    ).toBe(2);
    expect(await histogramCount(registry, { operation: 'Slow', outcome: 'timeout' })).toBe(1);
  });

  it('answers a query on the retry when the first attempt timed out', async () => {
    const { client, registry } = clientOf(target.url, { timeoutMs: 100, retries: 2 });
    const data = await client.request(FLAKY, { key: 'once', slowTimes: 1, ms: 400 });
    // The second request reached the target and was answered.
    expect(data).toEqual({ flaky: 2 });
    expect(await seriesValue(registry, 'service_client_retries_total', { operation: 'Flaky' })).toBe(1);
    expect(await histogramCount(registry, { operation: 'Flaky', outcome: 'ok' })).toBe(1);
  });

  it('never sends a mutation twice', async () => {
    const { client, registry } = clientOf(target.url, { timeoutMs: 100, retries: 2 });
    const err = await rejection(client.request(BUMP, { key: 'once', ms: 400 }));
    expect(err).toMatchObject({ reason: 'timeout', attempts: 1 });
    await sleep(50);
    expect(target.calls.get('bump:once')).toBe(1);
    expect(await seriesValue(registry, 'service_client_retries_total', { operation: 'Bump' })).toBe(0);
    // Answered in time, a mutation goes through once, as any other call.
    expect(await client.request(BUMP, { key: 'twice', ms: 0 })).toEqual({ bump: 1 });
  });

  it('stops waiting when the caller gives up, and counts only what the target did', async () => {
    const { client, registry } = clientOf(target.url, { timeoutMs: 1000, breakAfterFailures: 1 });
    const before = target.calls.get('slow') ?? 0;
    const controller = new AbortController();
    const started = performance.now();
    const call = client.request(SLOW, { ms: 300 }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('the caller went away')), 50);
    expect(await rejection(call)).toMatchObject({ message: 'the caller went away' });
    expect(performance.now() - started).toBeLessThan(250);
    expect(await histogramCount(registry, { operation: 'Slow', outcome: 'cancelled' })).toBe(1);
    // The attempt went on and was answered: the target is fine, and one failure would have opened it.
    await sleep(400);
    expect(client.circuit).toBe('closed');
    expect(target.calls.get('slow')).toBe(before + 1);
    expect(
      await rejection(client.request(ECHO, { text: 'x' }, { signal: AbortSignal.abort() })),
    ).toBeDefined();
    expect(await seriesValue(registry, 'service_client_retries_total', { operation: 'Slow' })).toBe(0);
  });

  it('treats SERVICE_UNAVAILABLE from the target as no answer: retried for a query, fallback applies', async () => {
    const { client } = clientOf(target.url, { retries: 1 });
    const before = target.calls.get('unavailable') ?? 0;
    expect(await rejection(client.request(UNAVAILABLE, {}))).toMatchObject({
      reason: 'target-unavailable',
      attempts: 2,
    });
    expect(target.calls.get('unavailable')).toBe(before + 2);
    expect(await client.request(UNAVAILABLE, {}, { fallback: { unavailable: 'later' } })).toEqual({
      unavailable: 'later',
    });
  });
});

describe('when the target is down', () => {
  it('opens the circuit after consecutive failures, fails at once while open, and closes once the target is back', async () => {
    const calls = new Map<string, number>();
    const down = await startTarget(0, calls);
    const { port } = down;
    const { client, registry } = clientOf(down.url, {
      retries: 0,
      breakAfterFailures: 3,
      halfOpenAfterMs: 300,
    });
    expect(await client.request(ECHO, { text: 'up' })).toEqual({ echo: 'up' });
    await down.stop();

    for (let i = 0; i < 3; i++) {
      expect(await rejection(client.request(ECHO, { text: 'x' }))).toMatchObject({
        reason: 'unreachable',
        attempts: 1,
      });
    }
    expect(client.circuit).toBe('open');
    expect(await seriesValue(registry, 'service_client_circuit_state', { subgraph: 'advisory' })).toBe(1);

    // While open, calls are not sent: they fail at once, even once the target is back.
    const back = await startTarget(port, calls);
    const echoesBefore = calls.get('echo');
    const started = performance.now();
    for (let i = 0; i < 20; i++) {
      expect(await rejection(client.request(ECHO, { text: 'x' }))).toMatchObject({
        reason: 'circuit-open',
        attempts: 0,
        code: 'SERVICE_UNAVAILABLE',
      });
    }
    // Far less than one attempt's timeout (1 s), for all twenty.
    expect(performance.now() - started).toBeLessThan(200);
    expect(calls.get('echo')).toBe(echoesBefore);
    expect(await histogramCount(registry, { operation: 'Echo', outcome: 'circuit_open' })).toBe(20);

    // After halfOpenAfterMs one trial goes through; answered, it closes the circuit.
    await sleep(350);
    expect(await client.request(ECHO, { text: 'again' })).toEqual({ echo: 'again' });
    expect(client.circuit).toBe('closed');
    expect(await seriesValue(registry, 'service_client_circuit_state', { subgraph: 'advisory' })).toBe(0);
    for (const state of ['open', 'half_open', 'closed']) {
      expect(await seriesValue(registry, 'service_client_circuit_transitions_total', { state })).toBe(1);
    }
    await back.stop();
  });

  it('opens again when the trial call finds the target still down', async () => {
    const down = await startTarget();
    const { client, registry } = clientOf(down.url, {
      retries: 0,
      breakAfterFailures: 2,
      halfOpenAfterMs: 100,
    });
    await down.stop();
    for (let i = 0; i < 2; i++) await rejection(client.request(ECHO, { text: 'x' }));
    expect(client.circuit).toBe('open');
    await sleep(150);
    expect(await rejection(client.request(ECHO, { text: 'x' }))).toMatchObject({ reason: 'unreachable' });
    expect(client.circuit).toBe('open');
    expect(await seriesValue(registry, 'service_client_circuit_transitions_total', { state: 'open' })).toBe(
      2,
    );
    expect(
      await seriesValue(registry, 'service_client_circuit_transitions_total', { state: 'half_open' }),
    ).toBe(1);
  });

  it("answers with the caller's fallback, a value or a function of why, and counts it", async () => {
    const down = await startTarget();
    const { client, registry } = clientOf(down.url, {
      retries: 1,
      breakAfterFailures: 2,
      halfOpenAfterMs: 60_000,
    });
    await down.stop();
    const held = await client.request(ECHO, { text: 'x' }, { fallback: null });
    expectTypeOf(held).toEqualTypeOf<{ echo: string } | null>();
    expect(held).toBeNull();
    expect(client.circuit).toBe('open');
    const why = await client.request(
      ECHO,
      { text: 'x' },
      { fallback: (err) => ({ held: true as const, because: err.reason }) },
    );
    expect(why).toEqual({ held: true, because: 'circuit-open' });
    expect(await seriesValue(registry, 'service_client_fallbacks_total', { operation: 'Echo' })).toBe(2);
  });

  it('never answers a remote error with the fallback', async () => {
    const { client, registry } = clientOf(target.url);
    const err = await rejection(
      client.request(FAIL, { code: 'NOT_FOUND' }, { fallback: { fail: 'hidden' } }),
    );
    expect(err).toMatchObject({ code: 'NOT_FOUND' });
    expect(await seriesValue(registry, 'service_client_fallbacks_total', { operation: 'Fail' })).toBe(0);
  });
});
