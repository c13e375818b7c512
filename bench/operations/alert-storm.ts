/**
 * An alert storm (`npm run bench:operations:alerts -w @ecp/bench`): 10,000 firing alerts raised
 * within one minute across 50 groups (three rules, varied labels), written through `fireAlert` into
 * a migrated database as the health checks and consumers write them, while the flush processor runs
 * on the groups that are due, on a simulated clock moving in steps of one second (so the minute and
 * the 5-minute group-interval pass without waiting). The real work is measured: every alert's
 * transaction, every flush, every notification and delivery row, every delayed job on a real BullMQ
 * queue.
 *
 * Printed: alerts raised, groups, notifications and deliveries written, the most notifications one
 * group got within one group-interval (must be 1), time taken and memory. Appended to BENCHMARKS.md.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { JobProducer } from '@ecp/jobs/job-producer';
import { REPO_ROOT } from '@ecp/platform/repo';
import { dueGroups, flushAlertGroup } from '@ecp/subgraph-operations/bench/alert-groups';
import { type AlertSignal, fireAlert } from '@ecp/subgraph-operations/bench/alert-sink';
import { operationsSettings } from '@ecp/subgraph-operations/bench/settings';
import { operationsSubgraph } from '@ecp/subgraph-operations/subgraph';
import { testEnv } from '@ecp/test-kit/env';
import { startSubgraph, testSubgraphConfig } from '@ecp/test-kit/subgraph';
import { Redis } from 'ioredis';
import { describeMachine } from '../common/machine';
import { appendSection, markdownTable, type ResultRow, textTable } from '../common/results-table';

const ALERTS = Number(process.env.BENCH_ALERTS ?? 10_000);
const RAISE_WINDOW_MS = 60_000;
const STEP_MS = 1_000;
/** How long after the storm the clock runs on: two group-intervals, to see the groups' updates. */
const AFTER_MS = 11 * 60_000;
const WRITERS = 16;
const say = (line: string) => console.log(line);
const int = (x: number) => Math.round(x).toLocaleString('en-US');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** 50 groups: 20 queues, 15 environments (slow), 15 jurisdictions; each alert its own instance. */
function signal(i: number): AlertSignal {
  const g = i % 50;
  const instance = `i-${i}`;
  if (g < 20) {
    return {
      rule: 'queue-backing-up',
      labels: { queue: `queue-${g}`, worker: instance },
      summary: `queue-${g} backing up on ${instance}`,
    };
  }
  if (g < 35) {
    return {
      rule: 'environment-slow',
      labels: { environment: `env-${g}`, region: `r${i % 3}`, check: instance },
      summary: `env-${g} slow from ${instance}`,
      value: 1000 + (i % 900),
    };
  }
  return {
    rule: 'divergence-threshold-exceeded',
    labels: { jurisdiction: `EU/J${g}`, decision: instance },
    summary: `decision ${instance} diverged`,
    value: 0.5 + (i % 50) / 100,
  };
}

async function main(): Promise<void> {
  const settings = operationsSettings({});
  const prefix = `ecp:bench:${randomUUID()}:`;
  let clock = new Date('2026-12-04T10:00:00Z');
  const start = clock.getTime();
  const sg = await startSubgraph(
    () =>
      operationsSubgraph({
        redisUrl: testEnv.redisUrl,
        queuePrefix: `${prefix}q`,
        settings,
        now: () => clock,
      }),
    (url) => ({ ...testSubgraphConfig(url), DB_POOL_MAX: WRITERS + 4 }),
  );
  const redis = new Redis(testEnv.redisUrl, { maxRetriesPerRequest: null });
  const producer = new JobProducer(redis, `${prefix}q`);
  let peakRss = 0;
  let peakHeap = 0;
  const sample = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 100);
  try {
    const sql = sg.em().getConnection();
    for (const [name, kind, target] of [
      ['ops-email', 'EMAIL', 'ops@example.org'],
      ['ops-slack', 'SLACK', 'https://hooks.slack.example/services/T/B/X'],
      ['ops-github', 'GITHUB', 'example/ops'],
    ]) {
      await sql.execute(
        'insert into operations.channel (id, name, kind, target, enabled, created_by) values (?, ?, ?, ?, true, ?)',
        [randomUUID(), name, kind, target, 'bench'],
      );
    }
    const runtime = { jobs: producer, settings, now: () => clock };
    const outbox = sg.built.platform.outbox!;
    const memoryBefore = process.memoryUsage().rss;
    const loadBefore = loadavg()[0] ?? 0;
    // The machine's database round trip, as context for the figures below.
    const rt = performance.now();
    for (let i = 0; i < 200; i++) await sql.execute('select 1');
    const roundTripMs = (performance.now() - rt) / 200;

    let raised = 0;
    let raiseMs = 0;
    let flushMs = 0;
    let flushRuns = 0;
    const flushDue = async () => {
      const t = performance.now();
      for (const id of await dueGroups(sg.em(), clock, 1000)) {
        await flushAlertGroup(sg.em(), runtime, id);
        flushRuns++;
      }
      flushMs += performance.now() - t;
    };
    say(`raising ${int(ALERTS)} alerts over ${RAISE_WINDOW_MS / 1000} s (simulated), ${WRITERS} writers…`);
    const perStep = Math.ceil((ALERTS * STEP_MS) / RAISE_WINDOW_MS);
    for (let at = start; at < start + RAISE_WINDOW_MS + AFTER_MS; at += STEP_MS) {
      clock = new Date(at);
      const batch = Array.from({ length: Math.min(perStep, ALERTS - raised) }, (_, k) => raised + k);
      if (batch.length > 0) {
        const t = performance.now();
        let next = 0;
        await Promise.all(
          Array.from({ length: WRITERS }, async () => {
            while (next < batch.length) {
              const i = batch[next++]!;
              await sg.em().transactional((tx) => fireAlert({ tx, outbox, runtime }, signal(i)));
            }
          }),
        );
        raised += batch.length;
        raiseMs += performance.now() - t;
      }
      await flushDue();
    }

    const [counts] = await sql.execute<
      { groups: number; notifications: number; deliveries: number; firing: number }[]
    >(
      `select (select count(*)::int from operations.alert_group) as groups,
              (select count(*)::int from operations.notification where kind = 'ALERT') as notifications,
              (select count(*)::int from operations.delivery) as deliveries,
              (select count(*)::int from operations.alert where status = 'FIRING') as firing`,
    );
    // The most notifications one group got within any window of one group-interval.
    const [worst] = await sql.execute<{ most: number }[]>(
      `select coalesce(max(n), 0)::int as most from (
         select count(*) over (partition by a.thread_key order by a.created_at
                               range between current row and interval '${settings.ALERT_GROUP_INTERVAL_MS - 1} milliseconds' following) as n
           from operations.notification a where a.kind = 'ALERT') w`,
    );
    const jobCounts = await producer.queue('operations.flush-alert-group').getJobCounts('delayed', 'waiting');
    const deliverJobs = await producer.queue('operations.deliver').getJobCounts('waiting', 'delayed');
    const memoryAfter = process.memoryUsage().rss;
    const windowMin = (RAISE_WINDOW_MS + AFTER_MS) / 60_000;
    const allowed =
      counts!.groups * (1 + Math.floor((RAISE_WINDOW_MS + AFTER_MS) / settings.ALERT_GROUP_INTERVAL_MS));
    const rows: ResultRow[] = [
      {
        measure: 'alerts raised (firing at the end)',
        result: `${int(raised)} (${int(counts!.firing)})`,
        target: '10,000 in one simulated minute',
        verdict: raised === ALERTS ? 'met' : 'MISSED',
      },
      { measure: 'groups', result: int(counts!.groups), target: '–', verdict: '–' },
      {
        measure: `notifications written over ${windowMin} simulated minutes`,
        result: int(counts!.notifications),
        target: `≤ ${int(allowed)} (one per group per group-interval)`,
        verdict: counts!.notifications <= allowed ? 'met' : 'MISSED',
      },
      {
        measure: 'most notifications of one group within one group-interval',
        result: int(worst!.most),
        target: '1',
        verdict: worst!.most <= 1 ? 'met' : 'MISSED',
      },
      {
        measure: 'deliveries written (3 channels)',
        result: int(counts!.deliveries),
        target: '–',
        verdict: '–',
      },
      {
        measure: 'delivery jobs enqueued',
        result: int((deliverJobs.waiting ?? 0) + (deliverJobs.delayed ?? 0)),
        target: '–',
        verdict: '–',
      },
      {
        measure: 'flush timers pending (delayed jobs)',
        result: int((jobCounts.delayed ?? 0) + (jobCounts.waiting ?? 0)),
        target: '–',
        verdict: '–',
      },
      {
        measure: 'raising: time, alerts/s',
        result: `${(raiseMs / 1000).toFixed(1)} s, ${int(raised / (raiseMs / 1000))}/s`,
        target: '< 60 s',
        verdict: raiseMs < 60_000 ? 'met' : 'MISSED',
      },
      {
        measure: 'machine load average (1 min) before → after',
        result: `${loadBefore.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)}`,
        target: '–',
        verdict: '–',
      },
      {
        measure: 'database round trip (select 1), mean',
        result: `${roundTripMs.toFixed(2)} ms`,
        target: '–',
        verdict: '–',
      },
      {
        measure: 'flushing: runs, time',
        result: `${int(flushRuns)}, ${(flushMs / 1000).toFixed(2)} s`,
        target: '–',
        verdict: '–',
      },
      {
        measure: 'memory: RSS before → after, peak; peak heap',
        result: `${mib(memoryBefore)} → ${mib(memoryAfter)}, ${mib(peakRss)}; ${mib(peakHeap)}`,
        target: '–',
        verdict: '–',
      },
    ];
    say(textTable(rows));
    const m = describeMachine();
    const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
    appendSection(
      join(REPO_ROOT, 'BENCHMARKS.md'),
      `## Operations: alert storm — ${when} UTC

${m.cpus} vCPU ${m.cpuModel}, Node ${m.node}, Linux ${m.kernel}; PostgreSQL and Redis on the same machine.
\`npm run bench:operations:alerts -w @ecp/bench\`: ${int(ALERTS)} firing alerts raised by ${WRITERS} concurrent
writers (\`fireAlert\`, one transaction each) within one simulated minute across 50 groups (20 queues, 15
environments, 15 jurisdictions; every alert its own labels), the flush processor run on the due groups
every simulated second for ${windowMin} minutes; group-wait 30 s, group-interval 5 min, repeat 4 h.

${markdownTable(rows)}
`,
    );
  } finally {
    clearInterval(sample);
    await producer.close();
    await sg.stop();
    const keys = await redis.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    redis.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
