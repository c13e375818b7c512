import { errorCode } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { gqlAs, registerCaller } from './support/callers';
import { collect, settled } from './support/live';

/**
 * The Liability Firewall through the gateway, with real agents, the real advisory (friction of every
 * draft) and the real learning consortium (the jurisdiction's policy): an operator defines a
 * jurisdiction with a low friction threshold and a category that needs two approvers; decisions there
 * are held with their reasons, listed, approved by two operators or rejected, and streamed; a
 * decision elsewhere commits at once under the default policy.
 */
let stack: Stack;
let agent: { id: string; key: string };
let alice: { id: string; key: string };
let bob: { id: string; key: string };
const clients: Client[] = [];

function gql<D = Record<string, unknown>>(
  key: string,
  query: string,
  variables: Record<string, unknown> = {},
) {
  return gqlAs<D>(stack, key, query, variables);
}

const register = (name: string, jurisdictions: string[], roles = '[AGENT]') =>
  registerCaller(stack, name, jurisdictions, roles);

const DECISION = `id status holdReasons approvalsNeeded ledgerIndex
  approvals { verdict reviewerId } liability { rulesVersion shares { party partyId share } }`;
interface DecisionRead {
  id: string;
  status: string;
  holdReasons: string[];
  approvalsNeeded: number | null;
  ledgerIndex: string | null;
  approvals: { verdict: string; reviewerId: string }[];
  liability: {
    rulesVersion: string;
    shares: { party: string; partyId: string | null; share: string }[];
  } | null;
}

let sequence = 0;
async function record(jurisdiction: string, category: string, extra: Record<string, unknown> = {}) {
  const res = await gql<{ recordDecision: { status: string; decision: DecisionRead } }>(
    agent.key,
    `mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { status decision { ${DECISION} } } }`,
    {
      input: {
        jurisdiction,
        category,
        context: { case: ++sequence },
        options: [
          { id: 'pay', description: 'Pay the invoice' },
          { id: 'wait', description: 'Wait' },
        ],
        chosenOption: 'pay',
        rationale: 'The invoice is due.',
        confidence: 0.6,
        idempotencyKey: `firewall-e2e-${sequence}`,
        ...extra,
      },
    },
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.recordDecision;
}

function review(verb: 'approveDecision' | 'rejectDecision', id: string, reason: string, key: string) {
  return gql<Record<string, DecisionRead>>(
    key,
    `mutation ($id: ID!, $reason: String!) { ${verb}(id: $id, reason: $reason) { ${DECISION} } }`,
    { id, reason },
  );
}

beforeAll(async () => {
  stack = await startStack({ workers: true });
  agent = await register('payments-bot', ['EU', 'US']);
  alice = await register('alice', [], '[OPERATOR]');
  bob = await register('bob', [], '[OPERATOR]');
  const defined = await gql(
    alice.key,
    `mutation { defineJurisdiction(input: { code: "EU", frictionThreshold: 0.01,
        categoriesRequiringApproval: ["payments"], approvalRules: [{ category: "payments", approvers: 2 }] }) { code } }`,
  );
  expect(defined.body.errors).toBeUndefined();
}, 180_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await stack?.stop();
});

describe('the Liability Firewall through the gateway', () => {
  it('commits at once under the default policy, with friction fetched from advisory', async () => {
    const out = await record('US', 'payments');
    expect(out.status).toBe('COMMITTED');
    expect(out.decision.holdReasons).toEqual([]);
    expect(out.decision.liability!.shares.map((s) => s.party)).toEqual(['agent']);
  });

  it('holds where the jurisdiction’s policy says, inherited by EU/DE, and two operators commit it', async () => {
    const ws = createClient({
      url: stack.websocketUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${alice.key}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => {},
    });
    clients.push(ws);
    const live = collect(
      ws,
      `subscription ($agentId: ID) { decisionStatusChanged(filter: { agentId: $agentId }) { id status } }`,
      { agentId: agent.id },
    );
    await settled();

    const held = await record('EU/DE', 'payments');
    expect(held.status).toBe('PENDING_APPROVAL');
    expect(held.decision.holdReasons).toEqual(['FRICTION_ABOVE_THRESHOLD', 'CATEGORY_REQUIRES_APPROVAL']);
    expect(held.decision).toMatchObject({ approvalsNeeded: 2, ledgerIndex: null, liability: null });
    const id = held.decision.id;

    const pending = await gql<{ pendingDecisions: { edges: { node: { id: string } }[] } }>(
      alice.key,
      '{ pendingDecisions(first: 50) { edges { node { id } } } }',
    );
    expect(pending.body.data!.pendingDecisions.edges.map((e) => e.node.id)).toContain(id);

    expect(errorCode(await review('approveDecision', id, 'Mine.', agent.key))).toBe('FORBIDDEN');
    expect(errorCode(await review('approveDecision', id, ' ', alice.key))).toBe('BAD_USER_INPUT');
    const first = await review('approveDecision', id, 'The supplier is known.', alice.key);
    expect(first.body.data!.approveDecision!.status).toBe('PENDING_APPROVAL');
    expect(errorCode(await review('approveDecision', id, 'Again.', alice.key))).toBe('CONFLICT');
    const second = await review('approveDecision', id, 'Amount checked.', bob.key);
    const done = second.body.data!.approveDecision!;
    expect(done.status).toBe('COMMITTED');
    expect(done.ledgerIndex).toMatch(/^\d+$/);
    expect(done.approvals.map((a) => a.reviewerId)).toEqual([alice.id, bob.id]);
    const approvers = done.liability!.shares.filter((s) => s.party === 'approver');
    expect(approvers.map((s) => s.partyId)).toEqual([alice.id, bob.id]);
    const micro = done.liability!.shares.reduce((sum, s) => {
      const [whole, fraction = ''] = s.share.split('.');
      return sum + Number(whole) * 1_000_000 + Number(fraction.padEnd(6, '0'));
    }, 0);
    expect(micro).toBe(1_000_000);

    // Held, approved once, committed: each change streamed, the decision resolved as it is when sent.
    await live.next(3);
    const streamed = live.received.map(
      (p) => p.data!.decisionStatusChanged as { id: string; status: string },
    );
    expect(streamed.map((d) => d.id)).toEqual([id, id, id]);
    expect(streamed.at(-1)!.status).toBe('COMMITTED');
  });

  it('confirms the lesson version a decision followed with the consortium, sharing liability with it', async () => {
    const rec = await gql<{ recommendation: { lessonVersion: string; options: { option: string }[] } }>(
      agent.key,
      '{ recommendation(jurisdiction: "US", category: "payments", options: ["pay", "wait"]) { lessonVersion options { option } } }',
    );
    expect(rec.body.errors).toBeUndefined();
    const { lessonVersion, options } = rec.body.data!.recommendation;
    const best = options[0]!.option;
    const followed = await record('US', 'payments', {
      chosenOption: best,
      advice: { lessonVersion },
    });
    expect(followed.status).toBe('COMMITTED');
    expect(followed.decision.liability!.shares.map((s) => s.party)).toContain('consortium');
    const unknown = await gql(
      agent.key,
      'mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { status } }',
      {
        input: {
          jurisdiction: 'US',
          category: 'payments',
          context: {},
          options: [{ id: 'pay' }, { id: 'wait' }],
          chosenOption: 'pay',
          rationale: 'r',
          confidence: 0.6,
          advice: { lessonVersion: 'no-such-version' },
          idempotencyKey: 'firewall-e2e-unknown-lesson',
        },
      },
    );
    expect(errorCode(unknown)).toBe('INVALID_ADVICE');
  });

  it('ends a held decision with one rejection', async () => {
    const held = await record('EU', 'pricing');
    expect(held.decision.holdReasons).toEqual(['FRICTION_ABOVE_THRESHOLD']);
    const rejected = await review('rejectDecision', held.decision.id, 'Not now.', bob.key);
    expect(rejected.body.data!.rejectDecision!).toMatchObject({ status: 'REJECTED', ledgerIndex: null });
    expect(errorCode(await review('approveDecision', held.decision.id, 'Late.', alice.key))).toBe('CONFLICT');
  });
});
