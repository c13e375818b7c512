import { replayConsumer } from '@ecp/jobs/consumer-registry';
import { testEnv } from '@ecp/test-kit/env';
import { errorCode } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { type Client, createClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Caller, eventually, gqlAs, registerCaller } from './support/callers';
import { collect, settled } from './support/live';

/**
 * The learning consortium through the gateway, with real agents, the real ledger and the workers:
 * jurisdictions defined, decisions recorded, their outcomes reported (ledger entries), learned from
 * once by the lessons consumer even when replayed, streamed as lesson versions, and recommended.
 */
let stack: Stack;
let operatorKey: string;
let redis: Redis;
const clients: Client[] = [];

type Agent = Caller;

function gql<D = Record<string, unknown>>(
  key: string,
  query: string,
  variables: Record<string, unknown> = {},
) {
  return gqlAs<D>(stack, key, query, variables);
}

const register = (name: string, jurisdictions: string[], roles = '[AGENT]') =>
  registerCaller(stack, name, jurisdictions, roles);

const RECORD = `mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { decision { id } } }`;
const REPORT = `mutation ($input: ReportOutcomeInput!) { reportOutcome(input: $input) { id success weight ledgerIndex } }`;
const RECOMMEND = `query ($j: String!, $c: String!, $o: [String!]!, $v: String) {
  recommendation(jurisdiction: $j, category: $c, options: $o, atVersion: $v) {
    lessonVersion options { option expectedSuccess interval effectiveSamples priorFrom }
  }
}`;

let agent: Agent;
let other: Agent;

beforeAll(async () => {
  stack = await startStack({ workers: true });
  redis = new Redis(testEnv.redisUrl);
  operatorKey = (await register('operator', [], '[OPERATOR]')).key;
  agent = await register('shipper', ['EU']);
  other = await register('other', ['EU']);
}, 180_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  redis?.disconnect();
  await stack?.stop();
});

async function decide(key: string, chosenOption: string, idempotencyKey: string): Promise<string> {
  const res = await gql<{ recordDecision: { decision: { id: string } } }>(key, RECORD, {
    input: {
      jurisdiction: 'EU/DE',
      category: 'shipping',
      context: { parcel: 'x' },
      options: [{ id: 'fast' }, { id: 'slow' }],
      chosenOption,
      rationale: 'cheapest on time',
      confidence: 0.8,
      idempotencyKey,
    },
  });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.recordDecision.decision.id;
}

describe('the learning consortium through the gateway', () => {
  it('defines the tree, learns from reported outcomes once, streams lesson versions and recommends', async () => {
    for (const input of [
      { code: 'EU', riskWeight: 0.4, categoriesRequiringApproval: ['payments'] },
      { code: 'EU/DE', frictionThreshold: 0.6 },
    ]) {
      const res = await gql(
        operatorKey,
        'mutation ($input: DefineJurisdictionInput!) { defineJurisdiction(input: $input) { code } }',
        { input },
      );
      expect(res.body.errors).toBeUndefined();
    }
    const refused = await gql(agent.key, 'mutation { defineJurisdiction(input: { code: "US" }) { code } }');
    expect(errorCode(refused)).toBe('FORBIDDEN');
    const policy = await gql<{ jurisdictionPolicy: Record<string, unknown> }>(
      agent.key,
      '{ jurisdictionPolicy(code: "EU/DE/BY") { definedAt riskWeight frictionThreshold divergenceThreshold categoriesRequiringApproval } }',
    );
    expect(policy.body.data!.jurisdictionPolicy).toEqual({
      definedAt: 'EU/DE',
      riskWeight: 0.4,
      frictionThreshold: 0.6,
      divergenceThreshold: 0.5,
      categoriesRequiringApproval: ['payments'],
    });

    const ws = createClient({
      url: stack.websocketUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${agent.key}` },
      retryAttempts: 0,
    });
    clients.push(ws);
    const live = collect(
      ws,
      'subscription { lessonUpdated(filter: { jurisdiction: "EU/DE", category: "shipping" }) { id version jurisdiction category options { option successes failures alpha beta } } }',
    );
    await settled();

    const first = await decide(agent.key, 'fast', 'ship-1');
    const reported = await gql<{ reportOutcome: { id: string; weight: number; ledgerIndex: string } }>(
      agent.key,
      REPORT,
      {
        input: {
          decisionId: first,
          success: 1,
          note: 'on time',
          evidenceDigests: [{ name: 'tracking', digest: 'b'.repeat(64) }],
        },
      },
    );
    expect(reported.body.errors).toBeUndefined();
    const { ledgerIndex, weight } = reported.body.data!.reportOutcome;
    expect(weight).toBe(0.5);
    const entry = await gql<{ ledgerEntry: { kind: string; canonicalJson: string } }>(
      agent.key,
      'query ($i: String!) { ledgerEntry(index: $i) { kind canonicalJson } }',
      { i: ledgerIndex },
    );
    expect(entry.body.data!.ledgerEntry.kind).toBe('ecp.outcome-report/v1');
    expect(JSON.parse(entry.body.data!.ledgerEntry.canonicalJson)).toMatchObject({
      recordedBy: 'service:learning-consortium',
      actorId: agent.id,
      body: { decisionId: first, agentId: agent.id, success: 1, chosenOption: 'fast', statedConfidence: 0.8 },
    });

    // Bad reports: someone else's decision, a second report, an unknown decision, out of range.
    const cases: [string, Record<string, unknown>, string][] = [
      [other.key, { decisionId: first, success: 1 }, 'FORBIDDEN'],
      [agent.key, { decisionId: first, success: 0 }, 'CONFLICT'],
      [agent.key, { decisionId: '01900000-0000-7000-8000-000000000000', success: 1 }, 'NOT_FOUND'],
      [
        agent.key,
        { decisionId: first, success: 2, supersedes: reported.body.data!.reportOutcome.id },
        'BAD_USER_INPUT',
      ],
    ];
    for (const [key, input, code] of cases) expect(errorCode(await gql(key, REPORT, { input }))).toBe(code);

    await live.next(1);
    expect(live.received[0]!.data!.lessonUpdated).toEqual({
      id: 'shipping:EU/DE@1',
      version: 1,
      jurisdiction: 'EU/DE',
      category: 'shipping',
      options: [{ option: 'fast', successes: 0.5, failures: 0, alpha: 1.5, beta: 1 }],
    });

    const second = await decide(agent.key, 'slow', 'ship-2');
    expect(
      (await gql(agent.key, REPORT, { input: { decisionId: second, success: 0 } })).body.errors,
    ).toBeUndefined();
    await live.next(2);

    const rec = await gql<{
      recommendation: {
        lessonVersion: string;
        options: { option: string; expectedSuccess: number; priorFrom: string }[];
      };
    }>(agent.key, RECOMMEND, { j: 'EU/DE/BY', c: 'shipping', o: ['slow', 'fast'] });
    expect(rec.body.errors).toBeUndefined();
    const answer = rec.body.data!.recommendation;
    expect(answer.lessonVersion).toBe('lsp1:shipping:k=10;EU/DE/BY@0,EU/DE@2,EU@0');
    expect(answer.options.map((o) => [o.option, o.priorFrom])).toEqual([
      ['fast', 'EU/DE'],
      ['slow', 'EU/DE'],
    ]);
    // The agent's calibration, through the gateway, from both reports.
    const cal = await gql<{
      agent: { calibration: { reports: number; brierScore: number; weight: number } };
    }>(agent.key, 'query ($id: ID!) { agent(id: $id) { calibration { reports brierScore weight } } }', {
      id: agent.id,
    });
    expect(cal.body.data!.agent.calibration).toMatchObject({
      reports: 2,
      brierScore: expect.closeTo((0.04 + 0.64) / 2, 9),
    });

    // Replayed from the start, the consumer finds every event applied: no new version.
    await replayConsumer(redis, `${stack.eventStreamPrefix}jobs`, 'learning.lessons', '0');
    await new Promise((r) => setTimeout(r, 2000));
    const history = await gql<{ lessonHistory: { version: number }[] }>(
      agent.key,
      '{ lessonHistory(jurisdiction: "EU/DE", category: "shipping") { version } }',
    );
    expect(history.body.data!.lessonHistory).toEqual([{ version: 2 }, { version: 1 }]);
    const again = await gql<{ recommendation: unknown }>(agent.key, RECOMMEND, {
      j: 'EU/DE/BY',
      c: 'shipping',
      o: ['slow', 'fast'],
      v: answer.lessonVersion,
    });
    expect(again.body.data!.recommendation).toEqual(answer);
    await eventually('no third lesson version', async () => (live.received.length === 2 ? true : null));
  });

  it('gives advice its calibration: the track-record factor, REPUTATION votes and the divergence from its recommendation', async () => {
    // From the first test: two reports, confidence 0.8, success 1 then 0 → Brier 0.34, q = 1 − 2·0.34.
    const weight = (2 * (1 - 2 * 0.34) + 10 * 0.5) / 12;
    const cal = await gql<{ calibrations: { agentId: string; calibration: { weight: number } }[] }>(
      agent.key,
      'query ($ids: [ID!]!) { calibrations(agentIds: $ids) { agentId calibration { reports weight } } }',
      { ids: [agent.id, other.id] },
    );
    expect(cal.body.data!.calibrations).toEqual([
      { agentId: agent.id, calibration: { reports: 2, weight: expect.closeTo(weight, 9) } },
      { agentId: other.id, calibration: { reports: 0, weight: 0.5 } },
    ]);

    const assessed = await gql<{
      assessFriction: { factors: { name: string; value: number; explanation: string }[] };
    }>(
      agent.key,
      'mutation ($input: FrictionInput!) { assessFriction(input: $input) { factors { name value explanation } } }',
      {
        input: {
          jurisdiction: 'EU',
          category: 'shipping',
          options: [{ id: 'fast' }, { id: 'slow' }],
          chosenOption: 'fast',
          confidence: 0.8,
        },
      },
    );
    expect(assessed.body.errors).toBeUndefined();
    const trackRecord = assessed.body.data!.assessFriction.factors.find((f) => f.name === 'trackRecord')!;
    expect(trackRecord.value).toBeCloseTo(1 - weight, 9);
    expect(trackRecord.explanation).toContain('over 2 reports');

    // A REPUTATION poll counts each vote with its voter's calibration weight when it voted.
    const opened = await gql<{ openPoll: { id: string } }>(
      agent.key,
      'mutation ($input: OpenPollInput!) { openPoll(input: $input) { id } }',
      {
        input: {
          question: 'fast or slow?',
          jurisdiction: 'EU',
          options: [{ id: 'fast' }, { id: 'slow' }],
          eligibleVoters: [agent.id, other.id],
          quorum: 2,
          closesAt: new Date(Date.now() + 3600_000).toISOString(),
          weighting: 'REPUTATION',
        },
      },
    );
    expect(opened.body.errors).toBeUndefined();
    const pollId = opened.body.data!.openPoll.id;
    for (const [voter, option] of [
      [agent, 'fast'],
      [other, 'slow'],
    ] as const) {
      const cast = await gql(
        voter.key,
        'mutation ($input: CastVoteInput!) { castVote(input: $input) { id } }',
        {
          input: { pollId, option, confidence: 0.9 },
        },
      );
      expect(cast.body.errors).toBeUndefined();
    }
    const closed = await gql<{
      poll: { status: string; result: { tallies: { option: string; weight: number }[] } };
    }>(agent.key, 'query ($id: ID!) { poll(id: $id) { status result { tallies { option weight } } } }', {
      id: pollId,
    });
    expect(closed.body.data!.poll.status).toBe('CLOSED');
    expect(closed.body.data!.poll.result.tallies).toEqual([
      { option: 'fast', weight: expect.closeTo(weight, 9) },
      { option: 'slow', weight: 0.5 },
    ]);

    // Choosing the option the consortium ranks lower: its divergence from the consortium is the gap.
    const rec = await gql<{ recommendation: { options: { option: string; expectedSuccess: number }[] } }>(
      agent.key,
      RECOMMEND,
      { j: 'EU/DE', c: 'shipping', o: ['fast', 'slow'] },
    );
    const expected = Object.fromEntries(
      rec.body.data!.recommendation.options.map((o) => [o.option, o.expectedSuccess]),
    );
    expect(expected.fast).toBeGreaterThan(expected.slow!);
    const third = await decide(agent.key, 'slow', 'ship-3');
    const divergence = await eventually('the third decision’s divergence', async () => {
      const res = await gql<{ decision: { divergence: { fromConsortium: number | null } | null } }>(
        agent.key,
        'query ($id: ID!) { decision(id: $id) { divergence { fromConsortium } } }',
        { id: third },
      );
      return res.body.data?.decision.divergence ?? null;
    });
    expect(divergence.fromConsortium).toBeCloseTo(expected.fast! - expected.slow!, 9);
  });
});
