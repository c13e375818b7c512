import { servicePrincipal } from '@ecp/identity/principal';
import { createLogger } from '@ecp/logging/logger';
import { committedSubgraphSdl, subgraphSdl } from '@ecp/service-kit/print-sdl';
import { testEnv } from '@ecp/test-kit/env';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { ENQUEUES_NOTHING } from '@ecp/test-kit/jobs';
import { type SubgraphUnderTest, startSubgraph, testSubgraphConfig } from '@ecp/test-kit/subgraph';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LESSONS_CONSUMER } from '../src/modules/lessons/lesson.jobs';
import { learningSchema } from '../src/schema';
import { learningSubgraph } from '../src/subgraph';
import { consume, eventsPrefix, LedgerDouble, person, publishedEvents } from './support';

let sg: SubgraphUnderTest;
let redis: Redis;
const prefix = eventsPrefix();
const outboxEvents = (_sg: SubgraphUnderTest, topic: string) => publishedEvents(sg, redis, prefix, topic);
const ledger = new LedgerDouble();
const operator = person(['OPERATOR']);

const REPORT = `mutation ($input: ReportOutcomeInput!) { reportOutcome(input: $input) {
  id decisionId success statedConfidence weight ledgerIndex note evidence { name algorithm digest } supersedes { id }
} }`;
const RECOMMEND = `query ($j: String!, $c: String!, $o: [String!]!, $v: String) {
  recommendation(jurisdiction: $j, category: $c, options: $o, atVersion: $v) {
    lessonVersion jurisdiction category options { option expectedSuccess interval effectiveSamples priorFrom }
  }
}`;
const LESSON = `query ($j: String!, $c: String!, $v: Int) { lesson(jurisdiction: $j, category: $c, version: $v) {
  id version cause causeId options { option successes failures alpha beta mean effectiveSamples }
} }`;

type Report = { id: string; weight: number; ledgerIndex: string; supersedes: { id: string } | null };
type Rec = {
  lessonVersion: string;
  options: {
    option: string;
    expectedSuccess: number;
    interval: number[];
    effectiveSamples: number;
    priorFrom: string;
  }[];
};

beforeAll(async () => {
  redis = new Redis(testEnv.redisUrl);
  sg = await startSubgraph(
    () => learningSubgraph({ ledger: () => ledger }),
    (url) => ({ ...testSubgraphConfig(url), EVENT_STREAM_PREFIX: prefix }),
  );
  for (const [code, parent] of [
    ['EU', null],
    ['EU/DE', 'EU'],
    ['EU/FR', 'EU'],
    ['EU/DE/BY', 'EU/DE'],
    ['EU/IT', 'EU'],
  ] as const) {
    const res = await graphql(
      sg.url,
      'mutation ($input: DefineJurisdictionInput!) { defineJurisdiction(input: $input) { code } }',
      { input: { code, parent } },
      { as: operator },
    );
    expect(res.body.errors).toBeUndefined();
  }
});

afterAll(async () => {
  await sg?.stop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

async function report(as: ReturnType<typeof person>, input: Record<string, unknown>) {
  return graphql<{ reportOutcome: Report }>(sg.url, REPORT, { input }, { as });
}

async function recommend(j: string, c: string, o: string[], v?: string, as = person(['AGENT'])) {
  return graphql<{ recommendation: Rec }>(sg.url, RECOMMEND, { j, c, o, v }, { as });
}

async function counts() {
  const conn = sg.em().getConnection();
  const [r] = await conn.execute<{ reports: string; versions: string }[]>(
    `select (select count(*) from learning.outcome_report) as reports,
            (select count(*) from learning.lesson_version) as versions`,
  );
  const events = (await outboxEvents(sg, 'outcomeReported')).length;
  return { ...r, events, appends: ledger.entries.length };
}

/** Applies every outcomeReported event not applied yet, as the workers would. */
async function learn(): Promise<number> {
  return consume(sg, await outboxEvents(sg, 'outcomeReported'));
}

describe('reportOutcome', () => {
  it('records the report in the ledger, stores it with its event, and refuses every bad input unchanged', async () => {
    const agent = person(['AGENT']);
    const other = person(['AGENT']);
    const decision = ledger.decide(agent.id, { category: 'refunds', jurisdiction: 'EU/FR' });
    const ok = await report(agent, {
      decisionId: decision.id,
      success: 0.75,
      note: 'refund went through',
      evidenceDigests: [{ name: 'bank-statement', digest: 'a'.repeat(64) }],
    });
    expect(ok.body.errors).toBeUndefined();
    const first = ok.body.data!.reportOutcome;
    expect(first).toMatchObject({
      decisionId: decision.id,
      success: 0.75,
      statedConfidence: 0.8,
      weight: 0.5,
      supersedes: null,
    });
    const entry = ledger.entries.at(-1)!;
    expect(entry).toMatchObject({
      kind: 'ecp.outcome-report/v1',
      key: `outcome-report:${decision.id}:first`,
      actor: agent.id,
    });
    expect(entry.body).toMatchObject({
      reportId: first.id,
      decisionId: decision.id,
      agentId: agent.id,
      jurisdiction: 'EU/FR',
      category: 'refunds',
      chosenOption: 'approve',
      success: 0.75,
      evidence: [{ name: 'bank-statement', algorithm: 'sha-256', digest: 'a'.repeat(64) }],
      supersedes: null,
    });
    expect(first.ledgerIndex).toBe(entry.index);
    const events = await outboxEvents(sg, 'outcomeReported');
    expect(events.at(-1)).toMatchObject({
      key: { id: first.id },
      attributes: { decisionId: decision.id, agentId: agent.id, jurisdiction: 'EU/FR', category: 'refunds' },
    });

    const before = await counts();
    const cases: [ReturnType<typeof person>, Record<string, unknown>, string][] = [
      [agent, { decisionId: '7b0a0000-0000-7000-8000-000000000000', success: 1 }, 'NOT_FOUND'],
      [other, { decisionId: decision.id, success: 1, supersedes: first.id }, 'FORBIDDEN'],
      [agent, { decisionId: decision.id, success: 1 }, 'CONFLICT'],
      [agent, { decisionId: decision.id, success: 1.5, supersedes: first.id }, 'BAD_USER_INPUT'],
      [agent, { decisionId: decision.id, success: -0.1, supersedes: first.id }, 'BAD_USER_INPUT'],
      [agent, { decisionId: 'not-a-uuid', success: 1 }, 'BAD_USER_INPUT'],
      [
        agent,
        {
          decisionId: decision.id,
          success: 1,
          supersedes: first.id,
          evidenceDigests: [{ name: 'x', digest: 'XYZ' }],
        },
        'BAD_USER_INPUT',
      ],
      [
        agent,
        { decisionId: decision.id, success: 1, supersedes: '7b0a0000-0000-7000-8000-000000000000' },
        'NOT_FOUND',
      ],
      [person(['ANALYST']), { decisionId: decision.id, success: 1, supersedes: first.id }, 'FORBIDDEN'],
    ];
    for (const [as, input, code] of cases) {
      const res = await report(as, input);
      expect(errorCode(res), JSON.stringify(input)).toBe(code);
    }
    expect(await counts()).toEqual(before);

    // An operator may correct it; then the first report can no longer be superseded.
    const fix = await report(operator, { decisionId: decision.id, success: 0.25, supersedes: first.id });
    expect(fix.body.errors).toBeUndefined();
    expect(fix.body.data!.reportOutcome.supersedes).toEqual({ id: first.id });
    const twice = await report(operator, { decisionId: decision.id, success: 0.5, supersedes: first.id });
    expect(errorCode(twice)).toBe('CONFLICT');
    const outcomes = await graphql<{
      _entities: { outcomes: { id: string; supersededBy: { id: string } | null }[] }[];
    }>(
      sg.url,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Decision { outcomes { id supersededBy { id } } } } }',
      { r: [{ __typename: 'Decision', id: decision.id }] },
      { as: servicePrincipal('gateway') },
    );
    expect(outcomes.body.data!._entities[0]!.outcomes).toEqual([
      { id: first.id, supersededBy: { id: fix.body.data!.reportOutcome.id } },
      { id: fix.body.data!.reportOutcome.id, supersededBy: null },
    ]);
  });
});

describe('the lessons', () => {
  it('learn each report once, with its weight; a correction replaces its contribution', async () => {
    const agent = person(['AGENT']);
    const d1 = ledger.decide(agent.id, {
      jurisdiction: 'EU/IT',
      category: 'loans',
      chosenOption: 'grant',
      confidence: 0.9,
    });
    const r1 = (await report(agent, { decisionId: d1.id, success: 1 })).body.data!.reportOutcome;
    expect(r1.weight).toBe(0.5);
    expect(await learn()).toBeGreaterThan(0);
    // Redelivered: nothing more.
    expect(await learn()).toBe(0);
    // Even handed the same event again outside the framework's record, the report applies once.
    const [event] = (await outboxEvents(sg, 'outcomeReported')).filter((e) => e.key.id === r1.id);
    await sg.em().transactional((em) =>
      LESSONS_CONSUMER.handle(event!, {
        em,
        outbox: sg.built.platform.outbox,
        services: sg.built.platform.services,
        jobs: ENQUEUES_NOTHING,
        logger: createLogger({ service: 'test', level: 'silent' }),
        batch: [event!],
      }),
    );
    const lesson = async (v?: number) =>
      (
        await graphql<{
          lesson: {
            version: number;
            cause: string;
            causeId: string;
            options: Record<string, number | string>[];
          } | null;
        }>(sg.url, LESSON, { j: 'EU/IT', c: 'loans', v }, { as: agent })
      ).body.data!.lesson;
    const v1 = await lesson();
    // w = 0.5, s = 1: successes 0.5, failures 0; the root EU has nothing, so the prior is Beta(1, 1).
    expect(v1).toMatchObject({ version: 1, cause: 'REPORT', causeId: r1.id });
    expect(v1!.options).toEqual([
      { option: 'grant', successes: 0.5, failures: 0, alpha: 1.5, beta: 1, mean: 0.6, effectiveSamples: 2.5 },
    ]);
    // The agent's second report counts with its record so far: BS = (0.9 − 1)² = 0.01, q = 0.98,
    // w = (0.98 + 10·0.5)/11.
    const d2 = ledger.decide(agent.id, {
      jurisdiction: 'EU/IT',
      category: 'loans',
      chosenOption: 'grant',
      confidence: 0.9,
    });
    const r2 = (await report(agent, { decisionId: d2.id, success: 0 })).body.data!.reportOutcome;
    expect(r2.weight).toBeCloseTo(5.98 / 11, 12);
    await learn();
    const v2 = await lesson();
    expect(v2!.version).toBe(2);
    expect(v2!.options[0]!.successes).toBeCloseTo(0.5, 12);
    expect(v2!.options[0]!.failures).toBeCloseTo(5.98 / 11, 12);
    // Correcting the second report to a success: its failure is taken back, a success (same weight) added.
    const fix = (await report(agent, { decisionId: d2.id, success: 1, supersedes: r2.id })).body.data!
      .reportOutcome;
    expect(fix.weight).toBeCloseTo(5.98 / 11, 12);
    await learn();
    const v3 = await lesson();
    expect(v3!.version).toBe(3);
    expect(v3!.options[0]!.successes).toBeCloseTo(0.5 + 5.98 / 11, 12);
    expect(v3!.options[0]!.failures).toBe(0);
    // The agent's calibration counts current reports only: (0.9 − 1)² twice.
    const cal = await graphql<{
      calibrations: {
        agentId: string;
        calibration: { reports: number; brierScore: number; weight: number };
      }[];
    }>(
      sg.url,
      'query ($ids: [ID!]!) { calibrations(agentIds: $ids) { agentId calibration { reports brierScore weight } } }',
      { ids: [agent.id, operator.id] },
      { as: servicePrincipal('advisory') },
    );
    expect(cal.body.data!.calibrations).toEqual([
      {
        agentId: agent.id,
        calibration: {
          reports: 2,
          brierScore: expect.closeTo(0.01, 12),
          weight: expect.closeTo((2 * 0.98 + 5) / 12, 12),
        },
      },
      { agentId: operator.id, calibration: { reports: 0, brierScore: null, weight: 0.5 } },
    ]);
  });

  it('recommend along the tree, reproduce any served version, and roll back as a new version', async () => {
    const agent = person(['AGENT']);
    // Four successes of `fast` and one failure of `slow`, all in EU/DE.
    for (const [option, success] of [
      ['fast', 1],
      ['fast', 1],
      ['fast', 1],
      ['fast', 1],
      ['slow', 0],
    ] as const) {
      const d = ledger.decide(agent.id, {
        jurisdiction: 'EU/DE',
        category: 'shipping',
        chosenOption: option,
        confidence: 0.5,
      });
      expect((await report(agent, { decisionId: d.id, success })).body.errors).toBeUndefined();
      await learn();
    }
    // Every report weighs 0.5 (a 0.5 confidence record is a coin flip): EU/DE holds fast 2/0, slow 0/0.5.
    const de = (await recommend('EU/DE', 'shipping', ['slow', 'fast', 'never'])).body.data!.recommendation;
    expect(de.lessonVersion).toBe('lsp1:shipping:k=10;EU/DE@5,EU@0');
    expect(de.options.map((o) => o.option)).toEqual(['fast', 'never', 'slow']);
    expect(de.options[0]).toMatchObject({
      expectedSuccess: 3 / 4,
      effectiveSamples: 4,
      priorFrom: 'uniform',
    });
    expect(de.options[1]).toMatchObject({
      expectedSuccess: 0.5,
      effectiveSamples: 2,
      interval: [expect.closeTo(0.025, 9), expect.closeTo(0.975, 9)],
    });
    expect(de.options[2]).toMatchObject({ expectedSuccess: 1 / 2.5, effectiveSamples: 2.5 });
    // The child borrows: EU/DE/BY has nothing, so its prior is EU/DE's posterior at c = min(10, 4) = 4.
    const by = (await recommend('EU/DE/BY', 'shipping', ['fast'])).body.data!.recommendation;
    expect(by.lessonVersion).toBe('lsp1:shipping:k=10;EU/DE/BY@0,EU/DE@5,EU@0');
    expect(by.options[0]).toMatchObject({ expectedSuccess: 0.75, effectiveSamples: 4, priorFrom: 'EU/DE' });
    // Isolation: the parent and a sibling learned nothing.
    const eu = (await recommend('EU', 'shipping', ['fast'])).body.data!.recommendation;
    expect(eu.options[0]).toMatchObject({ expectedSuccess: 0.5, effectiveSamples: 2, priorFrom: 'uniform' });
    const fr = (await recommend('EU/FR', 'shipping', ['fast'])).body.data!.recommendation;
    expect(fr.options[0]).toMatchObject({ expectedSuccess: 0.5, effectiveSamples: 2 });

    // Roll back to version 2 (two successes of fast): a new version 6 equal to it.
    const forbidden = await graphql(
      sg.url,
      'mutation { rollbackLesson(jurisdiction: "EU/DE", category: "shipping", toVersion: 2) { version } }',
      {},
      { as: agent },
    );
    expect(errorCode(forbidden)).toBe('FORBIDDEN');
    const missing = await graphql(
      sg.url,
      'mutation { rollbackLesson(jurisdiction: "EU/DE", category: "shipping", toVersion: 99) { version } }',
      {},
      { as: operator },
    );
    expect(errorCode(missing)).toBe('NOT_FOUND');
    const rolled = await graphql<{
      rollbackLesson: {
        version: number;
        cause: string;
        causeId: string;
        options: { option: string; successes: number }[];
      };
    }>(
      sg.url,
      'mutation { rollbackLesson(jurisdiction: "EU/DE", category: "shipping", toVersion: 2) { version cause causeId options { option successes } } }',
      {},
      { as: operator },
    );
    expect(rolled.body.data!.rollbackLesson).toEqual({
      version: 6,
      cause: 'ROLLBACK',
      causeId: '2',
      options: [{ option: 'fast', successes: 1 }],
    });
    const now = (await recommend('EU/DE', 'shipping', ['slow', 'fast', 'never'])).body.data!.recommendation;
    expect(now.lessonVersion).toBe('lsp1:shipping:k=10;EU/DE@6,EU@0');
    expect(now.options[0]).toMatchObject({ option: 'fast', expectedSuccess: 2 / 3 });
    const updates = await outboxEvents(sg, 'lessonUpdated');
    expect(updates.at(-1)).toMatchObject({
      key: { id: 'shipping:EU/DE@6' },
      attributes: { jurisdiction: 'EU/DE', category: 'shipping', version: '6' },
    });

    // The earlier answer, exactly, from its version.
    const again = (await recommend('EU/DE', 'shipping', ['slow', 'fast', 'never'], de.lessonVersion)).body
      .data!.recommendation;
    expect(again).toEqual(de);
    // Versions never served, or for another place, are NOT_FOUND.
    for (const [j, v] of [
      ['EU/DE', 'lsp1:shipping:k=10;EU/DE@3,EU@0'],
      ['EU/FR', de.lessonVersion],
      ['EU/DE', 'nonsense'],
    ] as const) {
      expect(errorCode(await recommend(j, 'shipping', ['fast'], v))).toBe('NOT_FOUND');
    }
    expect(errorCode(await recommend('eu', 'shipping', ['fast']))).toBe('BAD_USER_INPUT');
    expect(errorCode(await recommend('EU', 'shipping', []))).toBe('BAD_USER_INPUT');
  });

  it('reach another jurisdiction only through a reciprocity link, recorded in the ledger', async () => {
    const agent = person(['AGENT']);
    const forbidden = await graphql(
      sg.url,
      'mutation { linkJurisdictions(input: { from: "EU/FR", to: "EU/IT", weight: 0.5 }) { id } }',
      {},
      { as: agent },
    );
    expect(errorCode(forbidden)).toBe('FORBIDDEN');
    const bad = await graphql(
      sg.url,
      'mutation { linkJurisdictions(input: { from: "EU/FR", to: "NOWHERE", weight: 1.5 }) { id } }',
      {},
      { as: operator },
    );
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    const link = await graphql<{ linkJurisdictions: { id: string; ledgerIndex: string } }>(
      sg.url,
      'mutation { linkJurisdictions(input: { from: "EU/FR", to: "EU/IT", weight: 0.5 }) { id ledgerIndex } }',
      {},
      { as: operator },
    );
    expect(link.body.errors).toBeUndefined();
    expect(ledger.entries.at(-1)).toMatchObject({
      kind: 'ecp.lsp-link/v1',
      body: { action: 'LINK', from: 'EU/FR', to: 'EU/IT', weight: 0.5 },
    });
    const d = ledger.decide(agent.id, { jurisdiction: 'EU/FR', category: 'pricing', chosenOption: 'raise' });
    await report(agent, { decisionId: d.id, success: 1 });
    await learn();
    const read = async (j: string) =>
      (
        await graphql<{ lesson: { options: { successes: number }[] } | null }>(
          sg.url,
          LESSON,
          { j, c: 'pricing' },
          { as: agent },
        )
      ).body.data!.lesson;
    expect((await read('EU/FR'))!.options[0]!.successes).toBe(0.5);
    expect((await read('EU/IT'))!.options[0]!.successes).toBe(0.25);
    expect(await read('EU/DE')).toBeNull();
    expect(await read('EU')).toBeNull();
    // Revoked: nothing more flows.
    const revoke = await graphql(
      sg.url,
      'mutation ($id: ID!) { revokeJurisdictionLink(id: $id) { revokedLedgerIndex } }',
      { id: link.body.data!.linkJurisdictions.id },
      { as: operator },
    );
    expect(revoke.body.errors).toBeUndefined();
    const d2 = ledger.decide(agent.id, { jurisdiction: 'EU/FR', category: 'pricing', chosenOption: 'raise' });
    await report(agent, { decisionId: d2.id, success: 1 });
    await learn();
    expect((await read('EU/FR'))!.options[0]!.successes).toBeGreaterThan(0.5);
    expect((await read('EU/IT'))!.options[0]!.successes).toBe(0.25);
  });
});

describe('the learning-consortium SDL', () => {
  it('is committed as printed (run `npm run generate` after a schema change)', () => {
    expect(committedSubgraphSdl('learning-consortium')).toBe(subgraphSdl(learningSchema));
  });
});
