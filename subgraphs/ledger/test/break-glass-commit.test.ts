import { newId } from '@ecp/db/ids';
import type { Principal } from '@ecp/identity/principal';
import breakGlassUseV1 from '@ecp/schema/ledger/ecp.break-glass-use.v1.schema.json' with { type: 'json' };
import { testEnv } from '@ecp/test-kit/env';
import { decisionInput } from '@ecp/test-kit/fixtures';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  BreakGlassSessionForUse,
  BreakGlassSessions,
} from '../src/modules/firewall/break-glass-sessions';
import type { FirewallAdvice } from '../src/modules/firewall/firewall-advice';
import type { AdviceChecker } from '../src/modules/ledger/advice-checker';
import { ledgerSubgraph } from '../src/subgraph';
import { testLedgerConfig } from './ledger-config';
import { ledgerSize, seedAgent } from './seed';
import { verifyExport } from './verify-export';

/**
 * Committing a held decision with the glass broken, in the ledger alone: operations' sessions are this
 * file's `BreakGlassSessions` (the interface the service call to operations sits behind); the path
 * through the real operations subgraph is `test/src/break-glass.e2e.test.ts`.
 */

/** Operations' sessions, by id, and what the ledger asked. */
const sessions = new Map<string, BreakGlassSessionForUse>();
const asked: { id: string; actorId: string | undefined }[] = [];
const breakGlass: BreakGlassSessions = {
  async sessionForUse(id, call) {
    asked.push({ id, actorId: call.actingFor.id });
    return sessions.get(id) ?? null;
  },
};

/** Every decision is held (friction above threshold), needing two approvers. */
const holdAll: FirewallAdvice = {
  async policy(code) {
    return {
      code,
      version: 'v1',
      frictionThreshold: 0.1,
      divergenceThreshold: 0.5,
      categoriesRequiringApproval: [],
      approvalRules: [{ category: 'pricing', approvers: 2 }],
    };
  },
  async assessFriction() {
    return { assessmentId: newId(), score: 0.9 };
  },
  async frictionScore() {
    return 0.9;
  },
  async divergence() {
    return null;
  },
  async bestOption() {
    return undefined;
  },
};
const confirmAll: AdviceChecker = { check: async () => [] };

let sg: SubgraphUnderTest;
let agent: Principal;
let redis: Redis;
const prefix = `ecp:test:${newId()}:`;
const config = (url: string) =>
  testLedgerConfig(url, { EVENT_STREAM_PREFIX: prefix, QUEUE_PREFIX: `${prefix}jobs` });
const operator = (roles: Principal['roles'] = ['OPERATOR']): Principal => ({
  kind: 'agent',
  id: newId(),
  name: 'operator',
  roles,
  jurisdictions: [],
});

function openSession(of: Principal, over: Partial<BreakGlassSessionForUse> = {}): BreakGlassSessionForUse {
  const s = {
    id: newId(),
    operatorId: of.id,
    active: true,
    expiresAt: new Date(Date.now() + 10 * 60_000).toISOString(),
    ...over,
  };
  sessions.set(s.id, s);
  return s;
}

beforeAll(async () => {
  sg = await startSubgraph(
    (url) => ledgerSubgraph(config(url), { firewall: holdAll, advice: confirmAll, breakGlass }),
    config,
  );
  redis = new Redis(testEnv.redisUrl);
  agent = await seedAgent(sg, 'gated-bot', ['EU']);
});

afterAll(async () => {
  await sg?.stop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const DECISION = `id status ledgerIndex approvals { verdict } liability { shares { party partyId share rule } }`;
interface DecisionRead {
  id: string;
  status: string;
  ledgerIndex: string | null;
  approvals: { verdict: string }[];
  liability: { shares: { party: string; partyId: string | null; share: string; rule: string }[] } | null;
}

async function held(): Promise<DecisionRead> {
  const res = await graphql<{ recordDecision: { status: string; decision: DecisionRead } }>(
    sg.url,
    `mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { status decision { ${DECISION} } } }`,
    { input: decisionInput({ jurisdiction: 'EU', category: 'pricing' }) },
    { as: agent },
  );
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data!.recordDecision.status).toBe('PENDING_APPROVAL');
  return res.body.data!.recordDecision.decision;
}

function commit(id: string, sessionId: string, as: Principal, reason = 'Payments stuck in the outage.') {
  return graphql<{ breakGlassCommit: DecisionRead }>(
    sg.url,
    `mutation ($id: ID!, $s: ID!, $r: String!) { breakGlassCommit(id: $id, sessionId: $s, reason: $r) { ${DECISION} } }`,
    { id, s: sessionId, r: reason },
    { as },
  );
}

async function useEntries(decisionId: string) {
  return sg
    .em()
    .getConnection()
    .execute<{ index: string; payload: { actorId: string; body: Record<string, unknown> } }[]>(
      "select index::text, payload from ledger.entry where kind = 'ecp.break-glass-use/v1' and payload->'body'->>'decisionId' = ?",
      [decisionId],
    );
}

describe('breakGlassCommit', () => {
  it('commits a held decision at once, whatever its M, with the operator’s liability share and a use entry', async () => {
    const alice = operator();
    const session = openSession(alice);
    const d = await held();
    const res = await commit(d.id, session.id, alice);
    expect(res.body.errors).toBeUndefined();
    const committed = res.body.data!.breakGlassCommit;
    expect(committed).toMatchObject({ id: d.id, status: 'COMMITTED', approvals: [] });
    expect(asked.at(-1)).toEqual({ id: session.id, actorId: alice.id });
    const breakGlassShare = committed.liability!.shares.find((s) => s.party === 'breakGlass');
    expect(breakGlassShare).toMatchObject({ partyId: alice.id, share: '0.5' });
    expect(committed.liability!.shares.map((s) => s.party)).toEqual(['agent', 'breakGlass']);

    const [use] = await useEntries(d.id);
    expect(use).toMatchObject({
      payload: {
        actorId: alice.id,
        body: {
          decisionId: d.id,
          agentId: agent.id,
          sessionId: session.id,
          operatorId: alice.id,
          reason: 'Payments stuck in the outage.',
          proposalSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
          sessionExpiresAt: session.expiresAt,
        },
      },
    });
    // The use entry comes just before the decision's own entry.
    expect(BigInt(use!.index)).toBeLessThan(BigInt(committed.ledgerIndex!));

    // A second commit of it: not pending any more, nothing appended.
    const size = await ledgerSize(sg);
    expect(errorCode(await commit(d.id, session.id, alice))).toBe('CONFLICT');
    expect(await ledgerSize(sg)).toBe(size);
  });

  it('keeps the approvals given before the glass was broken, their approvers sharing with the operator', async () => {
    const bob = operator();
    const carol = operator();
    const d = await held();
    const approved = await graphql(
      sg.url,
      'mutation ($id: ID!) { approveDecision(id: $id, reason: "Checked the amount.") { status } }',
      { id: d.id },
      { as: bob },
    );
    expect(approved.body.data).toEqual({ approveDecision: { status: 'PENDING_APPROVAL' } });
    const res = await commit(d.id, openSession(carol).id, carol);
    expect(res.body.errors).toBeUndefined();
    const committed = res.body.data!.breakGlassCommit;
    expect(committed.approvals).toEqual([{ verdict: 'APPROVAL' }]);
    expect(committed.liability!.shares.map((s) => [s.party, s.partyId])).toEqual([
      ['agent', agent.id],
      ['approver', bob.id],
      ['breakGlass', carol.id],
    ]);
  });

  it('refuses a closed or expired session, another person’s, and an unknown one, appending nothing', async () => {
    const bob = operator();
    const d = await held();
    const size = await ledgerSize(sg);
    const closed = openSession(bob, { active: false });
    const expired = openSession(bob, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    const carols = openSession(operator());

    const onClosed = await commit(d.id, closed.id, bob);
    expect(errorCode(onClosed)).toBe('CONFLICT');
    expect(onClosed.body.errors![0]!.message).toMatch(/not open/);
    expect(errorCode(await commit(d.id, expired.id, bob))).toBe('CONFLICT');
    const foreign = await commit(d.id, carols.id, bob);
    expect(errorCode(foreign)).toBe('FORBIDDEN');
    expect(foreign.body.errors![0]!.message).toMatch(/not yours/);
    expect(errorCode(await commit(d.id, newId(), bob))).toBe('FORBIDDEN');
    expect(errorCode(await commit(d.id, 'not-a-uuid', bob))).toBe('BAD_USER_INPUT');
    expect(await ledgerSize(sg)).toBe(size);
    expect(await useEntries(d.id)).toEqual([]);
  });

  it('is for operators and admins, never the proposing agent', async () => {
    const d = await held();
    const analyst = operator(['ANALYST']);
    expect(errorCode(await commit(d.id, openSession(analyst).id, analyst))).toBe('FORBIDDEN');
    expect(errorCode(await commit(d.id, openSession(agent).id, agent))).toBe('FORBIDDEN');
    const admin = operator(['ADMIN']);
    expect(errorCode(await commit(d.id, openSession(admin).id, admin, ' '))).toBe('BAD_USER_INPUT');
    expect(errorCode(await commit(newId(), openSession(admin).id, admin))).toBe('NOT_FOUND');
    const res = await commit(d.id, openSession(admin).id, admin);
    expect(res.body.data!.breakGlassCommit.status).toBe('COMMITTED');
  });

  it('keeps the ledger verifiable, break-glass use entries included', async () => {
    const out = await verifyExport(sg, { 'break-glass-use.json': breakGlassUseV1 });
    expect(out).toContain('ecp.break-glass-use/v1');
  });
});
