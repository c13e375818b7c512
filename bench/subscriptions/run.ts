/**
 * Subscriptions benchmark: what one gateway process does with graphql-ws subscribers, in one run:
 *   1. concurrent subscribers held: 10,000 connections with one subscription each, opened in steps
 *      (1,000, 5,000, 10,000) from a separate process, confirmed by the gateway's own metrics;
 *   2. memory per idle subscriber: gateway RSS and heap with none and with 10,000 idle subscribers;
 *   3. publish-to-receive latency of one event fanned out to 1,000, 5,000 and 10,000 subscribers
 *      sharing one execution, then to 10,000 spread over 100 groups, then to 10,000 sharing one
 *      execution that fetches the entity from the ledger subgraph;
 *   4. sustained events per second read and delivered while 100 filtered subscribers are connected,
 *      events added from a separate process at fixed offered rates, raised while the gateway keeps up.
 * Prints a table against the targets and appends it to BENCHMARKS.md. Every process it starts is
 * stopped at the end, also on failure or interruption.
 * Run with `npm run bench:subscriptions -w @ecp/bench` (`-- --help` for options).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createEcpClient } from '@ecp/agent-sdk';
import { streamKey } from '@ecp/events/event';
import { REPO_ROOT } from '@ecp/platform/repo';
import { testEnv } from '@ecp/test-kit/env';
import { graphql } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { Redis } from 'ioredis';
import { describeMachine, idleShare } from '../common/machine';
import { appendSection, markdownTable, type ResultRow, textTable } from '../common/results-table';
import { GatewayProcess } from './gateway-process';
import { Helper } from './ipc';
import { histogramQuantile, type Metrics, scrape, shareWithin } from './metrics';
import type {
  ClientCommand,
  ClientStats,
  CollectResult,
  OpenResult,
  PublishedOne,
  PublisherCommand,
  PublisherEvent,
  RateResult,
  RunReport,
  SubscriptionSpec,
} from './protocol';
import type { FloorCommand, FloorResult } from './socket-floor';
import { median } from './stats';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '1000,5000,10000' },
    events: { type: 'string', default: '5' },
    groups: { type: 'string', default: '100' },
    'rate-subscribers': { type: 'string', default: '100' },
    rates: { type: 'string', default: '5000,10000,20000,40000' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    profile: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(`Usage: npm run bench:subscriptions -w @ecp/bench -- [options]
  --steps A,B,C          subscriber counts to ramp through; the last is held for the memory and group rows (1000,5000,10000)
  --events N             events timed per fan-out row, after one untimed (5)
  --groups N             distinct groups for the grouped fan-out row (100)
  --rate-subscribers N   filtered subscribers during the sustained runs (100)
  --rates A,B,…          offered events/s, tried in order while the gateway keeps up (5000,10000,20000,40000)
  --seconds N            measured seconds of each sustained run (10)
  --warmup N             warm-up seconds before each sustained run (2)
  --profile DIR          write CPU profiles of the gateway and the subscriber process during the
                         largest shared fan-out row to DIR (the sampling slows both down a little)
  --dry-run              print the table but do not append it to BENCHMARKS.md`);
  process.exit(0);
}
const list = (s: string) => s.split(',').map((v) => Number(v.trim()));
const STEPS = list(args.steps);
const HELD = Math.max(...STEPS);
const EVENTS = Number(args.events);
const GROUPS = Number(args.groups);
const RATE_SUBSCRIBERS = Number(args['rate-subscribers']);
const RATES = list(args.rates);
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);

/** Targets on the reference machine (2 cores). */
const TARGET = {
  subscribers: 10_000,
  bytesPerIdleSubscriber: 20_000,
  fanOutP99Ms: 100,
  eventsInPerSecond: 5000,
};

/** How the stack's processes run. */
const STACK_LOG_LEVEL = 'warn';
const STACK_ENV = {
  // The production key-cache lifetime, not the test kit's 1 s.
  AUTH_CACHE_TTL_MS: '30000',
};
const BENCHMARKS_MD = join(REPO_ROOT, 'BENCHMARKS.md');
const CLIENTS = fileURLToPath(new URL('./clients.ts', import.meta.url));
const PUBLISHER = fileURLToPath(new URL('./publisher.ts', import.meta.url));
const SOCKET_FLOOR = fileURLToPath(new URL('./socket-floor.ts', import.meta.url));

const KEY_ONLY = '{ id }';
const WITH_FETCH = '{ id ledgerIndex category jurisdiction }';
const shared = (selection: string): SubscriptionSpec => ({ selection, groups: 1, vary: 'operationName' });

// ---------------------------------------------------------------------------------------------------
// Clean-up: the helper processes, the stack and its streams are stopped, also on SIGINT.

let stack: Stack | undefined;
let clients: Helper<ClientCommand> | undefined;
let publisher: Helper<PublisherCommand> | undefined;
let floor: Helper<FloorCommand> | undefined;
let cleaning: Promise<void> | undefined;

function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.all([
      clients?.stop().catch((err) => console.error('stopping the subscriber process:', err)),
      publisher?.stop().catch((err) => console.error('stopping the publisher process:', err)),
      floor?.stop().catch((err) => console.error('stopping the socket-floor process:', err)),
    ]);
    if (stack) {
      const prefix = stack.eventStreamPrefix;
      await stack.stop().catch((err) => console.error('stopping the stack:', err));
      const dropped = await dropStreams(prefix).catch((err) => {
        console.error('deleting the benchmark streams:', err);
        return 0;
      });
      say(`stopped the platform; deleted its ${dropped} Redis streams (${prefix}*)`);
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (cleaning) return;
    console.error(`\n${signal}: stopping…`);
    void cleanUp().finally(() => process.exit(130));
  });
}

/** Deletes this run's event streams (the stack's own prefix) from Redis. */
async function dropStreams(prefix: string): Promise<number> {
  const redis = new Redis(testEnv.redisUrl, { maxRetriesPerRequest: 2 });
  let dropped = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) dropped += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return dropped;
}

const started = performance.now();
const clock = () => `[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s]`;
const say = (line: string) => console.log(`${clock()} ${line}`);
const int = (v: number) => Math.round(v).toLocaleString('en-US');
const ms = (v: number) => (!Number.isFinite(v) ? '–' : v < 10 ? v.toFixed(2) : v.toFixed(1));
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
const pct = (share: number) => (Number.isFinite(share) ? `${(share * 100).toFixed(0)}%` : '–');

// ---------------------------------------------------------------------------------------------------
// The gateway, as its /metrics tells it

let gatewayUrl = '';
const metricsNow = () => scrape(gatewayUrl);
const ACTIVE = 'ecp_subscriptions_active';
const CONNECTIONS = 'ecp_ws_connections';
const GROUPS_GAUGE = 'ecp_subscription_groups';
const EVENTS_IN = 'ecp_subscription_events_in_total';
const MESSAGES_OUT = 'ecp_subscription_messages_out_total';
const DELIVERY = 'ecp_subscription_delivery_seconds';

/** Polls /metrics until `done` holds; throws with what it last saw after `timeoutMs`. */
async function waitForGateway(
  what: string,
  done: (m: Metrics) => boolean,
  timeoutMs = 60_000,
): Promise<Metrics> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await metricsNow();
    if (done(m)) return m;
    if (Date.now() > deadline) {
      throw new Error(
        `the gateway did not reach "${what}" in ${timeoutMs / 1000} s: connections ${m.sum(CONNECTIONS)}, active ${m.sum(ACTIVE)}, groups ${m.sum(GROUPS_GAUGE)}`,
      );
    }
    await sleep(250);
  }
}

const holding = (connections: number, active: number, groups?: number) => (m: Metrics) =>
  m.sum(CONNECTIONS) === connections &&
  m.sum(ACTIVE) === active &&
  (groups === undefined || m.sum(GROUPS_GAUGE) === groups);

interface Memory {
  rss: number;
  heapUsed: number;
}

let gatewayProcess: GatewayProcess | undefined;
let gcForced = true;

/**
 * The gateway's memory once it has settled: a full collection through the inspector when it can be
 * had (otherwise a few seconds' wait), then the minimum of several samples.
 */
async function settledMemory(): Promise<Memory> {
  await sleep(2000);
  const forced = (await gatewayProcess?.collectGarbage()) ?? false;
  say(
    forced
      ? '  full garbage collection in the gateway done'
      : '  no forced collection (inspector unavailable)',
  );
  if (!forced) {
    gcForced = false;
    await sleep(3000);
  }
  let rss = Number.POSITIVE_INFINITY;
  let heapUsed = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 6; i++) {
    await sleep(500);
    const m = await metricsNow();
    rss = Math.min(rss, m.sum('process_resident_memory_bytes'));
    heapUsed = Math.min(heapUsed, m.sum('nodejs_heap_size_used_bytes'));
  }
  return { rss, heapUsed };
}

/** Longer than the gateway's 15 s heartbeat, which pings every socket in one go. */
const STALL_SECONDS = 16;

/**
 * The longest the idle gateway's event loop was blocked over STALL_SECONDS, in ms: its
 * `nodejs_eventloop_lag_max_seconds`, which restarts at every scrape. An event arriving then waits that long.
 */
async function idleStall(): Promise<number> {
  await metricsNow();
  await sleep(STALL_SECONDS * 1000);
  return (await metricsNow()).sum('nodejs_eventloop_lag_max_seconds') * 1000;
}

// ---------------------------------------------------------------------------------------------------
// 3: one event fanned out

interface FanOut {
  label: string;
  subscribers: number;
  events: CollectResult[];
  /** Bytes of one `next` message as the subscribers received it. */
  messageBytes: number;
  p50: number;
  p99: number;
  max: number;
  /** Messages that never arrived, over all timed events. */
  missing: number;
  /** Shares of the gateway's socket writes within 50 and 100 ms of the event (its delivery histogram). */
  gatewayWithin50: number;
  gatewayWithin100: number;
}

/**
 * Publishes one untimed event, then `EVENTS` timed ones, one at a time: each is published once the
 * previous one has reached every subscriber (and half a second has passed), so every `next` received
 * in the window belongs to it.
 */
async function fanOut(
  label: string,
  subscribers: number,
  publish: PublisherCommand,
  expect: (sample: string) => boolean,
): Promise<FanOut> {
  const events: CollectResult[] = [];
  let before: Metrics | undefined;
  for (let i = 0; i <= EVENTS; i++) {
    if (i === 1) before = await metricsNow();
    await clients!.call({ op: 'arm', expect: subscribers });
    const published = await publisher!.call<PublishedOne>(publish);
    const result = await clients!.call<CollectResult>({
      op: 'collect',
      publishedAtMs: published.publishedAtMs,
      timeoutMs: 15_000,
    });
    if (!result.sample || !expect(result.sample)) {
      throw new Error(`${label}: unexpected payload: ${result.sample ?? '(nothing received)'}`);
    }
    const missing = result.expected - Math.min(result.received, result.expected);
    const extra = Math.max(0, result.received - result.expected);
    const note = `${missing ? `, ${missing} missing` : ''}${extra ? `, ${extra} stray` : ''}`;
    say(
      `  ${i === 0 ? 'untimed' : `event ${i}`}: p50 ${ms(result.p50)} ms, p99 ${ms(result.p99)} ms, max ${ms(result.max)} ms${note}`,
    );
    if (i > 0) events.push(result);
    await sleep(500);
  }
  const after = await metricsNow();
  return {
    label,
    subscribers,
    events,
    messageBytes: Buffer.byteLength(events[0]?.sample ?? ''),
    p50: median(events.map((e) => e.p50)),
    p99: median(events.map((e) => e.p99)),
    max: Math.max(...events.map((e) => e.max)),
    missing: events.reduce((n, e) => n + Math.max(0, e.expected - e.received), 0),
    gatewayWithin50: shareWithin(0.05, before!.buckets(DELIVERY), after.buckets(DELIVERY)),
    gatewayWithin100: shareWithin(0.1, before!.buckets(DELIVERY), after.buckets(DELIVERY)),
  };
}

const keyOnlyPayload = (sample: string) =>
  /"type":"next","payload":\{"data":\{"decisionRecorded":\{"id":"bench\./.test(sample) &&
  !sample.includes('"errors"');

/** Starts CPU profiles of the gateway and the subscriber process; the returned function writes them. */
async function startProfiles(): Promise<(dir: string, name: string) => Promise<void>> {
  const stopGateway = await gatewayProcess?.startProfile();
  if (!stopGateway) console.warn('warning: cannot profile the gateway (no inspector)');
  await clients!.call({ op: 'profile', action: 'start' });
  return async (dir, name) => {
    mkdirSync(dir, { recursive: true });
    const clientPath = join(dir, `subscriptions-${name}-clients.cpuprofile`);
    await clients!.call({ op: 'profile', action: 'stop', path: clientPath });
    say(`  wrote ${clientPath}`);
    if (stopGateway) {
      const gatewayPath = join(dir, `subscriptions-${name}-gateway.cpuprofile`);
      writeFileSync(gatewayPath, JSON.stringify(await stopGateway()));
      say(`  wrote ${gatewayPath}`);
    }
  };
}

// ---------------------------------------------------------------------------------------------------
// 4: sustained events per second

interface Sustained {
  offered: number;
  /** What the publisher managed to add per second in the window. */
  added: number;
  inPerSecond: number;
  outPerSecond: number;
  /** The share of the events added in the window that reached their subscriber (eventually). */
  receivedShare: number;
  client: RunReport['latencyMs'];
  gatewayP50: number;
  gatewayP99: number;
  /** Seconds after the publisher stopped until the gateway had read every event. */
  drainSeconds: number;
  /** The gateway's CPU use in the window, in cores (1 = one core busy all the time). */
  gatewayCores: number;
  keptUp: boolean;
}

async function sustained(offered: number, eventsInBase: { total: number }): Promise<Sustained> {
  const run = `s${offered}`;
  await clients!.call({ op: 'track', run });
  let before: Promise<Metrics> | undefined;
  publisher!.onEvent = (message) => {
    if ((message as PublisherEvent).event === 'measuring') before = metricsNow();
  };
  const result = await publisher!.call<RateResult>({
    op: 'rate',
    run,
    perSecond: offered,
    warmupSeconds: WARMUP,
    seconds: SECONDS,
    groups: RATE_SUBSCRIBERS,
  });
  const after = await metricsNow();
  publisher!.onEvent = () => {};
  if (!before) throw new Error('the publisher never started its measured window');
  const first = await before;
  eventsInBase.total += result.sent;
  // Until the gateway has read everything that was added (or gives up on it).
  const stoppedAt = Date.now();
  let drained = after;
  while (drained.sum(EVENTS_IN) < eventsInBase.total && Date.now() - stoppedAt < 20_000) {
    await sleep(100);
    drained = await metricsNow();
  }
  const drainSeconds = (drained.atMs - stoppedAt) / 1000;
  if (drained.sum(EVENTS_IN) < eventsInBase.total) eventsInBase.total = drained.sum(EVENTS_IN);
  await sleep(300); // the last deliveries
  const report = await clients!.call<RunReport>({
    op: 'report',
    run,
    fromMs: result.fromMs,
    toMs: result.toMs,
  });
  const seconds = (after.atMs - first.atMs) / 1000;
  const inPerSecond = (after.sum(EVENTS_IN) - first.sum(EVENTS_IN)) / seconds;
  const outPerSecond = (after.sum(MESSAGES_OUT) - first.sum(MESSAGES_OUT)) / seconds;
  const delivery = (q: number) =>
    histogramQuantile(q, first.buckets(DELIVERY), after.buckets(DELIVERY)) * 1000;
  const keptUp =
    inPerSecond >= 0.95 * offered &&
    result.achievedPerSecond >= 0.95 * offered &&
    drainSeconds < 2 &&
    report.inWindow >= 0.99 * result.sentInWindow;
  return {
    offered,
    added: result.achievedPerSecond,
    inPerSecond,
    outPerSecond,
    receivedShare: result.sentInWindow > 0 ? report.inWindow / result.sentInWindow : Number.NaN,
    client: report.latencyMs,
    gatewayP50: delivery(0.5),
    gatewayP99: delivery(0.99),
    drainSeconds,
    gatewayCores: (after.sum('process_cpu_seconds_total') - first.sum('process_cpu_seconds_total')) / seconds,
    keptUp,
  };
}

// ---------------------------------------------------------------------------------------------------

async function register(platform: Stack, input: string): Promise<{ apiKey: string; id: string }> {
  const res = await graphql<{ registerAgent: { apiKey: string; agent: { id: string } } }>(
    platform.graphqlUrl,
    `mutation { registerAgent(input: ${input}) { apiKey agent { id } } }`,
    {},
    { headers: { authorization: `Bearer ${platform.adminKey}` } },
  );
  const registered = res.body.data?.registerAgent;
  if (!registered) throw new Error(`registerAgent failed: ${JSON.stringify(res.body.errors)}`);
  return { apiKey: registered.apiKey, id: registered.agent.id };
}

/** Records one real decision through the gateway, with the agent SDK; the fetch row publishes events about it. */
async function recordDecision(platform: Stack, apiKey: string): Promise<{ id: string; ledgerIndex: string }> {
  const recorded = await createEcpClient({ url: platform.graphqlUrl, apiKey }).recordDecision(
    {
      jurisdiction: 'EU/DE',
      category: 'pricing',
      context: { sku: 'A-1' },
      options: [{ id: 'raise' }, { id: 'hold' }],
      chosenOption: 'raise',
      rationale: 'Demand.',
      confidence: 0.6,
    },
    { idempotencyKey: randomUUID() },
  );
  if (recorded.ledgerIndex === null) throw new Error(`recordDecision was held: ${JSON.stringify(recorded)}`);
  return { id: recorded.decision.id, ledgerIndex: recorded.ledgerIndex };
}

async function clientHealth(): Promise<ClientStats> {
  const stats = await clients!.call<ClientStats>({ op: 'stats' });
  if (stats.unexpectedCloses > 0 || stats.errorMessages > 0) {
    console.warn(
      `warning: ${stats.unexpectedCloses} connections closed by the gateway (${JSON.stringify(stats.closeCodes)}), ${stats.errorMessages} graphql-ws errors${stats.firstError ? ` (first: ${stats.firstError})` : ''}`,
    );
  }
  return stats;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const machine = describeMachine();
  say(`machine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`);
  const idleBefore = await idleShare(2000);
  const idleNote = idleBefore === undefined ? 'unknown' : `${(idleBefore * 100).toFixed(0)}%`;
  say(`CPU idle before starting: ${idleNote}`);
  if (idleBefore !== undefined && idleBefore < 0.9) {
    console.warn(
      'warning: something else is using the CPUs; the results will understate what the machine can do',
    );
  }

  say('starting the platform (fresh database, four subgraphs, gateway)…');
  stack = await startStack({ logLevel: STACK_LOG_LEVEL, extraEnv: STACK_ENV });
  gatewayUrl = stack.gatewayUrl;
  gatewayProcess = GatewayProcess.find(stack);
  if (!gatewayProcess)
    console.warn('warning: cannot find the gateway process; memory is sampled without a forced collection');
  const dashboard = await register(stack, '{ name: "bench-dashboard", roles: [ANALYST] }');
  const recorder = await register(stack, '{ name: "bench-recorder", jurisdictions: ["EU"] }');
  // Before any subscriber connects: its own event is read by nobody (readers start at the stream's end).
  const decision = await recordDecision(stack, recorder.apiKey);
  const stream = streamKey(stack.eventStreamPrefix, 'decisionRecorded');

  clients = new Helper<ClientCommand>('subscriber process', CLIENTS, [stack.websocketUrl, dashboard.apiKey]);
  publisher = new Helper<PublisherCommand>('publisher process', PUBLISHER, [testEnv.redisUrl, stream]);
  await Promise.all([clients.started(), publisher.started()]);

  // Warm-up: plans, the topic reader and the code paths, then nobody again.
  say('warming up (100 subscribers, 3 events, then none)…');
  await clients.call<OpenResult>({ op: 'open', count: 100, subscription: shared(KEY_ONLY) });
  await waitForGateway('100 subscribers', holding(100, 100, 1));
  for (let i = 0; i < 3; i++) {
    await clients.call({ op: 'arm', expect: 100 });
    const published = await publisher.call<PublishedOne>({ op: 'one' });
    await clients.call<CollectResult>({
      op: 'collect',
      publishedAtMs: published.publishedAtMs,
      timeoutMs: 10_000,
    });
  }
  await clients.call({ op: 'closeAll' });
  await waitForGateway('no connections', holding(0, 0, 0));

  say('gateway memory with no subscribers (settling)…');
  const idleNone = await settledMemory();
  say(`  RSS ${mib(idleNone.rss)}, heap used ${mib(idleNone.heapUsed)}`);
  say(`longest event-loop stall of the idle gateway over ${STALL_SECONDS} s, no subscribers…`);
  const stallNone = await idleStall();
  say(`  ${ms(stallNone)} ms`);

  const idle = await idleShare(2000);
  const idleMeasuring = idle === undefined ? 'unknown' : `${(idle * 100).toFixed(0)}%`;
  say(`CPU idle just before measuring: ${idleMeasuring}`);

  // 1–3: ramp up in steps; at each, one event fanned out to everyone (one shared execution).
  const fanOuts: FanOut[] = [];
  const ramp: { step: number; seconds: number; rss: number; heapUsed: number }[] = [];
  let idleHeld: Memory | undefined;
  let heldConfirmed: Metrics | undefined;
  let heldOpenFiles = Number.NaN;
  let stallHeld = Number.NaN;
  let open = 0;
  for (const step of STEPS) {
    say(
      `opening connections ${int(open)} → ${int(step)} (one subscription each, same operation and caller)…`,
    );
    const opened = await clients.call<OpenResult>({
      op: 'open',
      count: step - open,
      subscription: shared(KEY_ONLY),
    });
    if (opened.failed > 0) throw new Error(`${opened.failed} connections failed: ${opened.firstFailure}`);
    open = step;
    const confirmed = await waitForGateway(`${step} subscribers`, holding(step, step, 1));
    say(
      `  gateway reports ${int(confirmed.sum(CONNECTIONS))} connections, ${int(confirmed.sum(ACTIVE))} subscriptions, ${confirmed.sum(GROUPS_GAUGE)} group (opened in ${opened.seconds.toFixed(1)} s)`,
    );
    ramp.push({
      step,
      seconds: opened.seconds,
      rss: confirmed.sum('process_resident_memory_bytes'),
      heapUsed: confirmed.sum('nodejs_heap_size_used_bytes'),
    });
    if (step === HELD) {
      heldConfirmed = confirmed;
      heldOpenFiles = gatewayProcess?.openFiles() ?? Number.NaN;
      say(`gateway memory with ${int(step)} idle subscribers (settling)…`);
      idleHeld = await settledMemory();
      say(`  RSS ${mib(idleHeld.rss)}, heap used ${mib(idleHeld.heapUsed)}`);
      say(`longest event-loop stall of the idle gateway over ${STALL_SECONDS} s, ${int(step)} subscribers…`);
      stallHeld = await idleStall();
      say(`  ${ms(stallHeld)} ms`);
    }
    say(`fan-out to ${int(step)} subscribers, one shared execution, key-only selection:`);
    const stopProfiles = step === HELD && args.profile ? await startProfiles() : undefined;
    fanOuts.push(await fanOut(`${int(step)}, shared, key only`, step, { op: 'one' }, keyOnlyPayload));
    await stopProfiles?.(args.profile!, `fanout-${step}`);
    await clientHealth();
  }

  say(`re-subscribing all ${int(HELD)} in ${GROUPS} groups (${GROUPS} operation names)…`);
  await clients.call({
    op: 'resubscribe',
    subscription: { selection: KEY_ONLY, groups: GROUPS, vary: 'operationName' },
  });
  await waitForGateway(`${GROUPS} groups`, holding(HELD, HELD, GROUPS));
  say(`fan-out to ${int(HELD)} subscribers in ${GROUPS} groups, key-only selection:`);
  const grouped = await fanOut(
    `${int(HELD)} in ${GROUPS} groups, key only`,
    HELD,
    { op: 'one' },
    keyOnlyPayload,
  );
  fanOuts.push(grouped);

  say(`re-subscribing all ${int(HELD)} to one operation that fetches from the ledger per event…`);
  await clients.call({ op: 'resubscribe', subscription: shared(WITH_FETCH) });
  await waitForGateway('one group again', holding(HELD, HELD, 1));
  say(`fan-out to ${int(HELD)} subscribers, one shared execution with an entity fetch:`);
  const fetched = await fanOut(
    `${int(HELD)}, shared, entity fetch`,
    HELD,
    {
      op: 'one',
      keyId: decision.id,
      attributes: { agentId: recorder.id, jurisdiction: 'EU/DE', category: 'pricing' },
    },
    (sample) =>
      sample.includes(`"id":"${decision.id}"`) &&
      sample.includes(`"ledgerIndex":"${decision.ledgerIndex}"`) &&
      !sample.includes('"errors"'),
  );
  fanOuts.push(fetched);
  const health = await clientHealth();

  say('closing every connection…');
  await clients.call({ op: 'closeAll' });
  await waitForGateway('no connections', holding(0, 0, 0));

  // The floor: the same number of plain socket writes of the same size, without WebSocket or gateway.
  const heldShared = fanOuts.find((f) => f.subscribers === HELD)!;
  // A server-to-client WebSocket frame of under 126 bytes has a 2-byte header; 4 up to 64 KiB.
  const frameBytes = heldShared.messageBytes + (heldShared.messageBytes < 126 ? 2 : 4);
  say(
    `reference: one ${frameBytes}-byte write to each of ${int(HELD)} loopback TCP sockets from one process…`,
  );
  floor = new Helper<FloorCommand>('socket-floor process', SOCKET_FLOOR);
  await floor.started();
  const floorResult = await floor.call<FloorResult>({
    op: 'run',
    sockets: HELD,
    bytes: frameBytes,
    rounds: EVENTS,
  });
  await floor.stop();
  floor = undefined;
  say(
    `  arrival p50 ${ms(floorResult.arrival.p50)} ms, p99 ${ms(floorResult.arrival.p99)} ms, max ${ms(floorResult.arrival.max)} ms; write loop ${floorResult.writeMicrosPerSocket.toFixed(1)} µs per socket`,
  );

  // 4: sustained rate, with subscribers filtering on their own category.
  say(`${RATE_SUBSCRIBERS} subscribers, each filtering on its own category (${RATE_SUBSCRIBERS} groups)…`);
  await clients.call<OpenResult>({
    op: 'open',
    count: RATE_SUBSCRIBERS,
    subscription: { selection: KEY_ONLY, groups: RATE_SUBSCRIBERS, vary: 'category' },
  });
  await waitForGateway(
    `${RATE_SUBSCRIBERS} filtered subscribers`,
    holding(RATE_SUBSCRIBERS, RATE_SUBSCRIBERS, RATE_SUBSCRIBERS),
  );
  const eventsInBase = { total: (await metricsNow()).sum(EVENTS_IN) };
  const rates: Sustained[] = [];
  for (const offered of RATES) {
    say(`offering ${int(offered)} events/s for ${WARMUP} s + ${SECONDS} s…`);
    const r = await sustained(offered, eventsInBase);
    rates.push(r);
    say(
      `  added ${int(r.added)}/s, gateway read ${int(r.inPerSecond)}/s and sent ${int(r.outPerSecond)}/s, subscribers received ${pct(r.receivedShare)} of the events added in the window; latency p50 ${ms(r.client.p50)} ms, p99 ${ms(r.client.p99)} ms (gateway histogram p50 ${ms(r.gatewayP50)} ms, p99 ${ms(r.gatewayP99)} ms); gateway CPU ${r.gatewayCores.toFixed(2)} cores; drained ${r.drainSeconds.toFixed(1)} s after`,
    );
    if (!r.keptUp) {
      say('  the gateway did not keep up with this rate; not offering more');
      break;
    }
  }
  await clients.call({ op: 'closeAll' });

  // ---------------------------------------------------------------------------------------------------
  // The table

  const rows: ResultRow[] = [];
  const held = heldConfirmed!;
  const heldOk = held.sum(CONNECTIONS) >= TARGET.subscribers && held.sum(ACTIVE) >= TARGET.subscribers;
  rows.push({
    measure: '1. concurrent subscribers held by one gateway process',
    result: `${int(held.sum(ACTIVE))} subscriptions on ${int(held.sum(CONNECTIONS))} connections (gateway metrics); ${ramp.map((r) => `${int(r.step)}`).join(' → ')} opened at ${int(HELD / ramp.reduce((s, r) => s + r.seconds, 0))}/s; gateway open files ${Number.isFinite(heldOpenFiles) ? int(heldOpenFiles) : 'unknown'}; ${health.unexpectedCloses} closed by the gateway`,
    target: `${int(TARGET.subscribers)}`,
    verdict: verdict(heldOk && health.unexpectedCloses === 0),
  });
  const perSubscriber = (a: number, b: number) => (b - a) / HELD;
  const rssEach = perSubscriber(idleNone.rss, idleHeld!.rss);
  const heapEach = perSubscriber(idleNone.heapUsed, idleHeld!.heapUsed);
  rows.push({
    measure: `2. gateway memory per idle subscriber (0 → ${int(HELD)})`,
    result: `RSS ${mib(idleNone.rss)} → ${mib(idleHeld!.rss)}: ${(rssEach / 1000).toFixed(1)} kB each; heap used ${mib(idleNone.heapUsed)} → ${mib(idleHeld!.heapUsed)}: ${(heapEach / 1000).toFixed(1)} kB each`,
    target: `≤ ${TARGET.bytesPerIdleSubscriber / 1000} kB (RSS)`,
    verdict: verdict(rssEach <= TARGET.bytesPerIdleSubscriber),
  });
  rows.push({
    measure: `2. longest event-loop stall of the idle gateway over ${STALL_SECONDS} s (0 → ${int(HELD)} subscribers)`,
    result: `${ms(stallNone)} ms → ${ms(stallHeld)} ms`,
    target: '–',
    verdict: '–',
  });
  for (const f of fanOuts) {
    const targeted = f.subscribers >= TARGET.subscribers && !f.label.includes('fetch');
    rows.push({
      measure: `3. one event → ${f.label}`,
      result: `p50 ${ms(f.p50)} ms, p99 ${ms(f.p99)} ms, max ${ms(f.max)} ms; p99 ÷ subscribers ${((f.p99 * 1000) / f.subscribers).toFixed(1)} µs (gateway finished writing ${pct(f.gatewayWithin50)} of deliveries within 50 ms, ${pct(f.gatewayWithin100)} within 100 ms)${f.missing ? `; ${f.missing} not received` : ''}`,
      target: targeted ? `p99 ≤ ${TARGET.fanOutP99Ms} ms` : '–',
      verdict: targeted ? verdict(f.p99 <= TARGET.fanOutP99Ms && f.missing === 0) : '–',
    });
  }
  rows.push({
    measure: `3. reference: one ${frameBytes}-byte write to each of ${int(HELD)} loopback TCP sockets from one process (plain \`net\`, no WebSocket, no gateway)`,
    result: `p50 ${ms(floorResult.arrival.p50)} ms, p99 ${ms(floorResult.arrival.p99)} ms, max ${ms(floorResult.arrival.max)} ms; p99 ÷ sockets ${((floorResult.arrival.p99 * 1000) / HELD).toFixed(1)} µs; write loop ${floorResult.writeMicrosPerSocket.toFixed(1)} µs per socket`,
    target: '–',
    verdict: '–',
  });
  const best = Math.max(...rates.filter((r) => r.keptUp).map((r) => r.inPerSecond), 0);
  for (const r of rates) {
    rows.push({
      measure: `4. sustained, ${int(r.offered)} events/s offered, ${RATE_SUBSCRIBERS} filtered subscribers`,
      result: `read ${int(r.inPerSecond)}/s, sent ${int(r.outPerSecond)}/s; ${pct(r.receivedShare)} of the window's events received; p50 ${ms(r.client.p50)} ms, p99 ${ms(r.client.p99)} ms (gateway histogram p50 ${ms(r.gatewayP50)} ms, p99 ${ms(r.gatewayP99)} ms); gateway CPU ${r.gatewayCores.toFixed(2)} cores${r.keptUp ? '' : `; fell behind (added ${int(r.added)}/s; ${r.drainSeconds >= 20 ? 'backlog still unread 20 s after' : `backlog read ${r.drainSeconds.toFixed(1)} s after`})`}`,
      target: '–',
      verdict: '–',
    });
  }
  rows.push({
    measure: '4. sustained events/s read by the gateway (highest offered rate it kept up with)',
    result: `${int(best)} events/s`,
    target: `≥ ${int(TARGET.eventsInPerSecond)}/s`,
    verdict: verdict(best >= TARGET.eventsInPerSecond),
  });

  console.log(`\n${textTable(rows)}\n`);

  const section = `## Subscriptions — ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC

Machine: ${machine.cpus} × ${machine.cpuModel} (\`nproc\` = ${machine.cpus}), Linux ${machine.kernel}, Node ${machine.node}; CPU idle just before measuring: ${idleMeasuring}.

${markdownTable(rows)}

How it was run: \`npm run bench:subscriptions -w @ecp/bench\`, one run. A fresh database, the four
subgraphs and one gateway as separate processes (log level \`${STACK_LOG_LEVEL}\`, 30 s API-key cache, the
gateway's other settings at their defaults: ping every 15 s, \`MAX_CONNECTIONS\` 15,000). The subscribers
live in one process of their own: plain \`ws\` sockets speaking graphql-transport-ws, one subscription
per connection, all authenticated with one analyst's API key in \`connection_init\`, opened up to 200 at a time, in steps of ${STEPS.map(int).join(', ')}.
Events are added by another process, as the ledger's outbox relay adds them (\`XADD … MAXLEN ~ 100000 *
event <EventEnvelope>\` on the stack's \`decisionRecorded\` stream), each stamped with the time it was added.
(1) After ${int(HELD)} subscribers were connected, the gateway's \`${CONNECTIONS}\` and \`${ACTIVE}\`.
(2) \`process_resident_memory_bytes\` and \`nodejs_heap_size_used_bytes\` from the gateway's /metrics, each the
minimum of 6 samples 0.5 s apart ${gcForced ? 'after 2 s of quiet and a full garbage collection (`HeapProfiler.collectGarbage`, through the inspector that SIGUSR1 opens in the gateway, before the first sample)' : 'after 5 s of quiet (no forced collection: the inspector could not be opened)'}:
with no subscriber (after 100 had come and gone) and with ${int(HELD)} idle ones, the difference divided by ${int(HELD)}.
The stall row is the gateway's \`nodejs_eventloop_lag_max_seconds\` (which restarts at every scrape) over ${STALL_SECONDS} s
of quiet, longer than its 15 s ping interval, right after each memory measurement.
(3) One event at a time: the subscriber process timestamps every \`next\` as it reads it, and its latency is
that time minus the time the event was added (both processes read the same clock); p50/p99/max are over the
subscribers, and the row gives the median of the per-event p50s and p99s and the largest max over ${EVENTS}
events (each after the previous one had reached everyone, plus 0.5 s; one untimed event first).
Key only: the subscription selects \`decisionRecorded ${KEY_ONLY}\`, which the gateway answers from the event
without a subgraph fetch; shared: every subscriber sends the same operation with the same identity, so the
gateway executes once and serialises one payload per event; ${GROUPS} groups: the same selection under ${GROUPS}
operation names, so ${GROUPS} executions per event; entity fetch: \`decisionRecorded ${WITH_FETCH}\` for events
about a decision recorded through the gateway beforehand, one \`_entities\` fetch from the ledger subgraph
per event. "Gateway wrote" is from its \`${DELIVERY}\` histogram (from the event's \`occurredAt\`, millisecond
precision, to the write to the last member's socket: the gateway observes it once per event and group) over
the timed events: the share of deliveries in its ≤ 50 ms and ≤ 100 ms buckets.
The reference row is the floor under any fan-out from one process: a process of its own writes one message of
the size of the gateway's \`next\` frame for the same event to each of ${int(HELD)} loopback TCP sockets (\`net\`, no delay
set, as ws sets it) in one loop, and another process timestamps each arrival; medians over ${EVENTS} rounds after one untimed.
(4) ${RATE_SUBSCRIBERS} connections, each subscribed to \`decisionRecorded(filter: { category: "c<i>" }) ${KEY_ONLY}\` with its own
category, so ${RATE_SUBSCRIBERS} groups and each event goes to one subscriber; events added at a fixed rate (open loop,
every 2 ms the events due, in one pipeline), categories in turn, ${WARMUP} s warm-up then ${SECONDS} s measured, each rate
after the previous one was kept up (read ≥ 95% of offered, no backlog left 2 s after). Read/sent are the deltas of
\`${EVENTS_IN}\` and \`${MESSAGES_OUT}\` over the measured window;
received and the latencies are from the subscriber process, for the events added in the window; the gateway
histogram's quantiles are interpolated within its buckets (bounds 1, 2.5, 5, 10, 25, 50, 100, 250 ms, …), and
gateway CPU is the delta of its \`process_cpu_seconds_total\` over the window. Everything,
load processes and Redis included, shares the machine's ${machine.cpus} CPUs.`;
  if (!args['dry-run']) {
    appendSection(BENCHMARKS_MD, section);
    say(`appended to ${BENCHMARKS_MD}`);
  }
}

try {
  await main();
} catch (err) {
  if (!cleaning) console.error(err);
  process.exitCode = 1;
} finally {
  say('stopping everything…');
  await cleanUp();
}
