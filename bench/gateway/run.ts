/**
 * Gateway benchmark: one agent query, measured in one run against the same subgraphs and database
 *   (a)  its ledger-only part, sent straight to the ledger subgraph;
 *   (b)  the whole query (ledger + learning-consortium) through ECP's gateway with its defaults,
 *        which share one subgraph request among identical in-flight queries of the same caller;
 *   (b⁻) the same through a second ECP gateway process with that deduplication off
 *        (`SUBGRAPH_DEDUPLICATION=false`), so every request reaches the subgraphs;
 *   (c)  the whole query through Hive Gateway on the same supergraph with its in-flight
 *        deduplication off, every request reaching the subgraphs as with (b⁻);
 *   (c*) the same with Hive Gateway's defaults, which merge identical concurrent subgraph fetches;
 * at maximum throughput, then (b), (b⁻) and (c) at a fixed offered rate (paced two ways, see the
 * section text below). Like for like: (b) against (c*), (b⁻) against (c). Prints a table and
 * appends it to BENCHMARKS.md. Run with `npm run bench:gateway -w @ecp/bench` (`-- --help` for options).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { IDENTITY_HEADER, signIdentity } from '@ecp/identity/identity-header';
import { servicePrincipal } from '@ecp/identity/principal';
import { REPO_ROOT } from '@ecp/platform/repo';
import { graphql } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import pg from 'pg';
import { describeMachine, idleShare } from '../common/machine';
import { deduplicatedFetches, type RunningEcpGateway, startEcpGateway } from './ecp-gateway';
import { type RunningHiveGateway, startHiveGateway } from './hive-gateway';
import { type LoadResult, type LoadSpec, runLoad, stopLoad } from './load';
import { appendSection, markdownTable, type Row, textTable } from './report';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    rate: { type: 'string', default: '300' },
    'rate-connections': { type: 'string', default: '10' },
    'dry-run': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(`Usage: npm run bench:gateway -w @ecp/bench -- [options]
  --seconds N            measured seconds per run (10)
  --warmup N             warm-up seconds before each run (3)
  --connections N        connections for the maximum-throughput runs (32)
  --rate N               offered requests per second for the fixed-rate runs (300)
  --rate-connections N   connections sharing the fixed rate (10)
  --dry-run              print the table but do not append it to BENCHMARKS.md`);
  process.exit(0);
}
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);
const CONNECTIONS = Number(args.connections);
const RATE = Number(args.rate);
const RATE_CONNECTIONS = Number(args['rate-connections']);
/**
 * Targets: ECP's gateway at least as fast as Hive Gateway configured alike at maximum throughput
 * (b/c* and b⁻/c ≥ 1.0); p95 ≤ 25 ms through ECP's gateway (b) at the fixed rate.
 */
const TARGET_RATIO = 1.0;
const TARGET_P95_MS = 25;

/** How the stack's processes run; the second ECP gateway gets the same, so only the flag differs. */
const STACK_LOG_LEVEL = 'warn';
const STACK_ENV = {
  // The production key-cache lifetime, not the test kit's 1 s.
  AUTH_CACHE_TTL_MS: '30000',
  // What the test kit sets for its processes anyway; named here so that both gateways surely get it.
  SHUTDOWN_DEADLINE_MS: '3000',
};
const SUPERGRAPH = join(REPO_ROOT, 'schema/supergraph.graphql');
const RESULTS_DIR = join(REPO_ROOT, 'bench/results');
const BENCHMARKS_MD = join(REPO_ROOT, 'BENCHMARKS.md');
const SUBGRAPHS = ['ledger', 'advisory', 'learning-consortium', 'operations'];
const FULL_QUERY =
  'query BenchAgent($id: ID!) { agent(id: $id) { id name roles jurisdictions calibration { reports brierScore } } }';
const LEDGER_QUERY = 'query BenchAgent($id: ID!) { agent(id: $id) { id name roles jurisdictions } }';
const OUTCOME_REPORTS = 40;

/** Closed-loop maximum throughput, or the fixed rate paced by autocannon (`burst`) or spread. */
type Load = 'max' | 'burst' | 'spread';

type TargetKey = 'a' | 'b' | 'b⁻' | 'c' | 'c*';
/** The key as it appears in raw-result file names. */
const FILE_KEY: Record<TargetKey, string> = { a: 'a', b: 'b', 'b⁻': 'bminus', c: 'c', 'c*': 'cstar' };

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  query: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

/** Registers the agent the query asks about and gives it outcome reports, so calibration is computed. */
async function seedAgent(stack: Stack): Promise<{ id: string; apiKey: string }> {
  const res = await graphql<{ registerAgent: { apiKey: string; agent: { id: string } } }>(
    stack.graphqlUrl,
    'mutation { registerAgent(input: { name: "bench-agent", jurisdictions: ["EU"] }) { apiKey agent { id } } }',
    {},
    { headers: { authorization: `Bearer ${stack.adminKey}` } },
  );
  const registered = res.body.data?.registerAgent;
  if (!registered) throw new Error(`registerAgent failed: ${JSON.stringify(res.body.errors)}`);
  const client = new pg.Client({ connectionString: stack.db.url });
  await client.connect();
  try {
    for (let i = 0; i < OUTCOME_REPORTS; i++) {
      await client.query(
        `insert into learning.outcome_report
           (id, decision_id, agent_id, reported_by, jurisdiction, category, chosen_option, stated_confidence,
            success, weight, ledger_index, ledger_leaf_hash)
         values ($1, $2, $3, $4, 'EU', 'bench', 'a', $5, $6, 0.5, $7, '')`,
        [
          randomUUID(),
          randomUUID(),
          registered.agent.id,
          registered.agent.id,
          0.5 + (i % 5) / 10,
          i % 3 !== 0 ? 1 : 0,
          i + 1,
        ],
      );
    }
  } finally {
    await client.end();
  }
  return { id: registered.agent.id, apiKey: registered.apiKey };
}

/** Asks once and returns `data`, failing loudly on errors or an empty answer. */
async function answer(target: Target, id: string): Promise<Record<string, unknown>> {
  const res = await graphql(target.url, target.query, { id }, { headers: target.headers });
  if (res.status !== 200 || res.body.errors || !res.body.data?.agent) {
    throw new Error(
      `${target.name} did not answer the benchmark query (${res.status}): ${JSON.stringify(res.body)}`,
    );
  }
  return res.body.data;
}

let stack: Stack | undefined;
let ecpNoDedup: RunningEcpGateway | undefined;
const hives: RunningHiveGateway[] = [];
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    stopLoad();
    await Promise.all([
      ...hives.map((h) => h.stop().catch((err) => console.error('stopping Hive Gateway:', err))),
      ecpNoDedup?.stop().catch((err) => console.error('stopping the second ECP gateway:', err)),
    ]);
    await stack?.stop().catch((err) => console.error('stopping the stack:', err));
  })();
  return cleaning;
}
// Stays registered (a second signal, e.g. relayed by tsx or npm, must not end the process mid-clean-up).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (cleaning) return;
    console.error(`\n${signal}: stopping…`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const machine = describeMachine();
  console.log(`machine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`);
  console.log('starting the platform (fresh database, four subgraphs, gateway)…');
  const platform = await startStack({ logLevel: STACK_LOG_LEVEL, extraEnv: STACK_ENV });
  stack = platform;
  const agent = await seedAgent(platform);
  const benchPrincipal = servicePrincipal('bench', ['ANALYST']);
  // Identity headers live at most two minutes: each measurement signs its own.
  const identity = () => signIdentity(benchPrincipal, platform.secrets.identitySecret, 120);

  console.log('starting a second ECP gateway (in-flight deduplication off)…');
  ecpNoDedup = await startEcpGateway({
    stack: platform,
    name: 'gateway-dedup-off',
    logLevel: STACK_LOG_LEVEL,
    extraEnv: STACK_ENV,
    env: { SUBGRAPH_DEDUPLICATION: 'false' },
    port: await freePort(),
  });

  console.log('starting Hive Gateway (twice: in-flight deduplication off, and defaults)…');
  const subgraphUrls = Object.fromEntries(SUBGRAPHS.map((name) => [name, platform.subgraphUrl(name)]));
  const hive = async (deduplicateInflightRequests: boolean) => {
    const port = await freePort();
    const started = await startHiveGateway({
      supergraphPath: SUPERGRAPH,
      subgraphUrls,
      identity: {
        claims: {
          kind: benchPrincipal.kind,
          sub: benchPrincipal.id,
          name: benchPrincipal.name,
          roles: benchPrincipal.roles,
          jur: benchPrincipal.jurisdictions,
        },
        secret: platform.secrets.identitySecret,
      },
      deduplicateInflightRequests,
      port,
      cwd: REPO_ROOT,
    });
    hives.push(started);
    return started;
  };
  const hiveLike = await hive(false);
  const hiveDefault = await hive(true);

  const json = { 'content-type': 'application/json' };
  const targets: Record<TargetKey, Target> = {
    a: {
      name: 'ledger subgraph, direct (ledger fields only)',
      url: platform.subgraphUrl('ledger'),
      headers: { ...json, [IDENTITY_HEADER]: identity() },
      query: LEDGER_QUERY,
    },
    b: {
      name: 'ECP gateway',
      url: platform.graphqlUrl,
      headers: { ...json, authorization: `Bearer ${agent.apiKey}` },
      query: FULL_QUERY,
    },
    'b⁻': {
      name: 'ECP gateway, dedup off',
      url: ecpNoDedup.graphqlUrl,
      headers: { ...json, authorization: `Bearer ${agent.apiKey}` },
      query: FULL_QUERY,
    },
    c: {
      name: `Hive Gateway ${hiveLike.version}, dedup off`,
      url: hiveLike.graphqlUrl,
      headers: json,
      query: FULL_QUERY,
    },
    'c*': {
      name: `Hive Gateway ${hiveDefault.version}, defaults`,
      url: hiveDefault.graphqlUrl,
      headers: json,
      query: FULL_QUERY,
    },
  };

  // Every target must give the right answer before anything is timed.
  const direct = await answer(targets.a, agent.id);
  const ours = await answer(targets.b, agent.id);
  for (const key of ['b⁻', 'c', 'c*'] as const) {
    const theirs = await answer(targets[key], agent.id);
    if (!isDeepStrictEqual(ours, theirs)) {
      throw new Error(
        `the gateways disagree:\n  ECP:  ${JSON.stringify(ours)}\n  ${key}: ${JSON.stringify(theirs)}`,
      );
    }
  }
  const { calibration, ...ledgerPart } = ours.agent as { calibration: { reports: number } };
  if (!isDeepStrictEqual(ledgerPart, direct.agent) || calibration.reports !== OUTCOME_REPORTS) {
    throw new Error(`unexpected answer: ${JSON.stringify(ours)} (the ledger said ${JSON.stringify(direct)})`);
  }
  console.log(`every target answers correctly: ${JSON.stringify(ours)}`);

  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const rows: Row[] = [];
  const measure = async (key: TargetKey, load: Load) => {
    const target = targets[key];
    const connections = load === 'max' ? CONNECTIONS : RATE_CONNECTIONS;
    const offered = load === 'max' ? 'max' : `${RATE}/s ${load}`;
    const spec: LoadSpec = {
      url: target.url,
      headers:
        IDENTITY_HEADER in target.headers
          ? { ...target.headers, [IDENTITY_HEADER]: identity() }
          : target.headers,
      body: JSON.stringify({ query: target.query, variables: { id: agent.id } }),
      connections,
      warmupSeconds: WARMUP,
      durationSeconds: SECONDS,
      rawPath: join(RESULTS_DIR, `gateway-${stamp}-${FILE_KEY[key]}-${offered.replace(/\W+/g, '')}.raw.json`),
      ...(load === 'max' ? {} : { overallRate: RATE, pacing: load === 'burst' ? 'autocannon' : 'spread' }),
    };
    process.stdout.write(`  ${key.padEnd(3)}  ${target.name}, ${offered}… `);
    const result = await runLoad(spec);
    console.log(`${result.rps.toFixed(0)} req/s, p95 ${result.latencyMs.p95.toFixed(2)} ms`);
    rows.push({ key, target: target.name, offered, connections, result });
    return result;
  };

  // Everything runs on this machine, so anything else using its CPUs lowers every number.
  const idle = await idleShare(2000);
  const idleNote = idle === undefined ? 'unknown' : `${(idle * 100).toFixed(0)}%`;
  console.log(`CPU idle before measuring: ${idleNote}`);
  if (idle !== undefined && idle < 0.9) {
    console.warn(
      'warning: something else is using the CPUs; the results will understate what the machine can do',
    );
  }

  console.log(`measuring (${WARMUP} s warm-up + ${SECONDS} s each):`);
  const a = await measure('a', 'max');
  const b = await measure('b', 'max');
  const bNoDedup = await measure('b⁻', 'max');
  const c = await measure('c', 'max');
  const cDefault = await measure('c*', 'max');
  const bBurst = await measure('b', 'burst');
  await measure('b⁻', 'burst');
  await measure('c', 'burst');
  const bSpread = await measure('b', 'spread');
  await measure('b⁻', 'spread');
  await measure('c', 'spread');

  // The dedup-off rows mean something only if that gateway really sent every request on.
  const shared = await deduplicatedFetches(platform.gatewayUrl);
  const sharedNoDedup = await deduplicatedFetches(ecpNoDedup.origin);
  if (sharedNoDedup !== 0) {
    throw new Error(`b⁻ shared ${sharedNoDedup} subgraph fetches although its deduplication is off`);
  }

  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const ratio = (ours: LoadResult, theirs: LoadResult) => {
    const r = ours.rps / theirs.rps;
    return `${r.toFixed(2)} (target ≥ ${TARGET_RATIO.toFixed(1)}: ${verdict(r >= TARGET_RATIO)})`;
  };
  const p95 = (r: LoadResult) =>
    `${r.latencyMs.p95.toFixed(2)} ms (target ≤ ${TARGET_P95_MS} ms: ${verdict(r.latencyMs.p95 <= TARGET_P95_MS)})`;
  const findings = [
    `b/c* = ${ratio(b, cDefault)}: both gateways with their defaults, in-flight deduplication on`,
    `b⁻/c = ${ratio(bNoDedup, c)}: both with in-flight deduplication off, every request reaching the subgraphs`,
    `b/a = ${(b.rps / a.rps).toFixed(2)} (ECP gateway throughput relative to the ledger subgraph alone)`,
    `ECP gateway (b) p95 at ${RATE} req/s, autocannon \`--overallRate ${RATE}\` (burst): ${p95(bBurst)}`,
    `ECP gateway (b) p95 at ${RATE} req/s, spread over the second: ${p95(bSpread)}`,
    `subgraph fetches answered by one already in flight, whole run (gateway metric): b ${shared}, b⁻ ${sharedNoDedup}`,
  ];
  const failed = rows.filter((r) => r.result.failures > 0);

  console.log(`\n${textTable(rows)}\n`);
  for (const line of findings) console.log(line);
  for (const r of failed)
    console.warn(`warning: ${r.key} (${r.target}) had ${r.result.failures} failed requests`);

  const section = `## Gateway — ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC

Machine: ${machine.cpus} × ${machine.cpuModel} (\`nproc\` = ${machine.cpus}), Linux ${machine.kernel}, Node ${machine.node}.

Query: \`${FULL_QUERY}\`; \`calibration\` comes from the learning-consortium subgraph, the other fields
from the ledger. (a) sends only the ledger fields, straight to the ledger subgraph.

${markdownTable(rows)}

- ${findings.join('\n- ')}

How it was run: \`npm run bench:gateway -w @ecp/bench\` started a fresh database, the four subgraphs and
ECP's gateway as separate processes (log level \`${STACK_LOG_LEVEL}\`, 30 s API-key cache), a second ECP
gateway process (b⁻) with the same environment but \`SUBGRAPH_DEDUPLICATION=false\` on its own port,
and Hive Gateway as further processes (\`hive-gateway supergraph\`, one worker each, errors-only
logging) on the same supergraph and subgraphs, adding the signed \`${IDENTITY_HEADER}\` header of a
service caller to its subgraph requests. Both gateways deduplicate identical in-flight queries by
default: ECP's shares one subgraph request among identical queries (same operation and variables) of
the same caller in flight at once, Hive Gateway's among identical subgraph fetches in flight at once.
Every request here is the same query from one caller, so whenever requests overlap, (b) and (c*),
both with their defaults, send fewer requests to the subgraphs than they receive; they are compared
with each other. (b⁻) and (c) turn deduplication off, so every request reaches the subgraphs: those
rows show the raw per-request cost, and they are compared with each other. autocannon ran in its own process on
loopback, ${WARMUP} s warm-up then ${SECONDS} s measured per row, ${CONNECTIONS} connections for \`max\` rows. The
fixed-rate rows offer ${RATE} req/s over ${RATE_CONNECTIONS} connections: \`burst\` is autocannon's \`--overallRate\`, which
renews every connection's quota at the same instant each second, so each second starts with all
${RATE_CONNECTIONS} connections busy; \`spread\` runs one single-connection autocannon per connection, started
1/${RATE_CONNECTIONS} s apart, so the same rate arrives spread over the second. Latencies are per request, from
every successful response. Everything, load generator included, shares the machine's ${machine.cpus} CPUs
(idle just before measuring: ${idleNote}).`;
  if (!args['dry-run']) {
    appendSection(BENCHMARKS_MD, section);
    console.log(`\nappended to ${BENCHMARKS_MD}`);
  }
  if (failed.length > 0) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  // Once interrupted, the load worker's exit is expected and not worth a stack trace.
  if (!cleaning) console.error(err);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
