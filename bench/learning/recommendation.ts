/**
 * The recommendation benchmark (`npm run bench:learning -w @ecp/bench`): the whole platform, a tree of
 * 100 jurisdictions below `EU` defined through the gateway, 10⁵ outcome reports in 1,000 lessons
 * (100 jurisdictions × 10 categories, 100 reports each, every report its own lesson version), and
 * 64 agents sending varied lesson queries through the gateway from a load process of its own.
 *
 * The reports and lesson versions are written straight into the learning schema, as the lessons
 * consumer leaves them (the same arithmetic: Σ w·s and Σ w·(1 − s) per option, one version per
 * report, the versions above recorded with each); what is measured is the read path.
 *
 * Results are printed and appended to BENCHMARKS.md with the machine and date.
 */

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDENTITY_HEADER, signIdentity } from '@ecp/identity/identity-header';
import { servicePrincipal } from '@ecp/identity/principal';
import { REPO_ROOT } from '@ecp/platform/repo';
import { graphql } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import pg from 'pg';
import { runLoadProcess } from '../common/load-process';
import { describeMachine, idleShare } from '../common/machine';
import { appendSection, markdownTable, type ResultRow, textTable } from '../common/results-table';
import { percentile } from '../ledger/stats';
import type { RecommendationLoadSpec } from './load-worker';
import { CATEGORIES, jurisdictions, OPTIONS, query, RECOMMEND, rng } from './workload';

const AGENTS = 64;
const REPORTS_PER_LESSON = 100;
const TARGET_P95_MS = 25;
const say = (line: string) => console.log(line);
const ms = (x: number) => x.toFixed(1);
const int = (x: number) => Math.round(x).toLocaleString('en-US');

interface LoadResult {
  requests: number;
  perSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  failures: number;
  firstFailure?: string;
}

const WORKER = fileURLToPath(new URL('./load-worker.ts', import.meta.url));

function runLoad(spec: RecommendationLoadSpec): Promise<LoadResult> {
  return runLoadProcess<LoadResult>(WORKER, spec);
}

let stack: Stack | undefined;

async function gql<D>(key: string, query: string, variables: Record<string, unknown> = {}): Promise<D> {
  const res = await graphql<D>(stack!.graphqlUrl, query, variables, {
    headers: { authorization: `Bearer ${key}` },
  });
  if (res.body.errors) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(res.body.errors)}`);
  return res.body.data!;
}

/** 10⁵ reports and their lesson versions, as the consumer would have written them, in bulk. */
async function seed(databaseUrl: string): Promise<number> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const r = rng(7);
  const lessons = jurisdictions().flatMap(({ code, parent }) =>
    CATEGORIES.map((category) => ({ code, parent, category })),
  );
  // Round-robin over the lessons, so versions above a lesson advance while it learns.
  const state = new Map<
    string,
    { version: number; options: Record<string, { successes: number; failures: number }> }
  >();
  const key = (code: string, category: string) => `${category}:${code}`;
  // Each lesson has its own taste: option success rates drawn once.
  const rates = new Map(lessons.map((l) => [key(l.code, l.category), OPTIONS.map(() => r())]));
  let reports: unknown[][] = [];
  let versions: unknown[][] = [];
  let total = 0;
  const flush = async () => {
    if (reports.length > 0) {
      const cols = (i: number) => reports.map((row) => row[i]);
      await db.query(
        `insert into learning.outcome_report
           (id, decision_id, agent_id, reported_by, jurisdiction, category, chosen_option, stated_confidence,
            success, evidence, note, supersedes, weight, ledger_index, ledger_leaf_hash, applied_at)
         select id, decision_id, agent_id, agent_id::text, jurisdiction, category, chosen_option, stated_confidence,
                success, '[]', null, null, weight, ledger_index, repeat('0', 64), now()
           from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::float8[],
                       $8::float8[], $9::float8[], $10::bigint[])
             as t(id, decision_id, agent_id, jurisdiction, category, chosen_option, stated_confidence, success, weight, ledger_index)`,
        Array.from({ length: 10 }, (_, i) => cols(i)),
      );
    }
    if (versions.length > 0) {
      const cols = (i: number) => versions.map((row) => row[i]);
      await db.query(
        `insert into learning.lesson_version (jurisdiction, category, version, options, prior_path, cause, cause_id)
         select jurisdiction, category, version, options::jsonb, prior_path::jsonb, 'REPORT', cause_id
           from unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[])
             as t(jurisdiction, category, version, options, prior_path, cause_id)`,
        Array.from({ length: 6 }, (_, i) => cols(i)),
      );
    }
    reports = [];
    versions = [];
  };
  const agents = Array.from({ length: AGENTS }, () => randomUUID());
  for (let round = 0; round < REPORTS_PER_LESSON; round++) {
    for (const lesson of lessons) {
      const k = key(lesson.code, lesson.category);
      const o = Math.floor(r() * OPTIONS.length);
      const option = OPTIONS[o]!;
      const success = r() < rates.get(k)![o]! ? 1 : r() < 0.3 ? 0.5 : 0;
      const weight = 0.35 + r() * 0.4;
      const id = randomUUID();
      const was = state.get(k) ?? { version: 0, options: {} };
      const opts = { ...was.options };
      const before = opts[option] ?? { successes: 0, failures: 0 };
      opts[option] = {
        successes: before.successes + weight * success,
        failures: before.failures + weight * (1 - success),
      };
      const next = { version: was.version + 1, options: opts };
      state.set(k, next);
      const above = [lesson.parent, ...(lesson.parent === 'EU' ? [] : ['EU'])];
      const priorPath = above.map((j) => ({
        jurisdiction: j,
        version: state.get(key(j, lesson.category))?.version ?? 0,
      }));
      total++;
      reports.push([
        id,
        randomUUID(),
        agents[total % AGENTS],
        lesson.code,
        lesson.category,
        option,
        0.3 + r() * 0.7,
        success,
        weight,
        total,
      ]);
      versions.push([
        lesson.code,
        lesson.category,
        next.version,
        JSON.stringify(opts),
        JSON.stringify(priorPath),
        id,
      ]);
      if (reports.length >= 5000) await flush();
    }
  }
  await flush();
  await db.query('analyze learning.lesson_version; analyze learning.outcome_report;');
  await db.end();
  return total;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const machine = describeMachine();
  say(`machine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`);
  const idle = await idleShare(2000);
  say(`CPU idle before measuring: ${idle === undefined ? 'unknown' : `${(idle * 100).toFixed(0)}%`}`);
  say('starting the platform…');
  stack = await startStack({ workers: false, logLevel: 'warn', extraEnv: { AUTH_CACHE_TTL_MS: '60000' } });
  const admin = stack.adminKey;
  await gql(admin, 'mutation { defineJurisdiction(input: { code: "EU" }) { code } }');
  for (const { code, parent } of jurisdictions()) {
    await gql(
      admin,
      'mutation ($c: String!, $p: String) { defineJurisdiction(input: { code: $c, parent: $p }) { code } }',
      {
        c: code,
        p: parent,
      },
    );
  }
  say(`defined ${jurisdictions().length + 1} jurisdictions; seeding outcome reports…`);
  const seededAt = performance.now();
  const reports = await seed(stack.db.url);
  say(
    `seeded ${int(reports)} reports in 1,000 lessons in ${((performance.now() - seededAt) / 1000).toFixed(1)} s`,
  );
  const keys: string[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const reg = await gql<{ registerAgent: { apiKey: string } }>(
      admin,
      'mutation ($n: String!) { registerAgent(input: { name: $n, jurisdictions: ["EU"] }) { apiKey } }',
      { n: `bench-learner-${i}` },
    );
    keys.push(reg.registerAgent.apiKey);
  }
  // The subgraph's own cost, without the gateway or queueing: one caller, one query at a time.
  const subgraph = stack.subgraphUrl('learning-consortium');
  const principal = servicePrincipal('bench');
  const r = rng(99);
  const alone: number[] = [];
  for (let i = 0; i < 1200; i++) {
    const body = JSON.stringify({ query: RECOMMEND, variables: query(r) });
    const sent = performance.now();
    const res = await fetch(subgraph, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [IDENTITY_HEADER]: signIdentity(principal, stack.secrets.identitySecret),
      },
      body,
    });
    const text = await res.text();
    if (res.status !== 200 || text.includes('"errors"'))
      throw new Error(`subgraph answered ${res.status}: ${text.slice(0, 300)}`);
    if (i >= 200) alone.push(performance.now() - sent);
  }
  alone.sort((a, b) => a - b);
  say(`subgraph alone: p50 ${ms(percentile(alone, 50))} ms, p95 ${ms(percentile(alone, 95))} ms`);
  const base = { url: stack.graphqlUrl, keys, connections: 32, warmupSeconds: 3, durationSeconds: 20 };
  say('closed loop, 32 callers…');
  const max = await runLoad({ ...base, seed: 1 });
  say(
    `  ${int(max.perSecond)}/s, p95 ${ms(max.latencyMs.p95)} ms, ${max.failures} failed ${max.firstFailure ?? ''}`,
  );
  const rows: ResultRow[] = [
    {
      measure: 'recommendation at the subgraph, one caller, one query at a time (1,000 varied queries)',
      result: `p50 ${ms(percentile(alone, 50))} ms, p95 ${ms(percentile(alone, 95))} ms`,
      target: '–',
      verdict: '–',
    },
    {
      measure: 'recommendation, closed loop, 32 callers (answered/s)',
      result: `${int(max.perSecond)} (p50 ${ms(max.latencyMs.p50)} ms, p95 ${ms(max.latencyMs.p95)} ms, ${max.failures} failed)`,
      target: '–',
      verdict: '–',
    },
  ];
  for (const rate of [25, 50, 100]) {
    say(`open loop at ${rate}/s…`);
    const res = await runLoad({ ...base, rate, seed: 10 + rate });
    say(
      `  ${int(res.perSecond)}/s, p95 ${ms(res.latencyMs.p95)} ms, ${res.failures} failed ${res.firstFailure ?? ''}`,
    );
    rows.push({
      measure: `recommendation p95 at ${rate}/s offered, 10⁵ reports in 1,000 lessons, 64 callers`,
      result: `${ms(res.latencyMs.p95)} ms (p50 ${ms(res.latencyMs.p50)}, p99 ${ms(res.latencyMs.p99)}; ${int(res.perSecond)}/s answered, ${res.failures} failed)`,
      target: `≤ ${TARGET_P95_MS} ms`,
      verdict: res.failures === 0 && res.latencyMs.p95 <= TARGET_P95_MS ? 'met' : 'MISSED',
    });
  }
  say(textTable(rows));
  const when = startedAt.toISOString().slice(0, 16).replace('T', ' ');
  appendSection(
    join(REPO_ROOT, 'BENCHMARKS.md'),
    [
      `## Learning: recommendation — ${when} UTC`,
      '',
      `Machine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, Linux ${machine.kernel}; CPU idle before: ${idle === undefined ? 'unknown' : `${(idle * 100).toFixed(0)}%`}.`,
      'Through the gateway (`npm run bench:learning -w @ecp/bench`): 101 jurisdictions (EU, 10 countries, 90',
      'regions), 10⁵ outcome reports in 1,000 lessons seeded as the lessons consumer writes them, varied queries',
      '(a region, a country or an undefined code below a region; 2–5 options, sometimes an unknown one) from 64',
      'agents; each answer reads the tree, the newest lesson versions on the path, and records its version.',
      '',
      markdownTable(rows),
      '',
    ].join('\n'),
  );
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stack?.stop();
  });
