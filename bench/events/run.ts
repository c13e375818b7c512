/**
 * Events benchmark: an event written in a subgraph transaction → its effect committed by a consumer in
 * the subgraph's schema (exactly once: processed-event record and effect in one transaction).
 * Scenarios, in one run on one database and Redis:
 *   - baseline: a plain loop reading the stream through a consumer group, one transaction per batch read, no BullMQ;
 *   - the workers' host (stream reader → BullMQ partition queues → applier) with one worker process;
 *   - the same with two worker processes.
 * Each: sustained events/s end to end (writers as fast as they go, keys spread over many things), then
 * lag p50/p99 at a fixed offered rate; every effect is checked to exist exactly once.
 * Run with `npm run bench:events -w @ecp/bench` (`-- --help` for options); appends to BENCHMARKS.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { streamKey } from '@ecp/events/event';
import { OutboxRelay } from '@ecp/events/outbox-relay';
import { createLogger } from '@ecp/logging/logger';
import { REPO_ROOT } from '@ecp/platform/repo';
import { createTestDatabase, type TestDatabase } from '@ecp/test-kit/database';
import { childEnv, testEnv } from '@ecp/test-kit/env';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describeMachine, idleShare } from '../common/machine';
import { appendSection, markdownTable, type ResultRow, textTable } from '../common/results-table';
import { BENCH_TABLES, BENCH_TOPIC, benchOutbox } from './bench-work';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '500' },
    'rate-seconds': { type: 'string', default: '10' },
    writers: { type: 'string', default: '16' },
    things: { type: 'string', default: '1000' },
    partitions: { type: 'string', default: '8' },
    scenarios: { type: 'string', default: 'loop,single,host1,host2' },
    'no-write': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(
    'npm run bench:events -w @ecp/bench -- [--events 20000] [--rate 500] [--rate-seconds 10] [--writers 16] [--things 1000] [--partitions 8] [--scenarios loop,single,host1,host2] [--no-write]\n',
  );
  process.exit(0);
}
const EVENTS = Number(args.events);
const RATE = Number(args.rate);
const RATE_SECONDS = Number(args['rate-seconds']);
const WRITERS = Number(args.writers);
const THINGS = Number(args.things);
const say = (line: string) => process.stdout.write(`${line}\n`);
const silent = createLogger({ service: 'bench', level: 'silent' });
const BENCHMARKS_MD = join(REPO_ROOT, 'BENCHMARKS.md');

interface Scenario {
  name: string;
  label: string;
  mode: 'loop' | 'host';
  processes: number;
  /** Events per consumer job (CONSUMER_JOB_EVENTS); 1 is one job and one transaction per event. */
  jobEvents?: number;
}
const ALL: Scenario[] = [
  { name: 'loop', label: 'baseline: plain loop on the stream, no BullMQ', mode: 'loop', processes: 1 },
  {
    name: 'single',
    label: 'workers host, 1 worker process, one event per job',
    mode: 'host',
    processes: 1,
    jobEvents: 1,
  },
  { name: 'host1', label: 'workers host, 1 worker process', mode: 'host', processes: 1 },
  { name: 'host2', label: 'workers host, 2 worker processes', mode: 'host', processes: 2 },
];

async function query<R extends pg.QueryResultRow>(
  db: TestDatabase,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Writers, each on its own connection: transactions of 1–4 changes, each with its event. */
class Writers {
  private seq = 0;
  private clients: pg.Client[] = [];
  constructor(private readonly db: TestDatabase) {}
  async open(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const c = new pg.Client({ connectionString: this.db.url });
      await c.connect();
      this.clients.push(c);
    }
  }
  get written(): number {
    return this.seq;
  }
  async transaction(client: pg.Client, count: number): Promise<void> {
    const items = Array.from({ length: count }, () => ({
      thing: `t${Math.floor(Math.random() * THINGS)}`,
      seq: this.seq++,
    }));
    await client.query('begin');
    await client.query(
      'insert into advisory.bench_change (thing, seq) select * from unnest($1::text[], $2::int[])',
      [items.map((i) => i.thing), items.map((i) => i.seq)],
    );
    await benchOutbox.write(
      client,
      items.map((i) => ({ topic: BENCH_TOPIC, key: { id: i.thing }, attributes: { seq: String(i.seq) } })),
    );
    await client.query('commit');
  }
  /** As fast as the writers go, until `total` events are written. */
  async flat(total: number): Promise<void> {
    const target = this.seq + total;
    await Promise.all(
      this.clients.map(async (c) => {
        while (this.seq < target)
          await this.transaction(c, Math.min(target - this.seq, 1 + Math.floor(Math.random() * 4)));
      }),
    );
  }
  /** `rate` events per second for `seconds`, in transactions sent every 10 ms (open loop). */
  async paced(rate: number, seconds: number): Promise<void> {
    const start = Date.now();
    const first = this.seq;
    const target = first + rate * seconds;
    const inflight = new Set<Promise<void>>();
    const idle = [...this.clients];
    while (this.seq < target) {
      let due = Math.min(target, first + Math.floor(((Date.now() - start) / 1000) * rate)) - this.seq;
      while (due > 0) {
        // Each connection runs one transaction at a time; with none free the writers fall behind (and it shows in lag).
        while (idle.length === 0) await Promise.race(inflight);
        const client = idle.pop()!;
        const n = Math.min(due, 1 + Math.floor(Math.random() * 4));
        due -= n;
        const p: Promise<void> = this.transaction(client, n).finally(() => {
          inflight.delete(p);
          idle.push(client);
        });
        inflight.add(p);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(inflight);
  }
  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.end()));
  }
}

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  // BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the worker processes.
  const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', join(REPO_ROOT, 'bench/events/worker-process.ts')],
    {
      cwd: REPO_ROOT,
      env: { ...childEnv(), ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`bench worker exited with ${code}`)));
  });
}

async function effects(db: TestDatabase): Promise<number> {
  return Number(
    (await query<{ n: string }>(db, 'select count(*) as n from advisory.bench_effect'))[0]?.n ?? 0,
  );
}

async function until(db: TestDatabase, total: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await effects(db);
    if (n >= total) return Date.now();
    if (Date.now() > deadline) throw new Error(`only ${n} of ${total} effects after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface ScenarioResult {
  scenario: Scenario;
  eventsPerSecond: number;
  lagP50: number;
  lagP99: number;
  exactlyOnce: boolean;
}

async function runScenario(db: TestDatabase, scenario: Scenario): Promise<ScenarioResult> {
  await query(db, BENCH_TABLES);
  const id = randomUUID().slice(0, 8);
  const streamPrefix = `ecp:bench:${id}:events:`;
  const queuePrefix = `ecp:bench:${id}:jobs`;
  const consumer = `advisory.bench-${scenario.name}`;
  const redis = new Redis(testEnv.redisUrl, { maxRetriesPerRequest: null });
  const relay = new OutboxRelay({
    databaseUrl: db.url,
    schema: 'advisory',
    redis,
    streamPrefix,
    streamMaxLength: 1_000_000,
    logger: silent,
  });
  await relay.start();
  const workers: ChildProcess[] = [];
  const writers = new Writers(db);
  try {
    for (let i = 0; i < scenario.processes; i++) {
      workers.push(
        await startWorker({
          MODE: scenario.mode,
          CONSUMER: consumer,
          DATABASE_URL: db.url,
          REDIS_URL: testEnv.redisUrl,
          STREAM: streamKey(streamPrefix, 'benchChanged'),
          STREAM_PREFIX: streamPrefix,
          QUEUE_PREFIX: queuePrefix,
          PARTITIONS: String(args.partitions),
          JOB_EVENTS: String(scenario.jobEvents ?? 100),
        }),
      );
    }
    await writers.open(WRITERS);
    // Warm up: a few hundred events through the whole path.
    await writers.flat(500);
    await until(db, 500, 60_000);
    const base = writers.written;
    const t0 = Date.now();
    await writers.flat(EVENTS);
    const done = await until(db, base + EVENTS, 300_000);
    const eventsPerSecond = EVENTS / ((done - t0) / 1000);
    say(`  ${scenario.name}: ${Math.round(eventsPerSecond)} events/s end to end`);
    const lagFrom = writers.written;
    await writers.paced(RATE, RATE_SECONDS);
    await until(db, writers.written, 120_000);
    const [lag] = await query<{ p50: number; p99: number }>(
      db,
      `select percentile_cont(0.5) within group (order by ms) as p50, percentile_cont(0.99) within group (order by ms) as p99
       from (select extract(epoch from committed_at - occurred_at) * 1000 as ms from advisory.bench_effect where seq >= $1) l`,
      [lagFrom],
    );
    const [counts] = await query<{ total: string; distinct_events: string; changes: string }>(
      db,
      'select (select count(*) from advisory.bench_effect) as total, (select count(distinct event_id) from advisory.bench_effect) as distinct_events, (select count(*) from advisory.bench_change) as changes',
    );
    const exactlyOnce = counts?.total === counts?.distinct_events && counts?.total === counts?.changes;
    say(
      `  ${scenario.name}: lag p50 ${lag?.p50.toFixed(1)} ms, p99 ${lag?.p99.toFixed(1)} ms at ${RATE}/s; exactly once: ${exactlyOnce}`,
    );
    return {
      scenario,
      eventsPerSecond,
      lagP50: lag?.p50 ?? Number.NaN,
      lagP99: lag?.p99 ?? Number.NaN,
      exactlyOnce,
    };
  } finally {
    await writers.close();
    for (const w of workers) {
      w.kill('SIGTERM');
      await new Promise((r) => w.once('exit', r));
    }
    await relay.stop();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `ecp:bench:${id}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  }
}

const db = await createTestDatabase();
const cleanup = async () => {
  await db.drop().catch(() => {});
};
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
try {
  const machine = describeMachine();
  const idle = await idleShare(2000);
  say(
    `events benchmark on ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}; idle before start ${idle === undefined ? '?' : `${Math.round(idle * 100)}%`}`,
  );
  const chosen = String(args.scenarios).split(',');
  const results: ScenarioResult[] = [];
  for (const s of ALL.filter((s) => chosen.includes(s.name))) results.push(await runScenario(db, s));
  const baseline = results.find((r) => r.scenario.mode === 'loop');
  const rows: ResultRow[] = [];
  for (const r of results) {
    const ratio =
      baseline && r !== baseline
        ? ` (${(r.eventsPerSecond / baseline.eventsPerSecond).toFixed(2)}× baseline)`
        : '';
    const host = r.scenario.mode === 'host';
    rows.push({
      measure: `${r.scenario.label}: events/s end to end${r.exactlyOnce ? ', every effect once' : ', EFFECTS NOT EXACTLY ONCE'}`,
      result: `${Math.round(r.eventsPerSecond)}${ratio}`,
      target: host ? '≥ 2,000' : '–',
      verdict: host ? (r.eventsPerSecond >= 2000 && r.exactlyOnce ? 'met' : 'MISSED') : '–',
    });
    rows.push({
      measure: `${r.scenario.label}: lag p50 / p99 at ${RATE} events/s`,
      result: `${r.lagP50.toFixed(0)} / ${r.lagP99.toFixed(0)} ms`,
      target: host ? 'p99 ≤ 500 ms' : '–',
      verdict: host ? (r.lagP99 <= 500 ? 'met' : 'MISSED') : '–',
    });
  }
  say('');
  say(textTable(rows));
  if (!args['no-write']) {
    const date = new Date().toISOString().slice(0, 10);
    const section = [
      `## Events: outbox → consumer effect (${date})`,
      '',
      `Machine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, kernel ${machine.kernel}; idle before start ${idle === undefined ? '?' : `${Math.round(idle * 100)}%`}.`,
      `Run: \`npm run bench:events -w @ecp/bench\` — ${EVENTS} events as fast as ${WRITERS} writers go (transactions of 1–4 changes over ${THINGS} things), then ${RATE}/s for ${RATE_SECONDS} s; ${args.partitions} partitions; relay in the benchmark process, workers in their own.`,
      '',
      markdownTable(rows),
    ].join('\n');
    appendSection(BENCHMARKS_MD, section);
    say(`appended to ${BENCHMARKS_MD}`);
  }
} finally {
  await cleanup();
}
process.exit(0);
