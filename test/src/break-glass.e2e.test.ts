import { errorCode } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Caller, gqlAs, registerCaller, runEcp } from './support/callers';
import { collect, settled } from './support/live';

/**
 * Break glass through the gateway, with the real ledger, operations and workers: an operator opens a
 * session with `ecp break-glass open`, commits a held decision that needed two approvers at once
 * (the liability moving to them, the use recorded in the ledger), closes it with `ecp break-glass
 * close`, is refused with the closed session, and another operator reviews it; each change streams
 * on `breakGlassChanged`.
 */
let stack: Stack;
let agent: Caller;
let alice: Caller;
let bob: Caller;
let analyst: Caller;
const clients: Client[] = [];

const gql = <D = Record<string, unknown>>(
  key: string,
  query: string,
  variables: Record<string, unknown> = {},
) => gqlAs<D>(stack, key, query, variables);

let sequence = 0;
async function held(): Promise<string> {
  const res = await gql<{ recordDecision: { status: string; decision: { id: string } } }>(
    agent.key,
    `mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { status decision { id } } }`,
    {
      input: {
        jurisdiction: 'EU',
        category: 'payments',
        context: { case: ++sequence },
        options: [
          { id: 'pay', description: 'Pay the invoice' },
          { id: 'wait', description: 'Wait' },
        ],
        chosenOption: 'pay',
        rationale: 'The invoice is due.',
        confidence: 0.6,
        idempotencyKey: `break-glass-e2e-${sequence}`,
      },
    },
  );
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data!.recordDecision.status).toBe('PENDING_APPROVAL');
  return res.body.data!.recordDecision.decision.id;
}

interface Committed {
  id: string;
  status: string;
  ledgerIndex: string | null;
  liability: { shares: { party: string; partyId: string | null; share: string }[] } | null;
}
function breakGlassCommit(key: string, id: string, sessionId: string) {
  return gql<{ breakGlassCommit: Committed }>(
    key,
    `mutation ($id: ID!, $s: ID!) { breakGlassCommit(id: $id, sessionId: $s, reason: "Payment run cannot wait for two approvers.") {
       id status ledgerIndex liability { shares { party partyId share } } } }`,
    { id, s: sessionId },
  );
}

async function entry(index: string): Promise<{ kind: string; body: Record<string, unknown> }> {
  const res = await gql<{ ledgerEntry: { kind: string; canonicalJson: string } }>(
    alice.key,
    'query ($i: String!) { ledgerEntry(index: $i) { kind canonicalJson } }',
    { i: index },
  );
  expect(res.body.errors).toBeUndefined();
  const { kind, canonicalJson } = res.body.data!.ledgerEntry;
  return { kind, body: (JSON.parse(canonicalJson) as { body: Record<string, unknown> }).body };
}

beforeAll(async () => {
  stack = await startStack({ workers: true });
  agent = await registerCaller(stack, 'payments-bot', ['EU']);
  alice = await registerCaller(stack, 'alice', [], '[OPERATOR]');
  bob = await registerCaller(stack, 'bob', [], '[OPERATOR]');
  analyst = await registerCaller(stack, 'ana', [], '[ANALYST]');
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

describe('break glass through the gateway', () => {
  it('opens, commits a held decision with the liability on the operator, closes, refuses after, and is reviewed', async () => {
    const ws = createClient({
      url: stack.websocketUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${analyst.key}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => {},
    });
    clients.push(ws);
    const live = collect(ws, 'subscription { breakGlassChanged { id active closeReason reviewStatus } }');
    await settled();

    const short = await runEcp(stack, alice.key, 'break-glass', 'open', '--reason', 'too short');
    expect(short.code).not.toBe(0);
    expect(short.stderr).toContain('BAD_USER_INPUT');

    const opened = await runEcp(
      stack,
      alice.key,
      'break-glass',
      'open',
      '--reason',
      'Payment run blocked by held decisions during the advisory outage',
      '--minutes',
      '10',
    );
    expect(opened.stderr).toBe('');
    expect(opened.code).toBe(0);
    expect(opened.stdout).toMatch(/time left {2}(9 min [0-5]\d|10 min 00) s/);
    const sessionId = /Break-glass session ([0-9a-f-]{36})/.exec(opened.stdout)![1]!;
    const again = await runEcp(
      stack,
      alice.key,
      'break-glass',
      'open',
      '--reason',
      'a second one while one is open',
    );
    expect(again.stderr).toContain('CONFLICT');

    // The dashboard's banner, for people.
    const banner = await gql<{
      activeBreakGlassSessions: {
        id: string;
        operator: { id: string; name: string };
        secondsLeft: number;
        openedEntryIndex: string;
      }[];
    }>(analyst.key, '{ activeBreakGlassSessions { id operator { id name } secondsLeft openedEntryIndex } }');
    expect(banner.body.errors).toBeUndefined();
    const shown = banner.body.data!.activeBreakGlassSessions.find((s) => s.id === sessionId)!;
    expect(shown.operator).toEqual({ id: alice.id, name: 'alice' });
    expect(shown.secondsLeft).toBeGreaterThan(500);
    expect(await entry(shown.openedEntryIndex)).toMatchObject({
      kind: 'ecp.break-glass-opened/v1',
      body: { sessionId, operatorId: alice.id },
    });
    expect(errorCode(await gql(agent.key, '{ activeBreakGlassSessions { id } }'))).toBe('FORBIDDEN');

    const id = await held();
    expect(errorCode(await breakGlassCommit(bob.key, id, sessionId))).toBe('FORBIDDEN');
    expect(errorCode(await breakGlassCommit(agent.key, id, sessionId))).toBe('FORBIDDEN');
    const committed = await breakGlassCommit(alice.key, id, sessionId);
    expect(committed.body.errors).toBeUndefined();
    const decision = committed.body.data!.breakGlassCommit;
    expect(decision.status).toBe('COMMITTED');
    expect(decision.liability!.shares).toContainEqual({
      party: 'breakGlass',
      partyId: alice.id,
      share: '0.5',
    });
    expect(decision.liability!.shares.some((s) => s.party === 'approver')).toBe(false);
    const use = await entry((BigInt(decision.ledgerIndex!) - 1n).toString());
    expect(use).toMatchObject({
      kind: 'ecp.break-glass-use/v1',
      body: { decisionId: id, sessionId, operatorId: alice.id },
    });

    const closed = await runEcp(stack, alice.key, 'break-glass', 'close', sessionId);
    expect(closed.code).toBe(0);
    expect(closed.stdout).toContain('CLOSED');
    expect(closed.stdout).toContain('review OPEN');

    // With the session closed, the next held decision waits for its approvers again.
    const next = await held();
    const refused = await breakGlassCommit(alice.key, next, sessionId);
    expect(errorCode(refused)).toBe('CONFLICT');
    const stillHeld = await gql<{ decision: { status: string } }>(
      alice.key,
      'query ($id: ID!) { decision(id: $id) { status } }',
      { id: next },
    );
    expect(stillHeld.body.data!.decision.status).toBe('PENDING_APPROVAL');

    const own = await gql(
      alice.key,
      'mutation ($s: ID!) { reviewBreakGlass(sessionId: $s, note: "Mine, fine.") { id } }',
      { s: sessionId },
    );
    expect(errorCode(own)).toBe('FORBIDDEN');
    const reviewed = await gql<{
      reviewBreakGlass: { reviewStatus: string; review: { reviewerId: string } };
    }>(
      bob.key,
      'mutation ($s: ID!) { reviewBreakGlass(sessionId: $s, note: "One payment run, as stated.") { reviewStatus review { reviewerId } } }',
      { s: sessionId },
    );
    expect(reviewed.body.errors).toBeUndefined();
    expect(reviewed.body.data!.reviewBreakGlass).toEqual({
      reviewStatus: 'REVIEWED',
      review: { reviewerId: bob.id },
    });

    // Opened, closed, reviewed: each streamed, the session as it is when fetched.
    await live.next(3);
    const streamed = live.received.map((p) => p.data!.breakGlassChanged as { id: string });
    expect(streamed.map((s) => s.id)).toEqual([sessionId, sessionId, sessionId]);
  });
});
