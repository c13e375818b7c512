import { newId } from '@ecp/db/ids';
import { issueAccessToken } from '@ecp/identity/access-token';
import { graphql } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { type Client, createClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { collect, type Payload, settled } from './support/live';

/**
 * Live subscriptions through the gateway, with the official graphql-ws client: payloads resolved from
 * every subgraph, filters, resume with a cursor, replays held within bounds, refusals, two gateway
 * replicas, and a slow client that must not hold up a fast one.
 */
let stack: Stack;
let analystKey: string;
let agentKey: string;
let agentId: string;
const clients: Client[] = [];
const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

beforeAll(async () => {
  stack = await startStack({
    extraEnv: {
      CHECKPOINT_INTERVAL_MS: '200',
      SUBSCRIPTION_QUEUE_MAX: '20',
      SUBSCRIPTION_SLOW_TIMEOUT_MS: '1500',
      SUBSCRIPTION_PING_INTERVAL_MS: '700',
      // Below the few hundred events the replay tests put on the stream; two replays per caller run
      // at once (the default), three more may wait.
      SUBSCRIPTION_REPLAY_MAX_EVENTS: '200',
      SUBSCRIPTION_REPLAY_WAITING: '3',
    },
  });
  const register = async (input: string) =>
    (
      await graphql<{ registerAgent: { apiKey: string; agent: { id: string } } }>(
        stack.graphqlUrl,
        `mutation { registerAgent(input: ${input}) { apiKey agent { id } } }`,
        {},
        bearer(stack.adminKey),
      )
    ).body.data!.registerAgent;
  analystKey = (await register('{ name: "watcher", roles: [ANALYST] }')).apiKey;
  const agent = await register('{ name: "streamer", jurisdictions: ["EU"] }');
  agentKey = agent.apiKey;
  agentId = agent.agent.id;
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await stack?.stop();
});

function client(key: string | null, url = stack.websocketUrl): Client {
  const c = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: key ? { authorization: `Bearer ${key}` } : {},
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
  });
  clients.push(c);
  return c;
}

async function record(overrides: Record<string, unknown> = {}, key = agentKey) {
  const res = await graphql<{ recordDecision: { decision: { id: string }; ledgerIndex: string } }>(
    stack.graphqlUrl,
    'mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { ledgerIndex decision { id } } }',
    {
      input: {
        jurisdiction: 'EU/DE',
        category: 'pricing',
        context: { sku: 'A-1' },
        options: [{ id: 'raise' }, { id: 'hold' }],
        chosenOption: 'raise',
        rationale: 'Demand.',
        confidence: 0.6,
        idempotencyKey: newId(),
        ...overrides,
      },
    },
    bearer(key),
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.recordDecision;
}

/** The sum of a metric's series on the gateway whose labels include every one of `labels`. */
async function gatewayMetric(name: string, ...labels: string[]): Promise<number> {
  const text = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name || !labels.every((l) => match[2]?.includes(l))) continue;
    sum += Number(match[3]);
  }
  return sum;
}

/** The ids of the decisions recorded after `cursor`, in stream order. */
async function decisionsAfter(cursor: string): Promise<string[]> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    const entries = await redis.xrange(`${stack.eventStreamPrefix}decisionRecorded`, `(${cursor}`, '+');
    return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]!).key.id as string);
  } finally {
    redis.disconnect();
  }
}

/** The stream id `back` events before the newest decision: a cursor that missed exactly `back`. */
async function cursorBack(back: number): Promise<string> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    const newest = await redis.xrevrange(
      `${stack.eventStreamPrefix}decisionRecorded`,
      '+',
      '-',
      'COUNT',
      back + 1,
    );
    expect(newest).toHaveLength(back + 1);
    return newest[back]![0];
  } finally {
    redis.disconnect();
  }
}

const idOf = (p: Payload) => (p.data!.decisionRecorded as { id: string }).id;

const DECISIONS = `subscription ($filter: DecisionFilter) {
  decisionRecorded(filter: $filter) {
    id ledgerIndex leafHash category
    agent { name calibration { reports } }
    outcomes { success }
  }
}`;

describe('subscriptions through the gateway', () => {
  it('delivers each decision with fields from every subgraph, resolved fresh, and a cursor', async () => {
    const sub = collect(client(analystKey), DECISIONS);
    await settled();
    const recorded = await record();
    await sub.next(1);
    const [payload] = sub.received;
    expect(payload!.errors).toBeUndefined();
    expect(payload!.data!.decisionRecorded).toMatchObject({
      id: recorded.decision.id,
      ledgerIndex: recorded.ledgerIndex,
      category: 'pricing',
      agent: { name: 'streamer', calibration: { reports: 0 } },
      outcomes: [],
    });
    expect((payload!.data!.decisionRecorded as { leafHash: string }).leafHash).toMatch(/^[0-9a-f]{64}$/);
    expect(payload!.extensions!.cursor).toMatch(/^\d+-\d+$/);
    sub.dispose();
  });

  it('applies filters before executing anything', async () => {
    const credit = collect(client(analystKey), DECISIONS, { filter: { category: 'credit' } });
    const mine = collect(client(agentKey), DECISIONS, { filter: { agentId } });
    await settled();
    await record({ category: 'pricing' });
    const c = await record({ category: 'credit' });
    await credit.next(1);
    await mine.next(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(credit.received.map((p) => (p.data!.decisionRecorded as { id: string }).id)).toEqual([
      c.decision.id,
    ]);
    credit.dispose();
    mine.dispose();
  });

  it('delivers checkpoints as they are published', async () => {
    const sub = collect(
      client(agentKey),
      'subscription { checkpointPublished { treeSize rootHash note origin } }',
    );
    await settled();
    await record();
    await sub.next(1);
    const checkpoint = sub.received[0]!.data!.checkpointPublished as {
      treeSize: string;
      note: string;
      origin: string;
    };
    expect(checkpoint.origin).toBe('ecp.test/ledger');
    expect(checkpoint.note.startsWith(`ecp.test/ledger\n${checkpoint.treeSize}\n`)).toBe(true);
    sub.dispose();
  });

  it('resumes from a cursor: every missed event in order, no duplicate, then live ones', async () => {
    const first = collect(client(analystKey), DECISIONS);
    await settled();
    const a = await record();
    await first.next(1);
    const cursor = first.received[0]!.extensions!.cursor;
    first.dispose();
    const missed = [await record(), await record(), await record()];
    const resumed = collect(client(analystKey), DECISIONS, {}, { cursor });
    await resumed.next(3);
    const live = await record();
    await resumed.next(4);
    await new Promise((r) => setTimeout(r, 300));
    const ids = resumed.received.map((p) => (p.data!.decisionRecorded as { id: string }).id);
    expect(ids).toEqual([...missed.map((m) => m.decision.id), live.decision.id]);
    expect(ids).not.toContain(a.decision.id);
    const cursors = resumed.received.map((p) => p.extensions!.cursor);
    expect([...cursors].sort()).toEqual(cursors);
    resumed.dispose();
  });

  describe('replays of 20 subscribe messages with a cursor on one socket', () => {
    const FLOOD = 20;

    beforeAll(async () => {
      // A stream holding a few hundred decisions.
      for (let i = 0; i < 300; i += 20) await Promise.all(Array.from({ length: 20 }, () => record()));
      await new Promise((r) => setTimeout(r, 500));
    }, 120_000);

    it('refuses cursor "0-0" beyond SUBSCRIPTION_REPLAY_MAX_EVENTS before sending or executing anything', async () => {
      const executions = await gatewayMetric('ecp_subscription_executions_total', 'field="decisionRecorded"');
      const flooder = client(analystKey);
      const subs = Array.from({ length: FLOOD }, () => collect(flooder, DECISIONS, {}, { cursor: '0-0' }));
      for (const sub of subs) {
        const [errors] = await sub.failed();
        expect(errors).toMatchObject([
          {
            extensions: { code: 'CURSOR_EXPIRED' },
            message: expect.stringMatching(
              /more than 200 events behind .*refetch the current state with a query/,
            ),
          },
        ]);
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(subs.flatMap((s) => s.received)).toEqual([]);
      expect(await gatewayMetric('ecp_subscription_executions_total', 'field="decisionRecorded"')).toBe(
        executions,
      );
      expect(
        await gatewayMetric('ecp_subscription_replays_refused_total', 'reason="too_far_behind"'),
      ).toBeGreaterThanOrEqual(FLOOD);
    });

    it('runs a few at a time, refuses the rest with RATE_LIMITED, and shares the executions of the missed events', async () => {
      const missed = 150;
      const cursor = await cursorBack(missed);
      const ids = await decisionsAfter(cursor);
      const executions = await gatewayMetric('ecp_subscription_executions_total', 'field="decisionRecorded"');
      const ledgerFetches = await gatewayMetric(
        'gateway_subgraph_request_duration_seconds_count',
        'subgraph="ledger"',
      );
      const flooder = client(analystKey);
      const subs = Array.from({ length: FLOOD }, () => collect(flooder, DECISIONS, {}, { cursor }));
      // Two run and three wait their turn; the fifteen others are refused before anything is sent.
      for (let i = 0; i < 100 && subs.filter((s) => s.errors.length > 0).length < FLOOD - 5; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 300));
      const refused = subs.filter((s) => s.errors.length > 0);
      const served = subs.filter((s) => s.errors.length === 0);
      expect(refused).toHaveLength(FLOOD - 5);
      for (const sub of refused) {
        expect(sub.errors[0]).toMatchObject([
          {
            extensions: { code: 'RATE_LIMITED' },
            message: expect.stringMatching(/2 replays running .* 3 waiting/),
          },
        ]);
        expect(sub.received).toEqual([]);
      }
      await Promise.all(served.map((s) => s.next(missed, 60_000)));
      for (const sub of served) {
        expect(sub.received.map(idOf)).toEqual(ids);
        expect(sub.received.every((p) => p.errors === undefined)).toBe(true);
      }
      // Then live ones, for each of them.
      const live = await record();
      await Promise.all(served.map((s) => s.next(missed + 1)));
      await new Promise((r) => setTimeout(r, 300));
      for (const sub of served) expect(sub.received.map(idOf).at(-1)).toBe(live.decision.id);
      expect(subs.reduce((n, s) => n + s.received.length, 0)).toBe(5 * (missed + 1));
      // About one execution per missed event (and one for the live one), where each replay executing
      // for itself would make five: the five share one group.
      const executed =
        (await gatewayMetric('ecp_subscription_executions_total', 'field="decisionRecorded"')) - executions;
      expect(executed).toBeGreaterThanOrEqual(missed + 1);
      expect(executed).toBeLessThan(2 * (missed + 1));
      const fetched =
        (await gatewayMetric('gateway_subgraph_request_duration_seconds_count', 'subgraph="ledger"')) -
        ledgerFetches;
      expect(fetched).toBeLessThanOrEqual(2 * (missed + 1));
      expect(await gatewayMetric('ecp_subscription_replays', 'state="running"')).toBe(0);
      for (const sub of subs) sub.dispose();
    }, 120_000);

    it('still gives a dashboard resuming five subscriptions every missed event, in order, then live ones', async () => {
      const cursor = await cursorBack(0);
      const missed = [await record(), await record(), await record()].map((m) => m.decision.id);
      const dashboard = client(analystKey);
      const views = [
        DECISIONS,
        'subscription { decisionRecorded { id } }',
        'subscription { decisionRecorded { id ledgerIndex } }',
        'subscription { decisionRecorded(filter: { category: "pricing" }) { id category } }',
        'subscription { decisionRecorded { id agent { name } } }',
      ].map((query) => collect(dashboard, query, {}, { cursor }));
      await Promise.all(views.map((v) => v.next(3)));
      const live = await record();
      await Promise.all(views.map((v) => v.next(4)));
      await new Promise((r) => setTimeout(r, 300));
      for (const view of views) {
        expect(view.errors).toEqual([]);
        expect(view.received.map(idOf)).toEqual([...missed, live.decision.id]);
        const cursors = view.received.map((p) => p.extensions!.cursor);
        expect([...cursors].sort()).toEqual(cursors);
        view.dispose();
      }
    });
  });

  it('refuses a cursor that is not one, and one older than the stream holds', async () => {
    const garbage = collect(client(analystKey), DECISIONS, {}, { cursor: 'yesterday' });
    expect(JSON.stringify(await garbage.failed())).toMatch(/BAD_USER_INPUT|is not a cursor/);
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const key = `${stack.eventStreamPrefix}decisionRecorded`;
      await record();
      await new Promise((r) => setTimeout(r, 300));
      const [oldest] = await redis.xrange(key, '-', '+', 'COUNT', 1);
      await record();
      await record();
      await new Promise((r) => setTimeout(r, 300));
      await redis.xtrim(key, 'MAXLEN', 1);
      const expired = collect(client(analystKey), DECISIONS, {}, { cursor: oldest![0] });
      expect(JSON.stringify(await expired.failed())).toMatch(/older than the events the gateway still holds/);
    } finally {
      redis.disconnect();
    }
  });

  it('refuses connections without valid credentials (4401), unknown fields and bad variables', async () => {
    for (const key of [null, 'ecp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'garbage']) {
      const closed = await new Promise<number>((resolve) => {
        const ws = new WebSocket(stack.websocketUrl, 'graphql-transport-ws');
        ws.on('open', () =>
          ws.send(
            JSON.stringify({
              type: 'connection_init',
              payload: key ? { authorization: `Bearer ${key}` } : {},
            }),
          ),
        );
        ws.on('close', (code) => resolve(code));
      });
      expect(closed).toBe(4401);
    }
    const unknown = collect(client(analystKey), 'subscription { decisionDeleted { id } }');
    expect(JSON.stringify(await unknown.failed())).toMatch(/Cannot query field .{0,2}decisionDeleted/);
    const badVariables = collect(client(analystKey), DECISIONS, { filter: { category: 12 } });
    expect(JSON.stringify(await badVariables.failed())).toMatch(/category/);
  });

  it('refuses a filter the ledger refuses with the error its query gives, and still delivers allowed ones', async () => {
    // A name where an agent id belongs: the ledger's rule for `decisions(filter)` refuses it, and the
    // subscription is judged by the same rule in the ledger, asked by the gateway at subscribe time.
    const filter = { agentId: 'streamer', category: 'pricing' };
    const c = client(agentKey);
    const refused = collect(c, DECISIONS, { filter });
    const [errors] = (await refused.failed()) as [Record<string, unknown>[]];
    expect(errors).toMatchObject([
      {
        message: 'filter.agentId must be an agent id.',
        extensions: {
          code: 'BAD_USER_INPUT',
          details: [{ path: 'filter.agentId', reason: 'must be a UUID' }],
          serviceName: 'ledger',
        },
      },
    ]);
    const queried = await graphql(
      stack.graphqlUrl,
      'query ($filter: DecisionFilter) { decisions(filter: $filter, first: 1) { edges { cursor } } }',
      { filter },
      bearer(agentKey),
    );
    expect(queried.body.errors).toHaveLength(1);
    expect(errors[0]!.message).toBe(queried.body.errors![0]!.message);
    expect(errors[0]!.extensions).toEqual(queried.body.errors![0]!.extensions);

    // On the same connection, the filter with the agent's id is allowed, by the query and here.
    const allowed = collect(c, DECISIONS, { filter: { ...filter, agentId } });
    const listed = await graphql(
      stack.graphqlUrl,
      'query ($filter: DecisionFilter) { decisions(filter: $filter, first: 1) { edges { cursor } } }',
      { filter: { ...filter, agentId } },
      bearer(agentKey),
    );
    expect(listed.body.errors).toBeUndefined();
    await settled();
    const recorded = await record({ category: 'pricing' });
    await allowed.next(1);
    expect(allowed.errors).toEqual([]);
    expect(allowed.received.map(idOf)).toEqual([recorded.decision.id]);
    expect(refused.received).toEqual([]);
    allowed.dispose();
  });

  it('shows another agent’s decisions without their context, filtered by that agent or not; people see it', async () => {
    const peer = (
      await graphql<{ registerAgent: { apiKey: string } }>(
        stack.graphqlUrl,
        'mutation { registerAgent(input: { name: "peer", jurisdictions: ["EU"] }) { apiKey } }',
        {},
        bearer(stack.adminKey),
      )
    ).body.data!.registerAgent.apiKey;
    const WITH_CONTEXT = `subscription ($filter: DecisionFilter) {
      decisionRecorded(filter: $filter) { id context agent { id } entry { canonicalJson } } }`;
    const following = collect(client(peer), WITH_CONTEXT, { filter: { agentId } });
    const unfiltered = collect(client(peer), WITH_CONTEXT);
    const byCategory = collect(client(peer), WITH_CONTEXT, { filter: { category: 'visibility' } });
    const person = collect(client(analystKey), WITH_CONTEXT, { filter: { category: 'visibility' } });
    const own = collect(client(agentKey), WITH_CONTEXT, { filter: { agentId } });
    await settled();
    await record({ category: 'visibility', context: { customer: 'ACME Corp' } });
    await Promise.all([following, unfiltered, byCategory, person, own].map((s) => s.next(1)));
    for (const sub of [following, unfiltered, byCategory]) {
      const decision = sub.received.at(-1)!.data!.decisionRecorded as Record<string, unknown>;
      expect(sub.received.at(-1)!.errors).toBeUndefined();
      expect(decision).toMatchObject({
        context: null,
        agent: { id: agentId },
        entry: { canonicalJson: null },
      });
    }
    for (const sub of [person, own]) {
      const decision = sub.received.at(-1)!.data!.decisionRecorded as Record<string, unknown>;
      expect(decision.context).toEqual({ customer: 'ACME Corp' });
      expect(JSON.stringify(decision.entry)).toContain('ACME Corp');
    }
    for (const sub of [following, unfiltered, byCategory, person, own]) sub.dispose();
  });

  it('ends the subscriptions of a connection whose access token expires', async () => {
    const me = await graphql<{ me: { id: string; name: string; apiKeys: { id: string }[] } }>(
      stack.graphqlUrl,
      '{ me { id name apiKeys { id } } }',
      {},
      bearer(analystKey),
    );
    // Minted here rather than through the API, which gives at least a minute.
    const { token } = await issueAccessToken(
      {
        kind: 'agent',
        id: me.body.data!.me.id,
        name: me.body.data!.me.name,
        roles: ['ANALYST'],
        jurisdictions: [],
        credential: { apiKeyId: me.body.data!.me.apiKeys[0]!.id },
      },
      stack.secrets.tokenSecret,
      2,
    );
    const closed = new Promise<number>((resolve) => {
      const ws = new WebSocket(stack.websocketUrl, 'graphql-transport-ws');
      ws.on('open', () =>
        ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
      );
      ws.on('message', (data) => {
        if (JSON.parse(String(data)).type === 'connection_ack') {
          ws.send(
            JSON.stringify({
              id: '1',
              type: 'subscribe',
              payload: { query: 'subscription { checkpointPublished { treeSize } }' },
            }),
          );
        }
      });
      ws.on('close', (code) => resolve(code));
    });
    expect(await closed).toBe(4401);
  });

  it('closes a socket that sends garbage, and keeps serving everyone else', async () => {
    const healthy = collect(client(analystKey), DECISIONS);
    await settled();
    const closed = await new Promise<number>((resolve) => {
      const ws = new WebSocket(stack.websocketUrl, 'graphql-transport-ws');
      ws.on('open', () => {
        ws.send(
          JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${analystKey}` } }),
        );
        setTimeout(() => ws.send('{"this is": "not a graphql-ws message"'), 100);
      });
      ws.on('close', (code) => resolve(code));
    });
    expect(closed).toBe(4400);
    await record();
    await healthy.next(1);
    healthy.dispose();
  });

  it('delivers every event from every gateway replica', async () => {
    const replica = await stack.startGatewayReplica();
    const onFirst = collect(client(analystKey), DECISIONS);
    const onSecond = collect(client(analystKey, `${replica.replace('http', 'ws')}/graphql`), DECISIONS);
    await settled();
    const recorded = await record();
    await Promise.all([onFirst.next(1), onSecond.next(1)]);
    for (const sub of [onFirst, onSecond]) {
      expect((sub.received[0]!.data!.decisionRecorded as { id: string }).id).toBe(recorded.decision.id);
    }
    onFirst.dispose();
    onSecond.dispose();
  });

  it('lets a slow client fall behind and go without holding up a fast one', async () => {
    const fast = collect(client(analystKey), 'subscription { decisionRecorded { id context } }');
    // A client that subscribes and then stops reading its socket.
    const slow = new WebSocket(stack.websocketUrl, 'graphql-transport-ws');
    const slowClosed = new Promise<number>((resolve) => slow.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => slow.on('open', () => resolve()));
    slow.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${analystKey}` } }),
    );
    await new Promise<void>((resolve) => slow.once('message', () => resolve()));
    slow.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: { query: 'subscription { decisionRecorded { id context } }' },
      }),
    );
    await settled();
    slow.pause();

    const big = { blob: 'x'.repeat(20_000) };
    const total = 60;
    const ids: string[] = [];
    for (let i = 0; i < total; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, () => record({ context: big, jurisdiction: 'EU' })),
      );
      ids.push(...batch.map((b) => b.decision.id));
    }
    await fast.next(total, 60_000);
    const got = fast.received.map((p) => (p.data!.decisionRecorded as { id: string }).id);
    expect(new Set(got)).toEqual(new Set(ids));
    // The slow client reads nothing, so it learns it was disconnected only once it reads again.
    let metrics = '';
    for (let i = 0; i < 100 && !/ecp_subscription_slow_disconnects_total\{[^}]*\} [1-9]/.test(metrics); i++) {
      await new Promise((r) => setTimeout(r, 100));
      metrics = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
    }
    slow.resume();
    expect(await slowClosed).toBe(4429);
    expect(metrics).toMatch(/ecp_subscription_slow_disconnects_total\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(/ecp_subscription_delivery_seconds_count\{[^}]*\} [1-9]/);
    fast.dispose();
  }, 120_000);

  it('publishes nothing for a decision that was refused', async () => {
    const sub = collect(client(analystKey), DECISIONS);
    await settled();
    const refused = await graphql(
      stack.graphqlUrl,
      'mutation { recordDecision(input: { jurisdiction: "EU", category: "pricing", context: {}, options: [{ id: "a" }], chosenOption: "zzz", rationale: "r", confidence: 0.5, idempotencyKey: "x-refused" }) { ledgerIndex } }',
      {},
      bearer(agentKey),
    );
    expect(refused.body.errors).toBeDefined();
    const ok = await record();
    await sub.next(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(sub.received.map((p) => (p.data!.decisionRecorded as { id: string }).id)).toEqual([
      ok.decision.id,
    ]);
    const db = new pg.Client({ connectionString: stack.db.url });
    await db.connect();
    try {
      expect((await db.query('select count(*)::int as n from ledger.outbox')).rows[0].n).toBe(0);
    } finally {
      await db.end();
    }
    sub.dispose();
  });
});
