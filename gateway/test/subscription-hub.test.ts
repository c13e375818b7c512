import { randomUUID } from 'node:crypto';
import { type EventEnvelope, streamKey } from '@ecp/events/event';
import type { Principal } from '@ecp/identity/principal';
import { createLogger } from '@ecp/logging/logger';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { GatewayContext } from '../src/context';
import type { EventExecutor } from '../src/subscriptions/event-executor';
import type { SubscriptionAuthorization } from '../src/subscriptions/owner-authorization';
import { CLOSE_TOO_SLOW } from '../src/subscriptions/subscriber-channel';
import { type HubOptions, SubscriptionHub } from '../src/subscriptions/subscription-hub';
import { createSubscriptionMetrics } from '../src/subscriptions/subscription-metrics';
import type { PlannedSubscription } from '../src/subscriptions/subscription-planner';

/**
 * The hub's delivery rules with sockets whose send buffer the test controls: a socket that stops
 * draining gets a bounded queue (oldest dropped, counted) and is disconnected if it stays behind,
 * while the others keep receiving at once; resuming with a cursor replays within bounds. Events come
 * from real Redis streams.
 */
const prefix = `ecp:test:${randomUUID()}:`;
let redis: Redis;
const logger = createLogger({ service: 'test', level: 'silent' });
const alice: Principal = { kind: 'agent', id: 'a', name: 'a', roles: ['ANALYST'], jurisdictions: [] };
const bob: Principal = { kind: 'agent', id: 'b', name: 'b', roles: ['ANALYST'], jurisdictions: [] };

class FakeSocket {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  /** When each message was sent (ms). */
  sentAt: number[] = [];
  closed: { code: number; reason: string } | undefined;
  send(message: string) {
    this.sent.push(message);
    this.sentAt.push(Date.now());
  }
  close(code: number, reason: string) {
    this.closed = { code, reason };
    this.readyState = 3;
  }
  cursors(): string[] {
    return this.sent.map((m) => JSON.parse(m).payload.extensions.cursor as string);
  }
  /** The keys of the events sent for one subscription (graphql-ws operation id), in order. */
  keys(id: string): string[] {
    return this.sent
      .map((m) => JSON.parse(m))
      .filter((m) => m.id === id)
      .map((m) => m.payload.data.decisionRecorded.id as string);
  }
}

/** A subscription to `decisionRecorded` as planned, read from the stream of `topic`. */
function plannedOn(topic: string): PlannedSubscription {
  return {
    field: 'decisionRecorded',
    topic,
    typename: 'Decision',
    argumentNodes: [],
    document: { loc: { source: { body: 'subscription { decisionRecorded { id } }' } } },
    operation: { name: undefined },
  } as unknown as PlannedSubscription;
}

const planned = plannedOn('decisionRecorded');

/** A topic of its own, for a test that must know everything its stream holds. */
const freshTopic = () => `t-${randomUUID()}`;

/** The events executed, as `topic/event key`. */
const executions: string[] = [];
const executor = {
  execute: async (p: PlannedSubscription, event: EventEnvelope) => {
    executions.push(`${p.topic}/${event.key.id}`);
    return { data: { decisionRecorded: { id: event.key.id } } };
  },
} as unknown as EventExecutor;

/** Allows every subscription: who may subscribe is the owning subgraph's rule, tested with it. */
const allowed: SubscriptionAuthorization = { check: async () => {} };

function hub(registry = new Registry(), options: Partial<HubOptions> = {}) {
  const metrics = createSubscriptionMetrics(registry);
  return {
    registry,
    hub: new SubscriptionHub({
      redis,
      streamPrefix: prefix,
      executor,
      authorization: allowed,
      metrics,
      logger,
      contextFor: (principal) =>
        ({ principal, requestId: 'r', logger, identityHeader: () => 'x' }) as GatewayContext,
      highWaterBytes: 1000,
      maxQueue: 3,
      slowTimeoutMs: 300,
      ...options,
    }),
  };
}

/** Appends `n` events to the topic's stream, keyed `from`, `from + 1`…; returns their stream ids. */
async function publish(n: number, topic = 'decisionRecorded', from = 0): Promise<string[]> {
  const ids: string[] = [];
  for (let i = from; i < from + n; i++) {
    const event: EventEnvelope = {
      id: randomUUID(),
      topic,
      typename: 'Decision',
      key: { id: String(i) },
      attributes: {},
      version: 1,
      occurredAt: new Date().toISOString(),
    };
    ids.push((await redis.xadd(streamKey(prefix, topic), '*', 'event', JSON.stringify(event)))!);
  }
  return ids;
}

/** The value of one series in a registry's exposition, 0 when absent. */
async function metric(registry: Registry, series: string): Promise<number> {
  const text = await registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const until = async (check: () => boolean | Promise<boolean>, ms = 5000) => {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('SubscriptionHub', () => {
  it('runs one execution per event for identical subscribers, and each gets it with a cursor', async () => {
    const { hub: h } = hub();
    const sockets = [new FakeSocket(), new FakeSocket(), new FakeSocket()];
    for (const [i, socket] of sockets.entries()) {
      await h.subscribe({
        id: String(i),
        socket: socket as unknown as WebSocket,
        planned,
        variables: {},
        principal: alice,
      });
    }
    executions.length = 0;
    await publish(4);
    await until(() => sockets.every((s) => s.sent.length === 4));
    expect(executions).toHaveLength(4);
    expect(JSON.parse(sockets[1]!.sent[0]!)).toMatchObject({
      id: '1',
      type: 'next',
      payload: { data: { decisionRecorded: { id: '0' } } },
    });
    await h.close();
  });

  it('queues for a socket that stops draining, drops the oldest past the bound, and disconnects it if it stays behind', async () => {
    const { hub: h, registry } = hub();
    const [fast, slow] = [new FakeSocket(), new FakeSocket()];
    await h.subscribe({
      id: 'f',
      socket: fast as unknown as WebSocket,
      planned,
      variables: {},
      principal: alice,
    });
    await h.subscribe({
      id: 's',
      socket: slow as unknown as WebSocket,
      planned,
      variables: { other: 1 },
      principal: alice,
    });
    await publish(1);
    await until(() => slow.sent.length === 1 && fast.sent.length === 1);
    slow.bufferedAmount = 5000; // its kernel buffer is full: nothing more can be written now
    await publish(6);
    await until(() => fast.sent.length === 7);
    expect(slow.sent).toHaveLength(1);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/ecp_subscription_messages_dropped_total\{field="decisionRecorded"\} 3/);
    // It drains again: the three newest queued messages go out, in order.
    slow.bufferedAmount = 0;
    await until(() => slow.sent.length === 4);
    const cursors = slow.cursors();
    expect([...cursors].sort()).toEqual(cursors);
    expect(cursors.slice(1)).toEqual(fast.cursors().slice(-3));
    // Stuck again, for longer than allowed: disconnected with a reason.
    slow.bufferedAmount = 5000;
    await publish(2);
    await until(() => slow.closed !== undefined, 3000);
    expect(slow.closed).toMatchObject({ code: CLOSE_TOO_SLOW, reason: expect.stringMatching(/Too slow/) });
    expect(fast.sent).toHaveLength(9);
    await h.close();
  });

  it('drops an event seen twice (at-least-once relay), and lets an agent follow another agent', async () => {
    const { hub: h } = hub();
    const socket = new FakeSocket();
    await h.subscribe({
      id: '1',
      socket: socket as unknown as WebSocket,
      planned,
      variables: {},
      principal: alice,
    });
    const event: EventEnvelope = {
      id: randomUUID(),
      topic: 'decisionRecorded',
      typename: 'Decision',
      key: { id: 'dup' },
      attributes: { agentId: 'someone-else' },
      version: 1,
      occurredAt: new Date().toISOString(),
    };
    // What an agent may see of another's decisions is the ledger's field rule, applied when the payload
    // is resolved with the subscriber's identity; whether one may subscribe with a filter is the owning
    // subgraph's answer, which this hub's stand-in authorization gives for every one.
    const agent: Principal = { kind: 'agent', id: 'me', name: 'me', roles: ['AGENT'], jurisdictions: [] };
    const filtered = {
      ...planned,
      argumentNodes: [{ name: { value: 'filter' }, value: { kind: 'Variable', name: { value: 'f' } } }],
    } as unknown as PlannedSubscription;
    const follower = new FakeSocket();
    await h.subscribe({
      id: '2',
      socket: follower as unknown as WebSocket,
      planned: filtered,
      variables: { f: { agentId: 'someone-else' } },
      principal: agent,
    });
    await redis.xadd(streamKey(prefix, 'decisionRecorded'), '*', 'event', JSON.stringify(event));
    await redis.xadd(streamKey(prefix, 'decisionRecorded'), '*', 'event', JSON.stringify(event));
    await publish(1);
    await until(() => socket.sent.length === 2);
    expect(socket.sent.map((m) => JSON.parse(m).payload.data.decisionRecorded.id)).toEqual(['dup', '0']);
    await until(() => follower.sent.length === 1);
    expect(JSON.parse(follower.sent[0]!).payload.data.decisionRecorded.id).toBe('dup');
    await h.close();
  });
});

describe('SubscriptionHub replays', () => {
  it('refuses a cursor too far behind before sending or executing anything, and one that is not a cursor', async () => {
    const { hub: h, registry } = hub(new Registry(), { replayMaxEvents: 20 });
    const topic = freshTopic();
    const ids = await publish(30, topic);
    const socket = new FakeSocket();
    const attempts = Array.from({ length: 20 }, (_, i) =>
      h.subscribe({
        id: String(i),
        socket: socket as unknown as WebSocket,
        planned: plannedOn(topic),
        variables: {},
        principal: alice,
        cursor: '0-0',
      }),
    );
    for (const attempt of attempts) {
      await expect(attempt).rejects.toMatchObject({
        code: 'CURSOR_EXPIRED',
        message: expect.stringMatching(
          /more than 20 events behind .* refetch the current state with a query/,
        ),
      });
    }
    await expect(
      h.subscribe({
        id: 'x',
        socket: socket as unknown as WebSocket,
        planned: plannedOn(topic),
        variables: {},
        principal: alice,
        cursor: 'yesterday',
      }),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(socket.sent).toEqual([]);
    expect(executions.filter((e) => e.startsWith(topic))).toEqual([]);
    expect(await metric(registry, 'ecp_subscription_replays_refused_total{reason="too_far_behind"}')).toBe(
      20,
    );
    expect(await metric(registry, 'ecp_subscription_replays_refused_total{reason="invalid_cursor"}')).toBe(1);

    // Exactly as far back as allowed: replayed.
    await h.subscribe({
      id: 'ok',
      socket: socket as unknown as WebSocket,
      planned: plannedOn(topic),
      variables: {},
      principal: alice,
      cursor: ids[9]!,
    });
    await until(() => socket.sent.length === 20);
    expect(socket.cursors()).toEqual(ids.slice(10));
    await h.close();
  });

  it('runs a few replays per principal at once, lets more wait their turn and refuses the rest; all get every missed event, then live ones', async () => {
    const { hub: h, registry } = hub(new Registry(), {
      replayConcurrency: 2,
      replayWaiting: 3,
      slowTimeoutMs: 5000,
    });
    const topic = freshTopic();
    const ids = await publish(12, topic);
    const socket = new FakeSocket();
    socket.bufferedAmount = 5000; // the replays that run wait for it to drain, holding their turns
    const subscribe = (id: string, principal = alice) =>
      h.subscribe({
        id,
        socket: socket as unknown as WebSocket,
        planned: plannedOn(topic),
        variables: { id }, // a group each: every replay executes for itself
        principal,
        cursor: ids[1]!,
      });
    const accepted = [];
    for (const id of ['1', '2', '3', '4', '5']) accepted.push(await subscribe(id));
    expect(await metric(registry, 'ecp_subscription_replays{state="running"}')).toBe(2);
    expect(await metric(registry, 'ecp_subscription_replays{state="waiting"}')).toBe(3);
    await expect(subscribe('6')).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/2 replays running .* 3 waiting/),
    });
    expect(await metric(registry, 'ecp_subscription_replays_refused_total{reason="too_many_replays"}')).toBe(
      1,
    );
    // Another principal has a line of its own.
    accepted.push(await subscribe('bob', bob));
    expect(await metric(registry, 'ecp_subscription_replays{state="running"}')).toBe(3);
    socket.bufferedAmount = 0;

    const missed = Array.from({ length: 10 }, (_, i) => String(i + 2));
    const all = ['1', '2', '3', '4', '5', 'bob'];
    await until(() => all.every((id) => socket.keys(id).length === 10));
    await until(async () => (await metric(registry, 'ecp_subscription_replays{state="running"}')) === 0);
    await publish(2, topic, 12);
    await until(() => all.every((id) => socket.keys(id).length === 12));
    for (const id of all) expect(socket.keys(id)).toEqual([...missed, '12', '13']);
    expect(await metric(registry, 'ecp_subscription_replays_started_total{field="decisionRecorded"}')).toBe(
      6,
    );
    expect(await metric(registry, 'ecp_subscription_replay_events_total{field="decisionRecorded"}')).toBe(60);
    expect(await metric(registry, 'ecp_subscription_replays{state="waiting"}')).toBe(0);
    await h.close();
  });

  it('gives up a waiting place when the subscription stops, and stops replaying when it is stopped', async () => {
    const { hub: h, registry } = hub(new Registry(), {
      replayConcurrency: 1,
      replayWaiting: 1,
      replayEventsPerSecond: 10,
    });
    const topic = freshTopic();
    const ids = await publish(40, topic);
    const socket = new FakeSocket();
    const subscribe = (id: string) =>
      h.subscribe({
        id,
        socket: socket as unknown as WebSocket,
        planned: plannedOn(topic),
        variables: {},
        principal: alice,
        cursor: ids[0]!,
      });
    const running = await subscribe('running');
    const waiting = await subscribe('waiting');
    await expect(subscribe('refused')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    waiting.stop();
    await waiting.done;
    expect(await metric(registry, 'ecp_subscription_replays{state="waiting"}')).toBe(0);
    const next = await subscribe('next'); // the place given up
    await until(() => socket.keys('running').length >= 10); // a second's worth at once
    running.stop();
    const stoppedAt = socket.keys('running').length;
    expect(stoppedAt).toBeLessThan(39);
    // Its turn passes to the one waiting, which now replays.
    await until(() => socket.keys('next').length >= 5);
    await new Promise((r) => setTimeout(r, 250));
    expect(socket.keys('running')).toHaveLength(stoppedAt);
    expect(socket.keys('waiting')).toEqual([]);
    next.stop();
    await until(async () => (await metric(registry, 'ecp_subscription_replays{state="running"}')) === 0);
    await h.close();
  });

  it('paces a replay: a second of events at once, then the configured rate', async () => {
    const { hub: h } = hub(new Registry(), { replayEventsPerSecond: 40 });
    const topic = freshTopic();
    const ids = await publish(81, topic);
    const socket = new FakeSocket();
    const started = Date.now();
    await h.subscribe({
      id: '1',
      socket: socket as unknown as WebSocket,
      planned: plannedOn(topic),
      variables: {},
      principal: alice,
      cursor: ids[0]!,
    });
    await until(() => socket.sent.length === 80, 10_000);
    expect(socket.cursors()).toEqual(ids.slice(1));
    // The k-th event (from 1) goes no earlier than (k - 40) / 40 seconds after the start.
    for (const [i, at] of socket.sentAt.entries()) {
      expect(at - started).toBeGreaterThanOrEqual(((i + 1 - 40) / 40) * 1000 - 30);
    }
    expect(socket.sentAt.at(-1)! - started).toBeGreaterThanOrEqual(950);
    await h.close();
  });

  it('sends live events that arrive during a replay after the missed ones, in stream order and once each', async () => {
    const { hub: h } = hub(new Registry(), { replayEventsPerSecond: 20 });
    const topic = freshTopic();
    const ids = await publish(50, topic);
    const socket = new FakeSocket();
    await h.subscribe({
      id: '1',
      socket: socket as unknown as WebSocket,
      planned: plannedOn(topic),
      variables: {},
      principal: alice,
      cursor: ids[9]!,
    });
    // Live events while the replay is still sending (40 missed at 20 per second after the first 20).
    const live = await publish(10, topic, 50);
    expect(socket.sent.length).toBeLessThan(40);
    await until(() => socket.sent.length >= 50, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(socket.cursors()).toEqual([...ids.slice(10), ...live]);
    await h.close();
  });

  it('waits for a socket that stops draining instead of dropping, and disconnects one that stays full', async () => {
    const { hub: h, registry } = hub();
    const topic = freshTopic();
    const ids = await publish(10, topic);
    const socket = new FakeSocket();
    socket.bufferedAmount = 5000; // over the high-water mark: nothing more may be written now
    await h.subscribe({
      id: '1',
      socket: socket as unknown as WebSocket,
      planned: plannedOn(topic),
      variables: {},
      principal: alice,
      cursor: ids[0]!,
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(socket.sent).toEqual([]);
    socket.bufferedAmount = 0;
    await until(() => socket.sent.length === 9);
    expect(socket.cursors()).toEqual(ids.slice(1));
    expect(await metric(registry, 'ecp_subscription_messages_dropped_total{field="decisionRecorded"}')).toBe(
      0,
    );

    const stuck = new FakeSocket();
    stuck.bufferedAmount = 5000;
    await h.subscribe({
      id: '2',
      socket: stuck as unknown as WebSocket,
      planned: plannedOn(topic),
      variables: {},
      principal: bob,
      cursor: ids[0]!,
    });
    await until(() => stuck.closed !== undefined, 3000);
    expect(stuck.closed).toMatchObject({ code: CLOSE_TOO_SLOW, reason: expect.stringMatching(/Too slow/) });
    expect(stuck.sent).toEqual([]);
    await h.close();
  });

  it('executes each event once for identical replays in one group, and for the live events they overlap', async () => {
    const { hub: h, registry } = hub(new Registry(), { replayWaiting: 8, slowTimeoutMs: 5000 });
    const topic = freshTopic();
    await publish(30, topic);
    const socket = new FakeSocket();
    socket.bufferedAmount = 5000; // hold the first replays until every subscription is in
    const subscriptions = Array.from({ length: 10 }, (_, i) => String(i));
    // Sent together, as subscribe messages arriving on one socket are.
    await Promise.all(
      subscriptions.map((id) =>
        h.subscribe({
          id,
          socket: socket as unknown as WebSocket,
          planned: plannedOn(topic),
          variables: {},
          principal: alice,
          cursor: '0-0',
        }),
      ),
    );
    const live = await publish(5, topic, 30);
    socket.bufferedAmount = 0;
    await until(() => subscriptions.every((id) => socket.keys(id).length === 35), 10_000);
    const keys = Array.from({ length: 35 }, (_, i) => String(i));
    for (const id of subscriptions) expect(socket.keys(id)).toEqual(keys);
    expect(executions.filter((e) => e.startsWith(`${topic}/`)).sort()).toEqual(
      keys.map((k) => `${topic}/${k}`).sort(),
    );
    expect(await metric(registry, 'ecp_subscription_replay_events_total{field="decisionRecorded"}')).toBe(
      10 * 30 + 8 * live.length, // the first two had the live events sent after their replay
    );
    await h.close();
  });

  it('ends a replay that cannot read the stream with SERVICE_UNAVAILABLE, after what it could send', async () => {
    const own = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const { hub: h } = hub(new Registry(), { redis: own, replayEventsPerSecond: 1000, slowTimeoutMs: 5000 });
    const topic = freshTopic();
    const ids = await publish(150, topic);
    const socket = new FakeSocket();
    socket.bufferedAmount = 5000; // the replay reads its first hundred, then waits to write them
    const handle = await h.subscribe({
      id: '1',
      socket: socket as unknown as WebSocket,
      planned: plannedOn(topic),
      variables: {},
      principal: alice,
      cursor: ids[0]!,
    });
    await new Promise((r) => setTimeout(r, 200));
    own.disconnect(); // Redis is gone before it reads the rest
    socket.bufferedAmount = 0;
    await expect(handle.done).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(socket.cursors()).toEqual(ids.slice(1, 101));
    await h.close();
  });
});
