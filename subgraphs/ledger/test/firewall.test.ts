import { newId } from '@ecp/db/ids';
import { type EventEnvelope, streamKey } from '@ecp/events/event';
import type { Principal } from '@ecp/identity/principal';
import { createLogger } from '@ecp/logging/logger';
import decisionApprovalV1 from '@ecp/schema/ledger/ecp.decision-approval.v1.schema.json' with {
  type: 'json',
};
import decisionRejectionV1 from '@ecp/schema/ledger/ecp.decision-rejection.v1.schema.json' with {
  type: 'json',
};
import {
  createServiceDirectory,
  defaultSubgraphUrls,
  subgraphUrlsOf,
} from '@ecp/service-kit/service-directory';
import { testEnv } from '@ecp/test-kit/env';
import { decisionInput } from '@ecp/test-kit/fixtures';
import { errorCode, graphql, TEST_IDENTITY_SECRET } from '@ecp/test-kit/http';
import { ENQUEUES_NOTHING } from '@ecp/test-kit/jobs';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXPIRE_DECISION_JOB, EXPIRE_DUE_DECISIONS_JOB } from '../src/modules/firewall/firewall.jobs';
import type { FirewallAdvice, JurisdictionPolicy } from '../src/modules/firewall/firewall-advice';
import { type AdviceChecker, namedAdvice } from '../src/modules/ledger/advice-checker';
import { ledgerSubgraph } from '../src/subgraph';
import { testLedgerConfig } from './ledger-config';
import { ledgerSize, seedAgent } from './seed';
import { verifyExport } from './verify-export';

/**
 * The Liability Firewall in the ledger alone: the learning consortium and advisory are this file's
 * `FirewallAdvice` (the interface production's service calls sit behind), so each hold reason can be
 * produced at will; the path through the real subgraphs is `test/src/firewall.e2e.test.ts`.
 */

const DEFAULT_POLICY: Omit<JurisdictionPolicy, 'code'> = {
  version: 'v1',
  frictionThreshold: 0.7,
  divergenceThreshold: 0.5,
  categoriesRequiringApproval: [],
  approvalRules: [],
};

/** What the other subgraphs answer, per test. */
const world = {
  policy: { ...DEFAULT_POLICY } as Omit<JurisdictionPolicy, 'code'>,
  friction: 0.2,
  divergence: null as number | null,
  policyDown: false,
  advisoryDown: false,
  assessed: 0,
};

const advice: FirewallAdvice = {
  async policy(code) {
    if (world.policyDown) throw Object.assign(new Error('down'), { code: 'SERVICE_UNAVAILABLE' });
    return { code, ...world.policy };
  },
  async assessFriction() {
    if (world.advisoryDown) throw Object.assign(new Error('down'), { code: 'SERVICE_UNAVAILABLE' });
    world.assessed++;
    return { assessmentId: newId(), score: world.friction };
  },
  async frictionScore() {
    if (world.advisoryDown) throw new Error('down');
    return world.friction;
  },
  async divergence() {
    if (world.advisoryDown) throw new Error('down');
    return world.divergence;
  },
  async bestOption(_body, lessonVersion) {
    return lessons.get(lessonVersion);
  },
};

/** The lesson versions the consortium knows, and the best option each recommended. */
const lessons = new Map([['lesson-7', 'raise']]);

/** Confirms every id named, and reads the cited assessment's score as the real checker does. */
const confirmAll: AdviceChecker = {
  async check({ body, confirmed }) {
    if (confirmed && namedAdvice(body.advice).some((a) => a.field === 'frictionAssessmentId')) {
      confirmed.frictionScore = world.friction;
    }
    return [];
  },
};

let sg: SubgraphUnderTest;
let agent: Principal;
let other: Principal;
const operator = (name: string): Principal => ({
  kind: 'agent',
  id: newId(),
  name,
  roles: ['OPERATOR'],
  jurisdictions: [],
});
const alice = operator('alice');
const bob = operator('bob');
const carol = operator('carol');

const prefix = `ecp:test:${newId()}:`;
const config = (url: string) =>
  testLedgerConfig(url, { EVENT_STREAM_PREFIX: prefix, QUEUE_PREFIX: `${prefix}jobs` });
const logger = createLogger({ service: 'test', level: 'silent' });
let services: ReturnType<typeof createServiceDirectory>;
let redis: Redis;

beforeAll(async () => {
  sg = await startSubgraph(
    (url) => ledgerSubgraph(config(url), { firewall: advice, advice: confirmAll }),
    config,
  );
  // The workers host the ledger's jobs and call the ledger as the ledger service.
  services = createServiceDirectory({
    service: 'ledger',
    identitySecret: TEST_IDENTITY_SECRET,
    urls: { ...subgraphUrlsOf(defaultSubgraphUrls()), ledger: sg.url },
    registry: new Registry(),
    logger,
  });
  redis = new Redis(testEnv.redisUrl);
  agent = await seedAgent(sg, 'gated-bot', ['EU']);
  other = await seedAgent(sg, 'other-bot', ['EU']);
});

afterAll(async () => {
  await services?.close();
  await sg?.stop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

beforeEach(() => {
  Object.assign(world, {
    policy: { ...DEFAULT_POLICY },
    friction: 0.2,
    divergence: null,
    policyDown: false,
    advisoryDown: false,
  });
});

const DECISION = `id liability { rulesVersion shares { party partyId share ppm rule } } status holdReasons holdReasonDetails { code message } ledgerIndex leafHash treeSize
  approvalsNeeded expiresAt proposalSha256 entry { kind } approvals { verdict reviewerId reason proposalSha256 ledgerIndex }`;
interface DecisionRead {
  id: string;
  liability: {
    rulesVersion: string;
    shares: { party: string; partyId: string | null; share: string; ppm: number }[];
  } | null;
  status: string;
  holdReasons: string[];
  holdReasonDetails: { code: string; message: string }[];
  ledgerIndex: string | null;
  leafHash: string | null;
  treeSize: string | null;
  approvalsNeeded: number | null;
  expiresAt: string | null;
  proposalSha256: string | null;
  entry: { kind: string } | null;
  approvals: {
    verdict: string;
    reviewerId: string;
    reason: string;
    proposalSha256: string;
    ledgerIndex: string;
  }[];
}

async function record(input: Record<string, unknown>, as: Principal = agent) {
  return graphql<{
    recordDecision: { status: string; replayed: boolean; ledgerIndex: string | null; decision: DecisionRead };
  }>(
    sg.url,
    `mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { status replayed ledgerIndex decision { ${DECISION} } } }`,
    { input },
    { as },
  );
}

async function held(
  input: Record<string, unknown> = decisionInput({ jurisdiction: 'EU' }),
): Promise<DecisionRead> {
  const res = await record(input);
  expect(res.body.errors).toBeUndefined();
  const out = res.body.data!.recordDecision;
  expect(out.status).toBe('PENDING_APPROVAL');
  return out.decision;
}

function review(verb: 'approveDecision' | 'rejectDecision', id: string, reason: string, as: Principal) {
  return graphql<Record<string, DecisionRead>>(
    sg.url,
    `mutation ($id: ID!, $reason: String!) { ${verb}(id: $id, reason: $reason) { ${DECISION} } }`,
    { id, reason },
    { as },
  );
}

function read(id: string, as: Principal) {
  return graphql<{ decision: DecisionRead | null }>(
    sg.url,
    `query ($id: ID!) { decision(id: $id) { ${DECISION} } }`,
    { id },
    { as },
  );
}

describe('the gate', () => {
  it('commits at once when nothing applies, asking advisory for the friction of the draft', async () => {
    const before = world.assessed;
    const res = await record(decisionInput({ jurisdiction: 'EU' }));
    expect(res.body.errors).toBeUndefined();
    const out = res.body.data!.recordDecision;
    expect(out.status).toBe('COMMITTED');
    expect(out.ledgerIndex).toMatch(/^\d+$/);
    expect(out.decision.holdReasons).toEqual([]);
    expect(out.decision.approvalsNeeded).toBeNull();
    expect(world.assessed).toBe(before + 1);
  });

  it('passes a score equal to the threshold, and holds one above it', async () => {
    world.friction = 0.7;
    expect((await record(decisionInput({ jurisdiction: 'EU' }))).body.data!.recordDecision.status).toBe(
      'COMMITTED',
    );
    world.friction = 0.71;
    const d = await held();
    expect(d.holdReasons).toEqual(['FRICTION_ABOVE_THRESHOLD']);
    expect(d.holdReasonDetails[0]!.message).toContain('0.710');
  });

  it('uses the cited assessment’s score, without a new assessment', async () => {
    world.friction = 0.9;
    const before = world.assessed;
    const d = await held(decisionInput({ jurisdiction: 'EU', advice: { frictionAssessmentId: newId() } }));
    expect(d.holdReasons).toEqual(['FRICTION_ABOVE_THRESHOLD']);
    expect(world.assessed).toBe(before);
  });

  it('holds on divergence from a cited closed poll, and not while the poll is open', async () => {
    world.divergence = null;
    const open = await record(decisionInput({ jurisdiction: 'EU', advice: { pollId: newId() } }));
    expect(open.body.data!.recordDecision.status).toBe('COMMITTED');
    world.divergence = 0.8;
    const d = await held(decisionInput({ jurisdiction: 'EU', advice: { pollId: newId() } }));
    expect(d.holdReasons).toEqual(['DIVERGENCE_ABOVE_THRESHOLD']);
  });

  it('holds a category that requires approval, with the approvers its rule asks for', async () => {
    world.policy = {
      ...DEFAULT_POLICY,
      categoriesRequiringApproval: ['payments'],
      approvalRules: [{ category: 'payments', approvers: 2 }],
    };
    const d = await held(decisionInput({ jurisdiction: 'EU', category: 'payments' }));
    expect(d.holdReasons).toEqual(['CATEGORY_REQUIRES_APPROVAL']);
    expect(d.approvalsNeeded).toBe(2);
  });

  it('holds, never commits blind, when advisory or the policy cannot be obtained', async () => {
    world.advisoryDown = true;
    expect((await held()).holdReasons).toEqual(['ADVICE_UNAVAILABLE']);
    world.advisoryDown = false;
    world.policyDown = true;
    const d = await held();
    expect(d.holdReasons).toEqual(['POLICY_UNAVAILABLE']);
    expect(d.approvalsNeeded).toBe(1);
  });

  it('gives every reason that applies, in a stable order', async () => {
    world.friction = 0.95;
    world.divergence = 0.9;
    world.policy = { ...DEFAULT_POLICY, categoriesRequiringApproval: ['pricing'] };
    const d = await held(decisionInput({ jurisdiction: 'EU', advice: { pollId: newId() } }));
    expect(d.holdReasons).toEqual([
      'FRICTION_ABOVE_THRESHOLD',
      'DIVERGENCE_ABOVE_THRESHOLD',
      'CATEGORY_REQUIRES_APPROVAL',
    ]);
  });
});

describe('held proposals', () => {
  it('appends nothing, has no place in the tree, and is read by its agent and operators only', async () => {
    world.friction = 0.9;
    const before = await ledgerSize(sg);
    const d = await held();
    expect(await ledgerSize(sg)).toBe(before);
    expect(d).toMatchObject({
      ledgerIndex: null,
      leafHash: null,
      treeSize: null,
      entry: null,
      approvals: [],
    });
    expect(d.proposalSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(new Date(d.expiresAt!).getTime() - Date.now()).toBeGreaterThan(86_000_000);
    expect((await read(d.id, agent)).body.data!.decision!.status).toBe('PENDING_APPROVAL');
    expect((await read(d.id, alice)).body.data!.decision!.status).toBe('PENDING_APPROVAL');
    expect(errorCode(await read(d.id, other))).toBe('NOT_FOUND');
    const listed = await graphql<{ decisions: { edges: { node: { id: string } }[] } }>(
      sg.url,
      '{ decisions(first: 100) { edges { node { id } } } }',
      {},
      { as: alice },
    );
    expect(listed.body.data!.decisions.edges.map((e) => e.node.id)).not.toContain(d.id);
  });

  it('answers a retry with the same pending proposal, and a different body under the key with CONFLICT', async () => {
    world.friction = 0.9;
    const input = decisionInput({ jurisdiction: 'EU' });
    const first = await held(input);
    const again = await record(input);
    expect(again.body.data!.recordDecision).toMatchObject({ status: 'PENDING_APPROVAL', replayed: true });
    expect(again.body.data!.recordDecision.decision.id).toBe(first.id);
    const changed = await record({ ...input, rationale: 'Something else.' });
    expect(errorCode(changed)).toBe('CONFLICT');
  });

  it('holds one proposal for concurrent retries under one key, each answered with it', async () => {
    world.friction = 0.9;
    const input = decisionInput({ jurisdiction: 'EU' });
    const answers = await Promise.all([1, 2, 3].map(() => record(input)));
    expect(answers.map((a) => a.body.errors)).toEqual([undefined, undefined, undefined]);
    const ids = new Set(answers.map((a) => a.body.data!.recordDecision.decision.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => !a.body.data!.recordDecision.replayed)).toHaveLength(1);
    const rows = await sg
      .em()
      .getConnection()
      .execute('select count(*)::int as n from ledger.held_decision where idempotency_key = ?', [
        input.idempotencyKey,
      ]);
    expect((rows[0] as { n: number }).n).toBe(1);
  });

  it('lists what waits for operators, oldest first, paged; an agent sees its own', async () => {
    world.friction = 0.9;
    const mine = [await held(), await held()];
    const page = async (as: Principal, after?: string) =>
      (
        await graphql<{
          pendingDecisions: {
            edges: { cursor: string; node: { id: string } }[];
            pageInfo: { hasNextPage: boolean };
          };
        }>(
          sg.url,
          'query ($after: String) { pendingDecisions(first: 1000, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage } } }',
          after ? { after } : {},
          { as },
        )
      ).body.data!.pendingDecisions;
    const all = await page(alice);
    const ids = all.edges.map((e) => e.node.id);
    expect(ids.indexOf(mine[0]!.id)).toBeLessThan(ids.indexOf(mine[1]!.id));
    const rest = await page(alice, all.edges.at(-2)!.cursor);
    expect(rest.edges.map((e) => e.node.id)).toEqual([ids.at(-1)]);
    expect((await page(other)).edges).toEqual([]);
    expect((await page(agent)).edges.map((e) => e.node.id)).toEqual(
      expect.arrayContaining(mine.map((m) => m.id)),
    );
  });
});

describe('approval and rejection', () => {
  beforeEach(() => {
    world.friction = 0.9;
  });

  it('refuses non-operators, the proposing agent, blank or long reasons, unknown ids: nothing changes', async () => {
    const d = await held();
    const size = await ledgerSize(sg);
    expect(errorCode(await review('approveDecision', d.id, 'ok', agent))).toBe('FORBIDDEN');
    expect(errorCode(await review('rejectDecision', d.id, 'ok', other))).toBe('FORBIDDEN');
    const selfOperator: Principal = { ...agent, roles: ['AGENT', 'OPERATOR'] };
    expect(errorCode(await review('approveDecision', d.id, 'ok', selfOperator))).toBe('FORBIDDEN');
    expect(errorCode(await review('approveDecision', d.id, '   ', alice))).toBe('BAD_USER_INPUT');
    expect(errorCode(await review('approveDecision', d.id, 'x'.repeat(2001), alice))).toBe('BAD_USER_INPUT');
    expect(errorCode(await review('rejectDecision', newId(), 'ok', alice))).toBe('NOT_FOUND');
    expect(errorCode(await review('rejectDecision', 'nope', 'ok', alice))).toBe('BAD_USER_INPUT');
    expect(await ledgerSize(sg)).toBe(size);
    expect((await read(d.id, alice)).body.data!.decision!).toMatchObject({
      status: 'PENDING_APPROVAL',
      approvals: [],
    });
  });

  it('commits on one approval by default: the approval entry binds the proposal hash, then the decision entry', async () => {
    const d = await held();
    const size = await ledgerSize(sg);
    const res = await review('approveDecision', d.id, 'Checked the supplier.', alice);
    expect(res.body.errors).toBeUndefined();
    const done = res.body.data!.approveDecision!;
    expect(done.status).toBe('COMMITTED');
    expect(done.ledgerIndex).toMatch(/^\d+$/);
    expect(done.entry!.kind).toBe('ecp.decision/v3');
    expect(done.holdReasons).toEqual(['FRICTION_ABOVE_THRESHOLD']);
    expect(done.approvals).toEqual([
      expect.objectContaining({
        verdict: 'APPROVAL',
        reviewerId: alice.id,
        reason: 'Checked the supplier.',
        proposalSha256: d.proposalSha256,
      }),
    ]);
    expect(BigInt(done.approvals[0]!.ledgerIndex)).toBeLessThan(BigInt(done.ledgerIndex!));
    expect(await ledgerSize(sg)).toBe(size + 2);
    // Committed: listed with the others, and the approval can no longer be given.
    expect(errorCode(await review('approveDecision', d.id, 'late', bob))).toBe('CONFLICT');
    const entry = await graphql<{ ledgerEntry: { kind: string; canonicalJson: string } }>(
      sg.url,
      'query ($i: String!) { ledgerEntry(index: $i) { kind canonicalJson } }',
      { i: done.approvals[0]!.ledgerIndex },
      { as: alice },
    );
    const approval = JSON.parse(entry.body.data!.ledgerEntry.canonicalJson);
    expect(approval).toMatchObject({
      kind: 'ecp.decision-approval/v1',
      recordedBy: 'service:ledger',
      actorId: alice.id,
      body: { decisionId: d.id, agentId: agent.id, proposalSha256: d.proposalSha256, approvalsNeeded: 1 },
    });
  });

  it('needs M distinct approvers: one approver counts once, the M-th commits', async () => {
    world.policy = { ...DEFAULT_POLICY, approvalRules: [{ category: 'pricing', approvers: 2 }] };
    const d = await held();
    expect(d.approvalsNeeded).toBe(2);
    const first = (await review('approveDecision', d.id, 'Looks right.', alice)).body.data!.approveDecision!;
    expect(first.status).toBe('PENDING_APPROVAL');
    expect(first.approvals).toHaveLength(1);
    const size = await ledgerSize(sg);
    expect(errorCode(await review('approveDecision', d.id, 'Again.', alice))).toBe('CONFLICT');
    expect(await ledgerSize(sg)).toBe(size);
    const second = (await review('approveDecision', d.id, 'Agreed.', bob)).body.data!.approveDecision!;
    expect(second.status).toBe('COMMITTED');
    expect(second.approvals.map((a) => a.reviewerId)).toEqual([alice.id, bob.id]);
  });

  it('ends with one rejection: REJECTED, never in the ledger, and no approval after', async () => {
    world.policy = { ...DEFAULT_POLICY, approvalRules: [{ category: 'pricing', approvers: 3 }] };
    const d = await held();
    await review('approveDecision', d.id, 'Fine by me.', alice);
    const rejected = (await review('rejectDecision', d.id, 'Too risky.', bob)).body.data!.rejectDecision!;
    expect(rejected).toMatchObject({ status: 'REJECTED', ledgerIndex: null });
    expect(rejected.approvals.map((a) => a.verdict)).toEqual(['APPROVAL', 'REJECTION']);
    expect(errorCode(await review('approveDecision', d.id, 'Now?', carol))).toBe('CONFLICT');
    expect(errorCode(await review('rejectDecision', d.id, 'Again.', carol))).toBe('CONFLICT');
    expect((await read(d.id, agent)).body.data!.decision!.status).toBe('REJECTED');
  });

  it('an approval binds the exact proposal: one whose stored body changed cannot be committed by it', async () => {
    world.policy = { ...DEFAULT_POLICY, approvalRules: [{ category: 'pricing', approvers: 2 }] };
    const d = await held();
    await review('approveDecision', d.id, 'Reviewed.', alice);
    const db = sg.em().getConnection();
    // Someone changes the proposal behind the firewall's back…
    await db.execute(
      `update ledger.held_decision set proposal = jsonb_set(proposal, '{body,chosenOption}', '"hold"') where id = ?`,
      [d.id],
    );
    expect(errorCode(await review('approveDecision', d.id, 'Reviewed too.', bob))).toBe('CONFLICT');
    // …and even the hash with it: the earlier approval was of the old hash, so it does not count.
    const { createHash } = await import('node:crypto');
    const { canonicalBytes } = await import('@ecp/ledger-format/canonical-json');
    const [row] = (await db.execute('select proposal from ledger.held_decision where id = ?', [d.id])) as {
      proposal: { body: unknown; signature: unknown };
    }[];
    const forged = createHash('sha256')
      .update(
        canonicalBytes({
          kind: 'ecp.decision/v3',
          decisionId: d.id,
          agentId: agent.id,
          body: row!.proposal.body,
          signature: row!.proposal.signature ?? null,
        }),
      )
      .digest('hex');
    await db.execute('update ledger.held_decision set proposal_sha256 = ? where id = ?', [forged, d.id]);
    const after = (await review('approveDecision', d.id, 'Reviewed too.', bob)).body.data!.approveDecision!;
    expect(after.status).toBe('PENDING_APPROVAL');
    expect(after.approvals.map((a) => a.proposalSha256)).toEqual([d.proposalSha256, forged]);
  });

  it('two operators at once: both approvals kept, committed exactly once', async () => {
    world.policy = { ...DEFAULT_POLICY, approvalRules: [{ category: 'pricing', approvers: 2 }] };
    const d = await held();
    const size = await ledgerSize(sg);
    const both = await Promise.all([
      review('approveDecision', d.id, 'Yes.', alice),
      review('approveDecision', d.id, 'Yes.', bob),
    ]);
    expect(both.map((r) => r.body.errors)).toEqual([undefined, undefined]);
    const final = (await read(d.id, alice)).body.data!.decision!;
    expect(final.status).toBe('COMMITTED');
    expect(final.approvals).toHaveLength(2);
    expect(await ledgerSize(sg)).toBe(size + 3);
    const rows = await sg
      .em()
      .getConnection()
      .execute('select count(*)::int as n from ledger.decision where id = ?', [d.id]);
    expect((rows[0] as { n: number }).n).toBe(1);
  });

  it('one approval needed, three operators at once: one commits it, the others are told it is no longer pending', async () => {
    const d = await held();
    const results = await Promise.all(
      [alice, bob, carol].map((op) => review('approveDecision', d.id, 'Go.', op)),
    );
    const codes = results.map((r) => errorCode(r) ?? 'OK').sort();
    expect(codes).toEqual(['CONFLICT', 'CONFLICT', 'OK']);
    const final = (await read(d.id, alice)).body.data!.decision!;
    expect(final.status).toBe('COMMITTED');
    expect(final.approvals).toHaveLength(1);
  });

  it('a two-person proposal with the same operator twice at once counts once', async () => {
    world.policy = { ...DEFAULT_POLICY, approvalRules: [{ category: 'pricing', approvers: 2 }] };
    const d = await held();
    const results = await Promise.all([1, 2].map(() => review('approveDecision', d.id, 'Me.', alice)));
    expect(results.map((r) => errorCode(r) ?? 'OK').sort()).toEqual(['CONFLICT', 'OK']);
    expect((await read(d.id, alice)).body.data!.decision!).toMatchObject({ status: 'PENDING_APPROVAL' });
  });

  it('keeps the ledger verifiable, approval and rejection entries included', async () => {
    const out = await verifyExport(sg, {
      'approval.json': decisionApprovalV1,
      'rejection.json': decisionRejectionV1,
    });
    expect(out).toContain('ecp.decision-approval/v1');
  });
});

describe('expiry', () => {
  const context = () => ({
    orm: sg.built.orm,
    outbox: sg.built.platform.outbox,
    services,
    jobs: ENQUEUES_NOTHING,
    logger,
    job: { id: 'test', queue: 'test', attempt: 1 },
  });
  const backdate = (id: string) =>
    sg
      .em()
      .getConnection()
      .execute("update ledger.held_decision set expires_at = now() - interval '1 second' where id = ?", [id]);

  beforeEach(() => {
    world.friction = 0.9;
  });

  it('schedules a delayed job per held decision, due at its expiry', async () => {
    const d = await held();
    const queue = new Queue(EXPIRE_DECISION_JOB.queue, { connection: redis, prefix: `${prefix}jobs` });
    try {
      const job = await queue.getJob(`expire-${d.id}`);
      expect(job?.data).toEqual({ decisionId: d.id });
      expect(job!.timestamp + job!.delay).toBeGreaterThan(Date.now() + 86_000_000);
    } finally {
      await queue.close();
    }
  });

  it('rejects by the system at its time, recorded as a rejection entry with no actor; nothing before', async () => {
    const d = await held();
    expect(await EXPIRE_DECISION_JOB.process({ decisionId: d.id }, context())).toEqual({ expired: 0 });
    expect((await read(d.id, alice)).body.data!.decision!.status).toBe('PENDING_APPROVAL');
    await backdate(d.id);
    // An approval is void once the proposal expired, even before the job runs.
    expect(errorCode(await review('approveDecision', d.id, 'Too late?', alice))).toBe('CONFLICT');
    expect(await EXPIRE_DECISION_JOB.process({ decisionId: d.id }, context())).toEqual({ expired: 1 });
    const after = (await read(d.id, alice)).body.data!.decision!;
    expect(after.status).toBe('REJECTED');
    expect(after.approvals).toEqual([
      expect.objectContaining({ verdict: 'REJECTION', reviewerId: 'system' }),
    ]);
    const entry = await graphql<{ ledgerEntry: { canonicalJson: string } }>(
      sg.url,
      'query ($i: String!) { ledgerEntry(index: $i) { canonicalJson } }',
      { i: after.approvals[0]!.ledgerIndex },
      { as: alice },
    );
    const rejection = JSON.parse(entry.body.data!.ledgerEntry.canonicalJson);
    expect(rejection).toMatchObject({
      kind: 'ecp.decision-rejection/v1',
      recordedBy: 'service:ledger',
      body: { by: 'SYSTEM' },
    });
    expect(rejection.actorId).toBeUndefined();
    expect(await EXPIRE_DECISION_JOB.process({ decisionId: d.id }, context())).toEqual({ expired: 0 });
  });

  it('sweep: rejects every held decision past its time, and nothing else', async () => {
    const overdue = [await held(), await held()];
    const later = await held();
    for (const d of overdue) await backdate(d.id);
    expect(await EXPIRE_DUE_DECISIONS_JOB.process({}, context())).toEqual({ expired: 2 });
    for (const d of overdue) expect((await read(d.id, alice)).body.data!.decision!.status).toBe('REJECTED');
    expect((await read(later.id, alice)).body.data!.decision!.status).toBe('PENDING_APPROVAL');
  });

  it('is the ledger’s own to ask: FORBIDDEN for operators', async () => {
    const res = await graphql(sg.url, 'mutation { expireHeldDecisions }', {}, { as: alice });
    expect(errorCode(res)).toBe('FORBIDDEN');
  });
});

describe('events', () => {
  it('decisionHeld and decisionStatusChanged for every change, and decisionRecorded when a held decision commits', async () => {
    world.friction = 0.9;
    world.policy = { ...DEFAULT_POLICY, approvalRules: [{ category: 'pricing', approvers: 2 }] };
    const d = await held();
    await review('approveDecision', d.id, 'One.', alice);
    await review('approveDecision', d.id, 'Two.', bob);
    const events = async (topic: string) =>
      (await redis.xrange(streamKey(prefix, topic), '-', '+'))
        .map(([, fields]) => JSON.parse(fields[1]!) as EventEnvelope)
        .filter((e) => e.key.id === d.id);
    const deadline = Date.now() + 5000;
    while ((await events('decisionRecorded')).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await events('decisionHeld')).map((e) => e.attributes)).toEqual([
      expect.objectContaining({ holdReasons: 'FRICTION_ABOVE_THRESHOLD', approvalsNeeded: '2' }),
    ]);
    expect(
      (await events('decisionStatusChanged')).map((e) => [
        e.attributes.change,
        e.attributes.status,
        e.attributes.approvals,
      ]),
    ).toEqual([
      ['HELD', 'PENDING_APPROVAL', '0'],
      ['APPROVED', 'PENDING_APPROVAL', '1'],
      ['COMMITTED', 'COMMITTED', '2'],
    ]);
    expect(await events('decisionRecorded')).toHaveLength(1);
  });
});

/** The ppm of an allocation sum to exactly 1,000,000, and its decimal shares to exactly 1. */
function expectWhole(liability: DecisionRead['liability']) {
  expect(liability).not.toBeNull();
  expect(liability!.shares.reduce((sum, x) => sum + x.ppm, 0)).toBe(1_000_000);
  const micro = liability!.shares.reduce((sum, x) => {
    const [whole, fraction = ''] = x.share.split('.');
    return sum + Number(whole) * 1_000_000 + Number(fraction.padEnd(6, '0'));
  }, 0);
  expect(micro).toBe(1_000_000);
}

describe('decision v3 and liability', () => {
  async function entryOf(index: string) {
    const res = await graphql<{ ledgerEntry: { canonicalJson: string } }>(
      sg.url,
      'query ($i: String!) { ledgerEntry(index: $i) { canonicalJson } }',
      { i: index },
      { as: alice },
    );
    return JSON.parse(res.body.data!.ledgerEntry.canonicalJson);
  }

  it('writes a decision committed at once as ecp.decision/v3, its firewall part holding the assessment and the allocation', async () => {
    const res = await record(decisionInput({ jurisdiction: 'EU' }));
    const d = res.body.data!.recordDecision.decision;
    expectWhole(d.liability);
    expect(d.liability!.shares.map((x) => x.party)).toEqual(['agent']);
    const entry = await entryOf(d.ledgerIndex!);
    expect(entry.kind).toBe('ecp.decision/v3');
    expect(entry.firewall).toMatchObject({ holdReasons: [], proposalSha256: null, approvals: [] });
    expect(entry.firewall.frictionAssessmentId).toMatch(/^[0-9a-f-]{36}$/);
    expect(entry.firewall.liability).toEqual(d.liability);
  });

  it('shares liability with the approvers of a held decision, in approval order, summing to exactly 1', async () => {
    world.friction = 0.9;
    world.policy = { ...DEFAULT_POLICY, approvalRules: [{ category: 'pricing', approvers: 3 }] };
    const d = await held();
    expect(d.liability).toBeNull();
    for (const op of [alice, bob, carol]) await review('approveDecision', d.id, 'Fine.', op);
    const done = (await read(d.id, alice)).body.data!.decision!;
    expect(done.status).toBe('COMMITTED');
    expectWhole(done.liability);
    expect(done.liability!.shares.filter((x) => x.party === 'approver').map((x) => x.partyId)).toEqual([
      alice.id,
      bob.id,
      carol.id,
    ]);
    const entry = await entryOf(done.ledgerIndex!);
    expect(entry.firewall).toMatchObject({
      holdReasons: ['FRICTION_ABOVE_THRESHOLD'],
      proposalSha256: d.proposalSha256,
      approvals: done.approvals.map((a) => a.ledgerIndex),
    });
  });

  it('shares it with the consortium when its lesson was followed, and refuses an unknown lesson version', async () => {
    const followed = (
      await record(decisionInput({ jurisdiction: 'EU', advice: { lessonVersion: 'lesson-7' } }))
    ).body.data!.recordDecision.decision;
    expectWhole(followed.liability);
    expect(followed.liability!.shares.map((x) => x.party)).toContain('consortium');
    const notFollowed = (
      await record(
        decisionInput({ jurisdiction: 'EU', chosenOption: 'hold', advice: { lessonVersion: 'lesson-7' } }),
      )
    ).body.data!.recordDecision.decision;
    expect(notFollowed.liability!.shares.map((x) => x.party)).not.toContain('consortium');
    const size = await ledgerSize(sg);
    const unknown = await record(
      decisionInput({ jurisdiction: 'EU', advice: { lessonVersion: 'lesson-999' } }),
    );
    expect(errorCode(unknown)).toBe('INVALID_ADVICE');
    expect(await ledgerSize(sg)).toBe(size);
  });
});
