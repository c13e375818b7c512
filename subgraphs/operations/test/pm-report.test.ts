import { randomUUID } from 'node:crypto';
import { newId } from '@ecp/db/ids';
import type { JobContext } from '@ecp/jobs/job-definition';
import { JobProducer } from '@ecp/jobs/job-producer';
import { createLogger } from '@ecp/logging/logger';
import { advisorySubgraph } from '@ecp/subgraph-advisory/subgraph';
import { learningSubgraph } from '@ecp/subgraph-learning-consortium/subgraph';
import { ledgerSubgraph } from '@ecp/subgraph-ledger/subgraph';
import { testEnv } from '@ecp/test-kit/env';
import { decisionInput } from '@ecp/test-kit/fixtures';
import {
  errorCode,
  graphql,
  TEST_LEDGER_ORIGIN,
  TEST_LEDGER_SIGNING_KEY,
  TEST_TOKEN_SECRET,
} from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph, testSubgraphConfig } from '@ecp/test-kit/subgraph';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeQueueRedis } from '../src/modules/queues/queue-state';
import { runPmReport, runPmReportHeartbeat } from '../src/modules/reports/pm-report.jobs';
import type { PmReportFigures } from '../src/modules/reports/pm-report-figures';
import { periodAt } from '../src/modules/reports/pm-report-period';
import type { OperationsRuntime } from '../src/runtime';
import { operationsSettings } from '../src/settings';
import { operationsSubgraph } from '../src/subgraph';

/**
 * The report over real subgraphs: the ledger, advisory and the learning consortium run beside
 * operations, each on its own database, and operations calls them as its service identity.
 */
let ledger: SubgraphUnderTest;
let advisory: SubgraphUnderTest;
let learning: SubgraphUnderTest;
let ops: SubgraphUnderTest;
let redis: Redis;
let producer: JobProducer;
const prefix = `ecp:test:${newId()}:`;
const queuePrefix = `${prefix}q`;
const settings = operationsSettings({ REDIS_URL: testEnv.redisUrl, QUEUE_PREFIX: queuePrefix });
/** Operations' clock: the report asked for "now" ends at this minute. */
let clock = new Date();

const as = (roles: ('ANALYST' | 'OPERATOR' | 'ADMIN' | 'AGENT')[]) => ({
  kind: 'agent' as const,
  id: newId(),
  name: 'someone',
  roles,
  jurisdictions: [],
});

function ledgerConfig(url: string): Parameters<typeof ledgerSubgraph>[0] {
  return {
    ...testSubgraphConfig(url),
    ECP_TOKEN_SECRET: TEST_TOKEN_SECRET,
    ACCESS_TOKEN_MAX_TTL_SECONDS: 3600,
    LEDGER_ORIGIN: TEST_LEDGER_ORIGIN,
    LEDGER_SIGNING_KEY: TEST_LEDGER_SIGNING_KEY,
    LEDGER_VERIFIER_KEYS: [],
    LEDGER_MAX_ENTRY_BYTES: 4096,
    LEDGER_BATCH_MAX: 1000,
    CHECKPOINT_INTERVAL_MS: 200,
    CHECKPOINT_EVERY_ENTRIES: 50,
    NODE_ENV: 'test',
    LEDGER_FIREWALL: 'off',
    LEDGER_HOLD_TTL_SECONDS: 86_400,
    PERSON_SESSION_TTL_MS: 12 * 3600_000,
    PERSON_SESSION_IDLE_MS: 3600_000,
    PERSON_SETUP_TOKEN_TTL_MS: 72 * 3600_000,
    LEDGER_POLICY_CACHE_MS: 0,
    QUEUE_PREFIX: `${prefix}ledger`,
    REDIS_URL: testEnv.redisUrl,
  };
}

const sql = (sg: SubgraphUnderTest, text: string, params: unknown[] = []) =>
  sg.em().getConnection().execute(text, params);

const GENERATE = 'mutation { generatePmReport { id periodStart periodEnd markdown json } }';
const LIST = `query ($first: Int, $after: String) { pmReports(first: $first, after: $after) {
  edges { cursor node { id periodEnd } } pageInfo { hasNextPage endCursor } } }`;
type Report = { id: string; periodStart: string; periodEnd: string; markdown: string; json: PmReportFigures };

function jobContext(): JobContext {
  return {
    orm: ops.built.orm,
    outbox: ops.built.platform.outbox,
    services: ops.built.platform.services,
    jobs: producer,
    logger: createLogger({ service: 'test', level: 'silent' }),
    job: { id: randomUUID(), queue: 'operations.pm-report', attempt: 1 },
  };
}

const runtimeAt = (at: Date): OperationsRuntime => ({ jobs: producer, settings, now: () => at });

beforeAll(async () => {
  ledger = await startSubgraph((url) => ledgerSubgraph(ledgerConfig(url)), ledgerConfig);
  advisory = await startSubgraph(() => advisorySubgraph({ redisUrl: testEnv.redisUrl, queuePrefix }));
  learning = await startSubgraph(() => learningSubgraph());
  ops = await startSubgraph(
    () => operationsSubgraph({ redisUrl: testEnv.redisUrl, queuePrefix, settings, now: () => clock }),
    (url) => ({
      ...testSubgraphConfig(url),
      LEDGER_URL: ledger.url,
      ADVISORY_URL: advisory.url,
      LEARNING_CONSORTIUM_URL: learning.url,
    }),
  );
  redis = new Redis(testEnv.redisUrl, { maxRetriesPerRequest: null });
  producer = new JobProducer(redis, queuePrefix);

  // Three decisions through the ledger's API, by an agent registered in its registry.
  const agentId = newId();
  await sql(
    ledger,
    "insert into ledger.agent (id, name, roles, jurisdictions) values (?, 'bot', '{AGENT}', '{EU,US}')",
    [agentId],
  );
  const agent = {
    kind: 'agent' as const,
    id: agentId,
    name: 'bot',
    roles: ['AGENT' as const],
    jurisdictions: ['EU', 'US'],
  };
  for (const [jurisdiction, category] of [
    ['EU/DE', 'pricing'],
    ['EU/DE', 'credit'],
    ['US', 'pricing'],
  ]) {
    const res = await graphql(
      ledger.url,
      'mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { ledgerIndex } }',
      { input: decisionInput({ jurisdiction, category }) },
      { as: agent },
    );
    expect(res.body.errors).toBeUndefined();
  }
  await sql(
    ledger,
    `insert into ledger.held_decision (id, agent_id, idempotency_key, jurisdiction, category, proposal, proposal_sha256,
       hold_reasons, approvals_needed, created_at, expires_at)
     values (?, ?, ?, 'EU/DE', 'pricing', '{}', ?, '[]', 1, now() - interval '1 minute', now() + interval '1 day')`,
    [newId(), agentId, newId(), 'a'.repeat(64)],
  );
  for (const [combined, exceeded] of [
    [0.15, false],
    [0.75, true],
  ] as const) {
    await sql(
      advisory,
      `insert into advisory.divergence (decision_id, agent_id, jurisdiction, category, ledger_index, chosen_option,
         combined, weights, weights_version, threshold, exceeded, evidence, scored_at)
       values (?, ?, 'EU', 'pricing', 1, 'a', ?, '{}', '1', 0.5, ?, '{}', now() - interval '1 minute')`,
      [newId(), newId(), combined, exceeded],
    );
  }
  await sql(
    advisory,
    `insert into advisory.poll (id, opened_by, jurisdiction, question, options, eligible_voters, eligible_by, quorum,
       weighting, closes_at, created_at)
     values (?, ?, 'EU', 'which', '[]', ?::uuid[], 'LIST', 1, 'EQUAL', now() + interval '1 hour', now() - interval '1 minute')`,
    [newId(), newId(), `{${newId()}}`],
  );
  await sql(
    learning,
    `insert into learning.outcome_report (id, decision_id, agent_id, reported_by, jurisdiction, category, chosen_option,
       stated_confidence, success, weight, ledger_index, ledger_leaf_hash, reported_at)
     values (?, ?, ?, 'x', 'EU', 'pricing', 'a', 0.5, 0.5, 1, 1, 'ab', now() - interval '1 minute')`,
    [newId(), newId(), newId()],
  );
  // A channel, so that the report is delivered somewhere.
  await sql(
    ops,
    "insert into operations.channel (id, name, kind, target, created_by) values (?, 'pm', 'EMAIL', 'pm@example.com', 'test')",
    [newId()],
  );
  // A job queue with work waiting.
  const queue = new Queue('operations.test-waiting', { connection: redis, prefix: queuePrefix });
  await queue.addBulk(Array.from({ length: 3 }, (_, i) => ({ name: 'x', data: { i } })));
  await queue.close();
  clock = new Date(Date.now() + 2 * 60_000);
});

afterAll(async () => {
  await producer?.close();
  await closeQueueRedis();
  await Promise.all([ops?.stop(), ledger?.stop(), advisory?.stop(), learning?.stop()]);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('generatePmReport', () => {
  let first: Report;

  it('reports the figures of the 4 hours up to now, from every subgraph, as JSON and Markdown', async () => {
    const res = await graphql<{ generatePmReport: Report }>(ops.url, GENERATE, {}, { as: as(['OPERATOR']) });
    expect(res.body.errors).toBeUndefined();
    first = res.body.data!.generatePmReport;
    const end = new Date(Math.floor(clock.getTime() / 60_000) * 60_000);
    expect(first.periodEnd).toBe(end.toISOString());
    expect(new Date(first.periodStart).getTime()).toBe(end.getTime() - 4 * 3600_000);
    const j = first.json;
    expect(j.decisions).toEqual({
      available: true,
      figures: {
        count: 3,
        byJurisdiction: [
          { key: 'EU/DE', count: 2 },
          { key: 'US', count: 1 },
        ],
        byCategory: [
          { key: 'pricing', count: 2 },
          { key: 'credit', count: 1 },
        ],
      },
    });
    expect(j.heldDecisions).toEqual({
      available: true,
      figures: { held: 1, committed: 0, rejected: 0, pending: 1 },
    });
    expect(j.divergence).toMatchObject({
      available: true,
      figures: { count: 2, mean: 0.45, aboveThreshold: 1 },
    });
    expect(j.polls).toEqual({ available: true, figures: { opened: 1, closed: 0, quorumMet: 0 } });
    expect(j.outcomes).toEqual({ available: true, figures: { count: 1, meanSuccess: 0.5 } });
    expect(j.incidents).toEqual({ available: true, figures: { opened: 0, resolved: 0, openNow: 0 } });
    expect(j.health).toEqual({ available: true, figures: { environments: [] } });
    expect(j.queues).toMatchObject({ available: true });
    expect(j.queues.available && j.queues.figures.queues).toContainEqual({
      name: 'operations.test-waiting',
      waiting: 3,
      active: 0,
      delayed: 0,
      failed: 0,
    });
    for (const heading of [
      '## Decisions',
      '## Divergence',
      '## Polls',
      '## Outcomes',
      '## Held decisions',
      '## Incidents',
      '## Health',
      '## Queues',
    ]) {
      expect(first.markdown).toContain(heading);
    }
    expect(first.markdown).toContain('| EU/DE | 2 |');
    expect(first.markdown).toContain('| operations.test-waiting | 3 | 0 | 0 | 0 |');
  });

  it('stores one report per period and sends it once to every channel', async () => {
    const again = await graphql<{ generatePmReport: Report }>(ops.url, GENERATE, {}, { as: as(['ADMIN']) });
    expect(again.body.data!.generatePmReport.id).toBe(first.id);
    const rows = await sql(
      ops,
      "select count(*)::int as n from operations.notification where kind = 'PM_REPORT'",
    );
    expect(rows).toEqual([{ n: 1 }]);
    const deliveries = await sql(
      ops,
      "select count(*)::int as n from operations.delivery d join operations.notification n on n.id = d.notification_id where n.kind = 'PM_REPORT'",
    );
    expect(deliveries).toEqual([{ n: 1 }]);
  });

  it('is for operators and admins only; reading is for analysts too, never agents', async () => {
    expect(errorCode(await graphql(ops.url, GENERATE, {}, { as: as(['ANALYST']) }))).toBe('FORBIDDEN');
    expect(errorCode(await graphql(ops.url, LIST, {}, { as: as(['AGENT']) }))).toBe('FORBIDDEN');
    const one = await graphql<{ pmReport: { id: string; markdown: string } }>(
      ops.url,
      'query ($id: ID!) { pmReport(id: $id) { id markdown } }',
      { id: first.id },
      { as: as(['ANALYST']) },
    );
    expect(one.body.data!.pmReport.id).toBe(first.id);
    expect(
      errorCode(
        await graphql(
          ops.url,
          'query ($id: ID!) { pmReport(id: $id) { id } }',
          { id: newId() },
          { as: as(['ANALYST']) },
        ),
      ),
    ).toBe('NOT_FOUND');
  });
});

describe('the scheduled report (operations.pm-report)', () => {
  it('covers the 4 hours before the schedule’s latest time, and a retried job stores nothing more', () => {
    expect(periodAt(new Date('2026-12-04T10:17:00Z'), '0 */4 * * *')).toEqual({
      start: new Date('2026-12-04T04:00:00Z'),
      end: new Date('2026-12-04T08:00:00Z'),
    });
    expect(periodAt(new Date('2026-12-04T08:00:00Z'), '0 */4 * * *').end).toEqual(
      new Date('2026-12-04T08:00:00Z'),
    );
  });

  it('runs once per period: the second run answers with the first report', async () => {
    const at = new Date('2026-12-04T10:17:00Z');
    const one = await runPmReport(jobContext(), runtimeAt(at));
    const two = await runPmReport(jobContext(), runtimeAt(new Date('2026-12-04T11:59:00Z')));
    expect(one).toMatchObject({ periodEnd: '2026-12-04T08:00:00.000Z', created: true });
    expect(two).toEqual({ ...one, created: false });
    const rows = await sql(
      ops,
      "select count(*)::int as n from operations.pm_report where period_end = '2026-12-04T08:00:00Z'",
    );
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('newest period first, paged', async () => {
    const page = await graphql<{
      pmReports: {
        edges: { node: { id: string; periodEnd: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    }>(ops.url, LIST, { first: 1 }, { as: as(['ANALYST']) });
    expect(page.body.errors).toBeUndefined();
    expect(page.body.data!.pmReports.edges.map((e) => e.node.periodEnd)).toEqual([
      '2026-12-04T08:00:00.000Z',
    ]);
    expect(page.body.data!.pmReports.pageInfo.hasNextPage).toBe(true);
    const next = await graphql<{ pmReports: { edges: { node: { periodEnd: string } }[] } }>(
      ops.url,
      LIST,
      { first: 5, after: page.body.data!.pmReports.pageInfo.endCursor },
      { as: as(['ANALYST']) },
    );
    expect(next.body.data!.pmReports.edges.map((e) => e.node.periodEnd)).toEqual([
      new Date(Math.floor(clock.getTime() / 60_000) * 60_000).toISOString(),
    ]);
  });

  it('counts incidents of the period and gives each environment with its uptime', async () => {
    await sql(
      ops,
      `insert into operations.incident (id, title, severity, status, opened_by, opened_at, acknowledged_at, resolved_at) values
         (?, 'a', 'SEV2', 'RESOLVED', 'test', '2026-12-04T09:00:00Z', null, '2026-12-04T10:00:00Z'),
         (?, 'b', 'SEV3', 'OPEN', 'test', '2026-12-04T11:00:00Z', null, null),
         (?, 'c', 'SEV3', 'ACKNOWLEDGED', 'test', '2026-12-03T11:00:00Z', '2026-12-03T11:05:00Z', null)`,
      [newId(), newId(), newId()],
    );
    const environment = newId();
    await sql(
      ops,
      "insert into operations.environment (id, name, url, status, created_by) values (?, 'prod', 'http://127.0.0.1:1/', 'HEALTHY', 'test')",
      [environment],
    );
    for (const [at, ok] of [
      ['2026-12-04T09:00:00Z', true],
      ['2026-12-04T10:00:00Z', true],
      ['2026-12-04T11:00:00Z', true],
      ['2026-12-04T11:30:00Z', false],
    ] as const) {
      await sql(
        ops,
        'insert into operations.health_run (id, environment_id, at, latency_ms, ok, slow) values (?, ?, ?, 5, ?, false)',
        [newId(), environment, at, ok],
      );
    }
    const made = await runPmReport(jobContext(), runtimeAt(new Date('2026-12-04T12:05:00Z')));
    const [row] = await sql(ops, 'select json from operations.pm_report where id = ?', [made.reportId]);
    const figures = (row as { json: PmReportFigures }).json;
    expect(figures.incidents).toEqual({ available: true, figures: { opened: 2, resolved: 1, openNow: 2 } });
    expect(figures.health).toEqual({
      available: true,
      figures: { environments: [{ name: 'prod', status: 'HEALTHY', uptime24h: 0.75 }] },
    });
  });

  it('says which source did not answer, and still reports the rest', async () => {
    await learning.stop();
    const made = await runPmReport(jobContext(), runtimeAt(new Date('2026-12-04T16:05:00Z')));
    const [row] = await sql(ops, 'select json, markdown from operations.pm_report where id = ?', [
      made.reportId,
    ]);
    const { json, markdown } = row as { json: PmReportFigures; markdown: string };
    expect(json.outcomes.available).toBe(false);
    expect(json.decisions.available).toBe(true);
    expect(markdown).toMatch(/## Outcomes\n\n_unavailable: learning-consortium /);
  });
});

describe('the report heartbeat (operations.pm-report-heartbeat)', () => {
  const alert = async () =>
    (await sql(ops, "select status from operations.alert where rule = 'pm-report-missing'")) as {
      status: string;
    }[];

  it('fires when the newest report is older than 4 hours and the grace, and resolves when one comes', async () => {
    await sql(ops, 'delete from operations.pm_report where period_end > ?', ['2026-12-04T12:00:00Z']);
    // Newest: the period ending at 12:00. Due again at 16:00, missed after 16:30.
    expect(
      await runPmReportHeartbeat(jobContext(), runtimeAt(new Date('2026-12-04T16:29:00Z'))),
    ).toMatchObject({
      missing: false,
    });
    expect(await alert()).toEqual([]);
    expect(
      await runPmReportHeartbeat(jobContext(), runtimeAt(new Date('2026-12-04T16:31:00Z'))),
    ).toMatchObject({
      missing: true,
    });
    expect(await alert()).toEqual([{ status: 'FIRING' }]);
    await runPmReport(jobContext(), runtimeAt(new Date('2026-12-04T16:32:00Z')));
    expect(
      await runPmReportHeartbeat(jobContext(), runtimeAt(new Date('2026-12-04T16:33:00Z'))),
    ).toMatchObject({
      missing: false,
    });
    expect(await alert()).toEqual([{ status: 'RESOLVED' }]);
  });
});
