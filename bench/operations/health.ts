/**
 * The health-check benchmark (`npm run bench:operations:health -w @ecp/bench`): 1,000 environments on
 * loopback HTTP servers (20 servers, 50 environments each), 200 of them answering after 2 s, checked
 * in one run by the scheduled job's processor (`operations.check-environments`) with its defaults
 * (HEALTH_CHECK_CONCURRENCY 50, HEALTH_CHECK_TIMEOUT_MS 10 s), against the operations subgraph's
 * migrated database. Several runs one after the other: each one's time, and RSS and heap before,
 * after and at their peak (sampled every 100 ms), so that memory is seen to stay flat from run to run.
 *
 * Results are printed and appended to BENCHMARKS.md with the machine and date.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { JobProducer } from '@ecp/jobs/job-producer';
import { createLogger } from '@ecp/logging/logger';
import { REPO_ROOT } from '@ecp/platform/repo';
import { work } from '@ecp/subgraph-operations/jobs';
import { operationsSubgraph } from '@ecp/subgraph-operations/subgraph';
import { testEnv } from '@ecp/test-kit/env';
import { startSubgraph, testSubgraphConfig } from '@ecp/test-kit/subgraph';
import { Redis } from 'ioredis';
import { describeMachine, idleShare } from '../common/machine';
import { appendSection, markdownTable, type ResultRow, textTable } from '../common/results-table';

const { values: args } = parseArgs({
  options: {
    environments: { type: 'string', default: '1000' },
    slow: { type: 'string', default: '200' },
    'slow-ms': { type: 'string', default: '2000' },
    runs: { type: 'string', default: '3' },
    'no-write': { type: 'boolean', default: false },
  },
});
const ENVIRONMENTS = Number(args.environments);
const SLOW = Number(args.slow);
const SLOW_MS = Number(args['slow-ms']);
const RUNS = Number(args.runs);
const SERVERS = 20;
const TARGET_S = 60;
const say = (line: string) => console.log(line);
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

/** Memory sampled while a run goes on. */
function sampleMemory(everyMs: number) {
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const { rss, heapUsed } = process.memoryUsage();
    peakRss = Math.max(peakRss, rss);
    peakHeap = Math.max(peakHeap, heapUsed);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { peakRss, peakHeap };
    },
  };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const machine = describeMachine();
  say(`machine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`);
  const idle = await idleShare(2000);
  say(`CPU idle before measuring: ${idle === undefined ? 'unknown' : `${(idle * 100).toFixed(0)}%`}`);

  // Environments i ≡ 0 (mod 5) are slow: spread over every server.
  const slowEvery = Math.max(1, Math.round(ENVIRONMENTS / SLOW));
  const isSlow = (i: number) => i % slowEvery === 0 && Math.floor(i / slowEvery) < SLOW;
  const servers: Server[] = [];
  for (let s = 0; s < SERVERS; s++) {
    const server = createServer((req, res) => {
      const i = Number((req.url ?? '/').slice(1));
      const answer = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'ok', items: [i] }));
      };
      if (isSlow(i)) setTimeout(answer, SLOW_MS);
      else answer();
    });
    server.keepAliveTimeout = 5_000;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.push(server);
  }

  const prefix = `ecp:bench:${Date.now()}:`;
  // The workers' processor as they run it: its settings from this process's environment (defaults).
  const job = work.jobs.find((j) => j.queue === 'operations.check-environments');
  if (!job) throw new Error('operations.check-environments is not among the operations jobs');
  const settings = {
    HEALTH_CHECK_CONCURRENCY: process.env.HEALTH_CHECK_CONCURRENCY ?? '50',
    HEALTH_CHECK_TIMEOUT_MS: process.env.HEALTH_CHECK_TIMEOUT_MS ?? '10000',
  };
  const sg = await startSubgraph(
    () => operationsSubgraph({ redisUrl: testEnv.redisUrl, queuePrefix: `${prefix}q` }),
    (url) => ({ ...testSubgraphConfig(url), DB_POOL_MAX: 10 }),
  );
  const redis = new Redis(testEnv.redisUrl, { maxRetriesPerRequest: null });
  const producer = new JobProducer(redis, `${prefix}q`);
  const logger = createLogger({ service: 'bench', level: 'silent' });
  try {
    const connection = sg.em().getConnection();
    const rows = Array.from({ length: ENVIRONMENTS }, (_, i) => {
      const port = (servers[i % SERVERS]!.address() as AddressInfo).port;
      return [`env-${String(i).padStart(4, '0')}`, `http://127.0.0.1:${port}/${i}`];
    });
    await connection.execute(
      `insert into operations.environment (id, name, url, conditions, latency_objective_ms, created_by)
       select gen_random_uuid(), n, u, '{"$.status == \\"ok\\"","$.items.length > 0"}', 1000, 'bench'
       from unnest(?::text[], ?::text[]) as t(n, u)`,
      [`{${rows.map((r) => r[0]).join(',')}}`, `{${rows.map((r) => r[1]).join(',')}}`],
    );
    say(
      `${ENVIRONMENTS} environments on ${SERVERS} loopback servers, ${SLOW} answering after ${SLOW_MS} ms; concurrency ${settings.HEALTH_CHECK_CONCURRENCY}, timeout ${settings.HEALTH_CHECK_TIMEOUT_MS} ms`,
    );

    const results: {
      seconds: number;
      checked: number;
      failed: number;
      slow: number;
      before: NodeJS.MemoryUsage;
      after: NodeJS.MemoryUsage;
      peakRss: number;
      peakHeap: number;
    }[] = [];
    for (let run = 1; run <= RUNS; run++) {
      global.gc?.();
      const before = process.memoryUsage();
      const memory = sampleMemory(100);
      const started = performance.now();
      const summary = (await job.process(
        {},
        {
          orm: sg.built.orm,
          outbox: sg.built.platform.outbox,
          services: sg.built.platform.services,
          jobs: producer,
          logger,
          job: { id: `bench-${run}`, queue: job.queue, attempt: 1 },
        },
      )) as { checked: number; failed: number; slow: number; pruned: number };
      const seconds = (performance.now() - started) / 1000;
      const { peakRss, peakHeap } = memory.stop();
      const after = process.memoryUsage();
      results.push({ seconds, ...summary, before, after, peakRss, peakHeap });
      say(
        `run ${run}: ${summary.checked} checked in ${seconds.toFixed(1)} s (${summary.failed} failed, ${summary.slow} slow); RSS ${mb(before.rss)} → ${mb(after.rss)} MB (peak ${mb(peakRss)}), heap ${mb(before.heapUsed)} → ${mb(after.heapUsed)} MB (peak ${mb(peakHeap)})`,
      );
    }

    const first = results[0]!;
    const table: ResultRow[] = [
      ...results.map(
        (r, i): ResultRow => ({
          measure: `run ${i + 1}: ${ENVIRONMENTS} environments (${SLOW} answering after ${SLOW_MS / 1000} s) checked, concurrency ${settings.HEALTH_CHECK_CONCURRENCY}`,
          result: `${r.seconds.toFixed(1)} s (${r.checked} checked, ${r.failed} failed, ${r.slow} slow)`,
          target: `< ${TARGET_S} s`,
          verdict: r.seconds < TARGET_S && r.checked === ENVIRONMENTS && r.failed === 0 ? 'met' : 'MISSED',
        }),
      ),
      ...results.map(
        (r, i): ResultRow => ({
          measure: `run ${i + 1}: RSS before → after (peak); heap used before → after (peak)`,
          result: `${mb(r.before.rss)} → ${mb(r.after.rss)} MB (${mb(r.peakRss)}); ${mb(r.before.heapUsed)} → ${mb(r.after.heapUsed)} MB (${mb(r.peakHeap)})`,
          target: i === 0 ? '–' : 'flat',
          verdict:
            i === 0
              ? '–'
              : r.peakRss <= first.peakRss * 1.2 && r.peakHeap <= first.peakHeap * 1.5
                ? 'met'
                : 'MISSED',
        }),
      ),
    ];
    say('');
    say(textTable(table));
    if (!args['no-write']) {
      const stamp = `${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
      appendSection(
        join(REPO_ROOT, 'BENCHMARKS.md'),
        `## Operations: health checks — ${stamp}

Machine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, Linux ${machine.kernel}; CPU idle before: ${idle === undefined ? 'unknown' : `${(idle * 100).toFixed(0)}%`}.
The scheduled check's processor (\`operations.check-environments\`, \`npm run bench:operations:health -w @ecp/bench\`)
in one process with ${SERVERS} loopback HTTP servers holding ${ENVIRONMENTS} environments (two body conditions
each, a 1 s latency objective), ${SLOW} of them answering after ${SLOW_MS / 1000} s; each result is written in its
own transaction (run, counters, alerts) to the operations schema. ${RUNS} runs one after the other in the
same process; memory is the whole process's (servers included).

${markdownTable(table)}`,
      );
    }
  } finally {
    await producer.close();
    redis.disconnect();
    await sg.stop();
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  }
}

await main();
