/**
 * Transparency Ledger benchmark, in one run:
 *   1. sustained appends/s through LedgerLog in-process (group commit, the service's batch size),
 *      beside the one-transaction-per-append baseline (batchMax 1);
 *   2. append latency at a fixed offered rate (open loop);
 *   3. recordDecision through the gateway, load from a separate process;
 *   4. inclusion-proof latency through ProofService at 10^5 and 10^6 entries (and the bulk load rate);
 *   5. verifier throughput: verifyInclusion of precomputed proofs at 10^6 entries;
 *   6. the full audit of 10^6 entries: read from the database, re-hash, rebuild, check the checkpoint.
 * Prints a table against the targets and appends it to BENCHMARKS.md. Every database it creates is
 * dropped at the end, also on failure or interruption.
 * Run with `npm run bench:ledger -w @ecp/bench` (`-- --help` for options).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEcpClient } from '@ecp/agent-sdk';
import { createLogger } from '@ecp/logging/logger';
import { REPO_ROOT } from '@ecp/platform/repo';
import type { LedgerLog } from '@ecp/subgraph-ledger/bench/ledger-log';
import { logKeys } from '@ecp/subgraph-ledger/bench/log-keys';
import { createTestDatabase, type TestDatabase } from '@ecp/test-kit/database';
import { graphql, TEST_LEDGER_ORIGIN, TEST_LEDGER_SIGNING_KEY } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { describeMachine, idleShare } from '../common/machine';
import { appendSection, markdownTable, type ResultRow, textTable } from '../common/results-table';
import { fullAudit, latestCheckpoint, measureProofs, verifierRate } from './audit';
import { decisionDraft } from './entries';
import { type GraphqlLoadResult, runGraphqlLoad, stopGraphqlLoad } from './graphql-load';
import {
  type AppendRun,
  bulkAppend,
  closedLoop,
  type LogSettings,
  openLedgerOrm,
  openLoop,
  SERVICE_DEFAULTS,
  startLog,
} from './service';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '256' },
    rate: { type: 'string', default: '2000' },
    'graphql-connections': { type: 'string', default: '64' },
    proofs: { type: 'string', default: '2000' },
    small: { type: 'string', default: '100000' },
    large: { type: 'string', default: '1000000' },
    'load-batch': { type: 'string', default: '5000' },
    'load-in-flight': { type: 'string', default: '20000' },
    'audit-page': { type: 'string', default: '20000' },
    'verify-seconds': { type: 'string', default: '3' },
    'dry-run': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(`Usage: npm run bench:ledger -w @ecp/bench -- [options]
  --seconds N              measured seconds of each append run (10)
  --warmup N               warm-up seconds before each append run (3)
  --concurrency N          appends in flight for the sustained runs (256)
  --rate N                 offered appends per second for the latency run (2000)
  --graphql-connections N  connections of the GraphQL load (64)
  --proofs N               proofs timed at each tree size (2000)
  --small N / --large N    the two tree sizes for proofs (100000 / 1000000); the audit uses the large one
  --load-batch N           batchMax while loading the tree (5000)
  --load-in-flight N       appends in flight while loading the tree (20000)
  --audit-page N           entries per page read by the audit (20000)
  --verify-seconds N       seconds of proof verification (3)
  --dry-run                print the table but do not append it to BENCHMARKS.md`);
  process.exit(0);
}
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);
const CONCURRENCY = Number(args.concurrency);
const RATE = Number(args.rate);
const GRAPHQL_CONNECTIONS = Number(args['graphql-connections']);
const PROOFS = Number(args.proofs);
const PROOF_WARMUP = 200;
const SMALL = Number(args.small);
const LARGE = Number(args.large);
const LOAD_BATCH = Number(args['load-batch']);
const LOAD_IN_FLIGHT = Number(args['load-in-flight']);
const AUDIT_PAGE = Number(args['audit-page']);
const VERIFY_SECONDS = Number(args['verify-seconds']);

/** Targets on the reference machine (2 cores). */
const TARGET = {
  appendsPerSecond: 5000,
  appendP99Ms: 50,
  proofP99Ms: 20,
  auditSeconds: 30,
};

const BENCHMARKS_MD = join(REPO_ROOT, 'BENCHMARKS.md');
const logger = createLogger({ service: 'bench-ledger', level: 'warn' });
const keys = logKeys(TEST_LEDGER_ORIGIN, TEST_LEDGER_SIGNING_KEY, []);

// ---------------------------------------------------------------------------------------------------
// Clean-up: every database, ORM, client and process this run starts is stopped, also on SIGINT.

const databases: TestDatabase[] = [];
const orms: MikroORM[] = [];
const clients: pg.Client[] = [];
let stack: Stack | undefined;
let cleaning: Promise<void> | undefined;

function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    stopGraphqlLoad();
    await stack?.stop().catch((err) => console.error('stopping the stack:', err));
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    await Promise.all(orms.map((o) => o.close(true).catch(() => {})));
    await Promise.all(
      databases.map((d) => d.drop().catch((err) => console.error(`dropping ${d.name}:`, err))),
    );
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (cleaning) return;
    console.error(`\n${signal}: stopping and dropping the benchmark's databases…`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function freshDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  databases.push(db);
  return db;
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  // A database dropped at clean-up ends its connections; that is no error.
  client.on('error', () => {});
  await client.connect();
  clients.push(client);
  return client;
}

async function disconnect(client: pg.Client): Promise<void> {
  clients.splice(clients.indexOf(client), 1);
  await client.end();
}

async function dropDatabase(db: TestDatabase, orm?: MikroORM): Promise<void> {
  if (orm) {
    orms.splice(orms.indexOf(orm), 1);
    await orm.close(true);
  }
  await db.drop();
}

const started = performance.now();
const clock = () => `[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s]`;
const say = (line: string) => console.log(`${clock()} ${line}`);
const int = (v: number) => Math.round(v).toLocaleString('en-US');
const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

// ---------------------------------------------------------------------------------------------------
// 1–2: service level

async function withLog<T>(settings: LogSettings, fn: (log: LedgerLog) => Promise<T>): Promise<T> {
  const db = await freshDatabase();
  const orm = await openLedgerOrm(db.url, logger);
  orms.push(orm);
  const log = await startLog(orm, keys, logger, settings);
  try {
    return await fn(log);
  } finally {
    await log.close();
    await dropDatabase(db, orm);
  }
}

function describeRun(r: AppendRun): string {
  return `${int(r.perSecond)} appends/s (p50 ${ms(r.latencyMs.p50)} ms, p99 ${ms(r.latencyMs.p99)} ms${r.failures ? `, ${r.failures} failed` : ''})`;
}

// ---------------------------------------------------------------------------------------------------
// 3: through the gateway

async function graphqlRun(): Promise<GraphqlLoadResult & { entryBytes: number }> {
  say('starting the platform (fresh database, four subgraphs, gateway)…');
  stack = await startStack({ logLevel: 'warn', extraEnv: { AUTH_CACHE_TTL_MS: '30000' } });
  const reg = await graphql<{ registerAgent: { apiKey: string } }>(
    stack.graphqlUrl,
    'mutation { registerAgent(input: { name: "bench-recorder", jurisdictions: ["EU"] }) { apiKey } }',
    {},
    { headers: { authorization: `Bearer ${stack.adminKey}` } },
  );
  const apiKey = reg.body.data?.registerAgent.apiKey;
  if (!apiKey) throw new Error(`registerAgent failed: ${JSON.stringify(reg.body.errors)}`);
  const first = await createEcpClient({ url: stack.graphqlUrl, apiKey }).recordDecision(decisionDraft(0), {
    idempotencyKey: randomUUID(),
  });
  if (first.ledgerIndex !== '0') throw new Error(`recordDecision failed: ${JSON.stringify(first)}`);
  say(`recordDecision through the gateway, ${GRAPHQL_CONNECTIONS} connections, ${WARMUP} s + ${SECONDS} s…`);
  const result = await runGraphqlLoad({
    url: stack.graphqlUrl,
    apiKey,
    connections: GRAPHQL_CONNECTIONS,
    warmupSeconds: WARMUP,
    durationSeconds: SECONDS,
  });
  const client = await connect(stack.db.url);
  const { rows } = await client.query<{ bytes: string }>(
    'select round(avg(length(canonical)))::text as bytes from ledger.entry',
  );
  await disconnect(client);
  await stack.stop();
  stack = undefined;
  return { ...result, entryBytes: Number(rows[0]?.bytes ?? 0) };
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const startedAt = new Date();
  const admin = await freshDatabase();
  const probe = await connect(admin.url);
  const pgVersion =
    (await probe.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]?.v ??
    'unknown';
  const settings = (
    await probe.query<{ name: string; setting: string }>(
      "select name, current_setting(name) as setting from pg_settings where name in ('shared_buffers', 'synchronous_commit', 'fsync', 'wal_level') order by name",
    )
  ).rows
    .map((r) => `${r.name}=${r.setting}`)
    .join(', ');
  await disconnect(probe);
  await admin.drop();
  const machine = { ...describeMachine(), postgres: pgVersion };
  say(
    `machine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, PostgreSQL ${machine.postgres} (${settings})`,
  );
  const idle = await idleShare(2000);
  const idleNote = idle === undefined ? 'unknown' : `${(idle * 100).toFixed(0)}%`;
  say(`CPU idle before measuring: ${idleNote}`);
  if (idle !== undefined && idle < 0.9) {
    console.warn('warning: something else is using the CPUs; the results will understate the machine');
  }

  // 1. Sustained appends/s.
  say(
    `1. sustained appends, group commit (batchMax ${SERVICE_DEFAULTS.batchMax}), ${CONCURRENCY} in flight, ${WARMUP} s + ${SECONDS} s…`,
  );
  const grouped = await withLog(SERVICE_DEFAULTS, (log) => closedLoop(log, CONCURRENCY, WARMUP, SECONDS));
  say(`   ${describeRun(grouped)}`);
  say(`   one transaction per append (batchMax 1), ${CONCURRENCY} in flight, ${WARMUP} s + ${SECONDS} s…`);
  const single = await withLog({ ...SERVICE_DEFAULTS, batchMax: 1 }, (log) =>
    closedLoop(log, CONCURRENCY, WARMUP, SECONDS),
  );
  say(`   ${describeRun(single)}`);
  const ratio = grouped.perSecond / single.perSecond;

  // 2. Latency at a fixed offered rate.
  say(`2. append latency at ${RATE}/s offered (open loop), ${Math.min(WARMUP, 2)} s + ${SECONDS} s…`);
  const paced = await withLog(SERVICE_DEFAULTS, (log) => openLoop(log, RATE, Math.min(WARMUP, 2), SECONDS));
  say(`   ${describeRun(paced)}`);

  // 3. Through GraphQL.
  const viaGraphql = await graphqlRun();
  say(
    `   ${int(viaGraphql.perSecond)} recordDecision/s (p50 ${ms(viaGraphql.latencyMs.p50)} ms, p99 ${ms(viaGraphql.latencyMs.p99)} ms, ${viaGraphql.failures} failed; entries ${viaGraphql.entryBytes} bytes)`,
  );
  if (viaGraphql.firstFailure) console.warn(`   first failure: ${viaGraphql.firstFailure}`);

  // 4. Proofs at 10^5 and 10^6 entries.
  const load = { batchMax: LOAD_BATCH, checkpointIntervalMs: 1000, checkpointEveryEntries: 10_000 };
  const db = await freshDatabase();
  const orm = await openLedgerOrm(db.url, logger);
  orms.push(orm);
  const raw = await connect(db.url);
  /** Appends up to `size` entries, then reopens the log so a checkpoint is signed at exactly that size. */
  const loadTo = async (size: number): Promise<number> => {
    const log = await startLog(orm, keys, logger, load);
    const from = Number(log.size);
    say(
      `4. loading ${int(from)} → ${int(size)} entries (batchMax ${LOAD_BATCH}, ${LOAD_IN_FLIGHT} in flight)…`,
    );
    const seconds = await bulkAppend(log, size - from, LOAD_IN_FLIGHT, (done, s) =>
      say(`   ${int(from + done)} entries, ${int(done / s)} appends/s`),
    );
    await log.close();
    const reopened = await startLog(orm, keys, logger, load);
    await reopened.close();
    const cp = await latestCheckpoint(raw);
    if (cp.treeSize !== BigInt(size)) throw new Error(`latest checkpoint at ${cp.treeSize}, not ${size}`);
    const rate = (size - from) / seconds;
    say(`   loaded in ${seconds.toFixed(1)} s: ${int(rate)} appends/s`);
    return rate;
  };
  const proofsAt = async (size: number) => {
    say(`   ${PROOFS} inclusion proofs through ProofService at ${int(size)} entries…`);
    const run = await measureProofs(orm, size, PROOFS, PROOF_WARMUP);
    say(
      `   p50 ${ms(run.latencyMs.p50)} ms, p99 ${ms(run.latencyMs.p99)} ms, max ${ms(run.latencyMs.max)} ms`,
    );
    return run;
  };
  const loadSmall = await loadTo(SMALL);
  const proofsSmall = await proofsAt(SMALL);
  const loadLarge = await loadTo(LARGE);
  const { rows: sizeRows } = await raw.query<{ bytes: string; entry_bytes: string }>(
    `select pg_database_size(current_database())::text as bytes,
            round(avg(length(canonical)))::text as entry_bytes from ledger.entry`,
  );
  const databaseBytes = Number(sizeRows[0]?.bytes ?? 0);
  const entryBytes = Number(sizeRows[0]?.entry_bytes ?? 0);
  say(
    `   database ${int(databaseBytes / 2 ** 20)} MiB, entries ${entryBytes} bytes of canonical JSON on average`,
  );
  const proofsLarge = await proofsAt(LARGE);

  // 5. Verifier throughput.
  const checkpoint = await latestCheckpoint(raw);
  say(`5. verifyInclusion of ${PROOFS} precomputed proofs at ${int(LARGE)} entries, ${VERIFY_SECONDS} s…`);
  const verifier = await verifierRate(raw, proofsLarge.proofs, checkpoint.root, VERIFY_SECONDS);
  say(`   ${int(verifier.perSecond)} proofs/s (${verifier.meanProofLength.toFixed(1)} hashes per proof)`);

  // 6. Full audit.
  say(`6. full audit of ${int(LARGE)} entries (pages of ${int(AUDIT_PAGE)})…`);
  const audit = await fullAudit(raw, checkpoint, keys.verifiers, keys.origin, AUDIT_PAGE, (n) =>
    say(`   ${int(n)} entries`),
  );
  if (!audit.report.ok || audit.entries !== LARGE) {
    const findings = audit.report.findings.slice(0, 5).map((f) => f.message);
    throw new Error(`the audit failed (${audit.entries} entries read): ${findings.join('; ')}`);
  }
  say(
    `   ${audit.totalSeconds.toFixed(1)} s (read ${audit.readSeconds.toFixed(1)} s, hash and tree ${audit.hashSeconds.toFixed(1)} s), ${int(audit.bytes / 2 ** 20)} MiB`,
  );
  await disconnect(raw);
  await dropDatabase(db, orm);

  // ---------------------------------------------------------------------------------------------------
  const rows: ResultRow[] = [
    {
      measure: `1. appends/s sustained, service level, group commit (batchMax ${SERVICE_DEFAULTS.batchMax}, ${CONCURRENCY} in flight)`,
      result: describeRun(grouped),
      target: `≥ ${int(TARGET.appendsPerSecond)}/s`,
      verdict: verdict(grouped.perSecond >= TARGET.appendsPerSecond),
    },
    {
      measure: `1. appends/s, one transaction per append (batchMax 1, ${CONCURRENCY} in flight)`,
      result: describeRun(single),
      target: '– (baseline)',
      verdict: '–',
    },
    {
      measure: '1. group commit / one transaction per append',
      result: `${ratio.toFixed(1)}×`,
      target: '–',
      verdict: '–',
    },
    {
      measure: `2. append latency at ${int(RATE)}/s offered (open loop), service level`,
      result: `p50 ${ms(paced.latencyMs.p50)} ms, p99 ${ms(paced.latencyMs.p99)} ms (max ${ms(paced.latencyMs.max)} ms; ${int(paced.perSecond)}/s completed${paced.failures ? `, ${paced.failures} failed` : ''})`,
      target: `p99 ≤ ${TARGET.appendP99Ms} ms`,
      verdict: verdict(paced.latencyMs.p99 <= TARGET.appendP99Ms && paced.failures === 0),
    },
    {
      measure: `3. recordDecision through the gateway (${GRAPHQL_CONNECTIONS} connections, closed loop)`,
      result: `${int(viaGraphql.perSecond)}/s (p50 ${ms(viaGraphql.latencyMs.p50)} ms, p99 ${ms(viaGraphql.latencyMs.p99)} ms${viaGraphql.failures ? `, ${viaGraphql.failures} failed` : ''})`,
      target: '–',
      verdict: '–',
    },
    {
      measure: `4. bulk load, batchMax ${LOAD_BATCH}, ${int(LOAD_IN_FLIGHT)} in flight`,
      result: `0 → ${int(SMALL)}: ${int(loadSmall)}/s; ${int(SMALL)} → ${int(LARGE)}: ${int(loadLarge)}/s`,
      target: '–',
      verdict: '–',
    },
    {
      measure: `4. inclusion proof via ProofService at ${int(SMALL)} entries (${PROOFS} random indexes)`,
      result: `p50 ${ms(proofsSmall.latencyMs.p50)} ms, p99 ${ms(proofsSmall.latencyMs.p99)} ms`,
      target: '–',
      verdict: '–',
    },
    {
      measure: `4. inclusion proof via ProofService at ${int(LARGE)} entries (${PROOFS} random indexes)`,
      result: `p50 ${ms(proofsLarge.latencyMs.p50)} ms, p99 ${ms(proofsLarge.latencyMs.p99)} ms`,
      target: `p99 ≤ ${TARGET.proofP99Ms} ms`,
      verdict: verdict(proofsLarge.latencyMs.p99 <= TARGET.proofP99Ms),
    },
    {
      measure: `5. verifyInclusion at ${int(LARGE)} entries, in-process`,
      result: `${int(verifier.perSecond)} proofs/s`,
      target: '–',
      verdict: '–',
    },
    {
      measure: `6. full audit of ${int(LARGE)} entries (LogAuditor against the latest signed checkpoint)`,
      result: `${audit.totalSeconds.toFixed(1)} s (read ${audit.readSeconds.toFixed(1)} s + hash and tree ${audit.hashSeconds.toFixed(1)} s)`,
      target: `< ${TARGET.auditSeconds} s`,
      verdict: verdict(audit.totalSeconds < TARGET.auditSeconds),
    },
  ];
  console.log(`\n${textTable(rows)}\n`);

  const section = `## Transparency Ledger — ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC

Machine: ${machine.cpus} × ${machine.cpuModel} (\`nproc\` = ${machine.cpus}), Linux ${machine.kernel}, Node ${machine.node},
PostgreSQL ${machine.postgres} on the same machine (${settings}); CPU idle just before measuring: ${idleNote}.

${markdownTable(rows)}

How it was run: \`npm run bench:ledger -w @ecp/bench\`, one run, every part on a fresh migrated database
(dropped afterwards). Appended entries are decision-shaped, ${entryBytes} bytes of canonical JSON on average
(${viaGraphql.entryBytes} bytes for the decisions recorded through GraphQL).
(1) \`LedgerLog\` in the benchmark's process, with the ledger service's settings (checkpoint every
${int(SERVICE_DEFAULTS.checkpointEveryEntries)} entries or ${SERVICE_DEFAULTS.checkpointIntervalMs} ms), ${CONCURRENCY} appenders each appending again as soon as its
last append committed; appends committed in the ${SECONDS} s after a ${WARMUP} s warm-up; the baseline is the same
with \`batchMax: 1\`, one transaction per append. Latencies are from \`append()\` to its commit.
(2) Open loop: appends issued on a fixed schedule of ${int(RATE)}/s whatever the completions, latency measured
from each append's scheduled time, ${SECONDS} s after a ${Math.min(WARMUP, 2)} s warm-up.
(3) The platform as separate processes (four subgraphs, gateway, log level \`warn\`, 30 s API-key cache);
an agent registered through the gateway; a load process of its own sending \`recordDecision\` over
${GRAPHQL_CONNECTIONS} keep-alive connections, each request with a fresh idempotency key, so every one appends;
answers within the ${SECONDS} s after a ${WARMUP} s warm-up.
(4) The tree loaded by \`LedgerLog\` appends (\`batchMax\` ${LOAD_BATCH}, ${int(LOAD_IN_FLIGHT)} in flight), the log reopened so a
checkpoint is signed at exactly ${int(SMALL)} and ${int(LARGE)} entries (database ${int(databaseBytes / 2 ** 20)} MiB at ${int(LARGE)});
then ${PROOFS} proofs for uniformly random indexes (after ${PROOF_WARMUP} untimed) through \`ProofService.inclusion\`
against the latest checkpoint, one at a time, each on a fresh EntityManager fork as a request gets it.
(5) \`verifyInclusion\` of the ${PROOFS} proofs from (4) at ${int(LARGE)} entries (${verifier.meanProofLength.toFixed(1)} hashes each) with their
stored leaf hashes against the checkpoint's root, round and round for ${VERIFY_SECONDS} s.
(6) Every entry's canonical bytes read in index order, ${int(AUDIT_PAGE)} per query
(\`select index, canonical from ledger.entry where index >= $1 order by index limit $2\`, ${int(audit.bytes / 2 ** 20)} MiB),
fed to \`LogAuditor\` (re-hash every entry, rebuild the tree, compare the root with the latest signed
checkpoint, signature checked); reading and hashing alternate, so the two times add up. Everything shares
the machine's ${machine.cpus} CPUs with PostgreSQL.`;
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
  await cleanUp();
  say('databases dropped');
}
