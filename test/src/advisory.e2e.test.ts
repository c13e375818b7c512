import { voteSigningMessage } from '@ecp/ledger-format/vote-signature';
import { errorCode } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { ed25519 } from '@noble/curves/ed25519';
import { type Client, createClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Caller, eventually, gqlAs, registerCaller } from './support/callers';
import { collect, settled } from './support/live';

/**
 * Advice through the gateway, with real agents and the workers running: polls opened, voted in,
 * closed by each of their paths and recorded in the ledger; friction with its breakdown and weight
 * sets; advice recorded with the decision and checked; divergence scored and streamed; agreement on
 * published worked examples.
 */
let stack: Stack;
let analystKey: string;
let operatorKey: string;
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

function wsClient(key: string): Client {
  const c = createClient({
    url: stack.websocketUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
  });
  clients.push(c);
  return c;
}

const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();

const OPEN_POLL = `mutation ($input: OpenPollInput!) { openPoll(input: $input) { id status eligibleVoters quorum } }`;
const CAST_VOTE = `mutation ($input: CastVoteInput!) { castVote(input: $input) { id option confidence signatureKeyId } }`;
const POLL = `query ($id: ID!) { poll(id: $id) {
  id status closeReason votesCast ledgerIndex ledgerLeafHash
  result { tallies { option votes weight } participation quorumMet consensus consensusInterval voteCount votesDigest }
} }`;

type PollAnswer = {
  poll: {
    id: string;
    status: string;
    closeReason: string | null;
    votesCast: number;
    ledgerIndex: string | null;
    ledgerLeafHash: string | null;
    result: {
      tallies: { option: string; votes: number; weight: number }[];
      participation: number;
      quorumMet: boolean;
      consensus: number | null;
      consensusInterval: number[] | null;
      voteCount: number;
      votesDigest: string;
    } | null;
  };
};

let opener: Agent;
let voters: Agent[];
let stranger: Agent;

beforeAll(async () => {
  stack = await startStack({ workers: true, extraEnv: { CHECKPOINT_INTERVAL_MS: '200' } });
  analystKey = (await register('analyst', [], '[ANALYST]')).key;
  operatorKey = (await register('operator', [], '[OPERATOR]')).key;
  opener = await register('opener', ['EU']);
  voters = [];
  for (let i = 0; i < 4; i++) voters.push(await register(`voter-${i}`, ['EU']));
  stranger = await register('stranger', ['US']);
}, 180_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await stack?.stop();
});

describe('a Network Opinion Poll', () => {
  let pollId: string;

  it('takes one vote from each eligible agent, streams each, closes when all have voted and records its result in the ledger', async () => {
    const opened = await gql<{ openPoll: { id: string; status: string } }>(opener.key, OPEN_POLL, {
      input: {
        question: 'Raise the price?',
        jurisdiction: 'EU/DE',
        category: 'pricing',
        options: [{ id: 'raise' }, { id: 'hold' }, { id: 'cut' }],
        eligibleVoters: voters.map((v) => v.id),
        quorum: 3,
        closesAt: inAnHour(),
      },
    });
    expect(opened.body.errors).toBeUndefined();
    pollId = opened.body.data!.openPoll.id;
    expect(opened.body.data!.openPoll.status).toBe('OPEN');

    const live = collect(
      wsClient(analystKey),
      'subscription ($id: ID!) { pollUpdated(id: $id) { id status votesCast tallies { option votes } } }',
      {
        id: pollId,
      },
    );
    await settled();

    // One voter signs its vote with a registered key.
    const seed = new Uint8Array(32).fill(7);
    const registered = await gql<{ registerAgentKey: { id: string } }>(
      voters[3]!.key,
      'mutation ($k: String!) { registerAgentKey(publicKey: $k) { id } }',
      { k: Buffer.from(ed25519.getPublicKey(seed)).toString('base64') },
    );
    const keyId = registered.body.data!.registerAgentKey.id;
    const choices = ['raise', 'raise', 'hold', 'raise'];
    for (let i = 0; i < 3; i++) {
      const res = await gql(voters[i]!.key, CAST_VOTE, {
        input: { pollId, option: choices[i], confidence: 0.9, rationale: `because ${i}` },
      });
      expect(res.body.errors).toBeUndefined();
    }
    const statement = {
      pollId,
      agentId: voters[3]!.id,
      option: 'raise',
      confidence: 0.6,
      rationale: 'signed',
    };
    const forged = Buffer.from(
      ed25519.sign(voteSigningMessage({ ...statement, option: 'cut' }), seed),
    ).toString('base64');
    const badSignature = await gql(voters[3]!.key, CAST_VOTE, {
      input: {
        pollId,
        option: 'raise',
        confidence: 0.6,
        rationale: 'signed',
        signature: { keyId, value: forged },
      },
    });
    expect(errorCode(badSignature)).toBe('INVALID_SIGNATURE');
    const signature = Buffer.from(ed25519.sign(voteSigningMessage(statement), seed)).toString('base64');
    const signed = await gql<{ castVote: { signatureKeyId: string } }>(voters[3]!.key, CAST_VOTE, {
      input: {
        pollId,
        option: 'raise',
        confidence: 0.6,
        rationale: 'signed',
        signature: { keyId, value: signature },
      },
    });
    expect(signed.body.errors).toBeUndefined();
    expect(signed.body.data!.castVote.signatureKeyId).toBe(keyId);

    const closed = (await gql<PollAnswer>(analystKey, POLL, { id: pollId })).body.data!.poll;
    expect(closed).toMatchObject({ status: 'CLOSED', closeReason: 'ALL_VOTED', votesCast: 4 });
    expect(closed.result).toMatchObject({ participation: 1, quorumMet: true, voteCount: 4 });
    expect(closed.result!.tallies).toEqual([
      { option: 'raise', votes: 3, weight: 3 },
      { option: 'hold', votes: 1, weight: 1 },
      { option: 'cut', votes: 0, weight: 0 },
    ]);
    // 1 − H(3/4, 1/4, 0) / log 3
    const h = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
    expect(closed.result!.consensus).toBeCloseTo(1 - h / Math.log(3), 10);
    const [lo, hi] = closed.result!.consensusInterval!;
    expect(lo).toBeLessThanOrEqual(hi!);
    expect(hi).toBeLessThanOrEqual(1);

    // What the Liability Firewall asks of a cited closed poll: JSD(one-hot choice ‖ weighted result).
    const divergence = await gql<{ poll: { raise: number; cut: number } }>(
      opener.key,
      'query ($id: ID!) { poll(id: $id) { raise: divergenceOf(option: "raise") cut: divergenceOf(option: "cut") } }',
      { id: pollId },
    );
    // JSD((1,0,0) ‖ (¾,¼,0)): M = (⅞,⅛,0); ½·log2(8/7) + ½·(¾·log2(6/7) + ¼·log2 2).
    const jsdRaise = 0.5 * Math.log2(8 / 7) + 0.5 * (0.75 * Math.log2(6 / 7) + 0.25);
    expect(divergence.body.data!.poll.raise).toBeCloseTo(jsdRaise, 12);
    // Choosing an option nobody voted for diverges completely.
    expect(divergence.body.data!.poll.cut).toBeCloseTo(1, 12);
    expect(
      errorCode(
        await gql(opener.key, 'query ($id: ID!) { poll(id: $id) { divergenceOf(option: "nope") } }', {
          id: pollId,
        }),
      ),
    ).toBe('BAD_USER_INPUT');

    // Four votes and the close, each streamed (the ledger entry follows).
    await live.next(5);
    const statuses = live.received.map((p) => p.data!.pollUpdated as { status: string; votesCast: number });
    expect(statuses.slice(0, 4).map((s) => s.votesCast)).toEqual([1, 2, 3, 4]);
    expect(statuses.some((s) => s.status === 'CLOSED')).toBe(true);

    const recorded = await eventually('the poll result in the ledger', async () => {
      const p = (await gql<PollAnswer>(analystKey, POLL, { id: pollId })).body.data!.poll;
      return p.ledgerIndex ? p : null;
    });
    const entry = await gql<{ ledgerEntry: { kind: string; leafHash: string; canonicalJson: string } }>(
      analystKey,
      'query ($i: String!) { ledgerEntry(index: $i) { kind leafHash canonicalJson } }',
      { i: recorded.ledgerIndex },
    );
    const ledgerEntry = entry.body.data!.ledgerEntry;
    expect(ledgerEntry.kind).toBe('ecp.poll-result/v1');
    expect(ledgerEntry.leafHash).toBe(recorded.ledgerLeafHash);
    const body = JSON.parse(ledgerEntry.canonicalJson).body;
    expect(body).toMatchObject({
      pollId,
      openedBy: opener.id,
      closeReason: 'ALL_VOTED',
      voteCount: 4,
      votesDigest: closed.result!.votesDigest,
      tallies: closed.result!.tallies,
      consensus: closed.result!.consensus,
    });
  });

  it('counts votes, signed or not, and closes on /metrics', async () => {
    const text = await (await fetch(stack.subgraphUrl('advisory').replace('/graphql', '/metrics'))).text();
    expect(text).toMatch(/advisory_votes_total\{[^}]*signed="true"[^}]*\} 1\n/);
    expect(text).toMatch(/advisory_votes_total\{[^}]*signed="false"[^}]*\} 3\n/);
    expect(text).toMatch(/advisory_polls_closed_total\{[^}]*reason="ALL_VOTED"[^}]*\} 1\n/);
  });

  it('refuses a second vote, a vote after the close, a vote from an agent not eligible and an unknown option', async () => {
    const again = await gql(voters[0]!.key, CAST_VOTE, { input: { pollId, option: 'hold', confidence: 1 } });
    expect(errorCode(again)).toBe('CONFLICT');
    const other = await gql<{ openPoll: { id: string } }>(opener.key, OPEN_POLL, {
      input: {
        question: 'q',
        jurisdiction: 'EU',
        options: [{ id: 'x' }, { id: 'y' }],
        eligibleVoters: [voters[0]!.id, voters[1]!.id],
        quorum: 1,
        closesAt: inAnHour(),
      },
    });
    const otherId = other.body.data!.openPoll.id;
    expect(
      errorCode(
        await gql(stranger.key, CAST_VOTE, { input: { pollId: otherId, option: 'x', confidence: 1 } }),
      ),
    ).toBe('FORBIDDEN');
    const unknown = await gql(voters[0]!.key, CAST_VOTE, {
      input: { pollId: otherId, option: 'z', confidence: 1 },
    });
    expect(errorCode(unknown)).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(unknown.body.errors)).toContain('input.option');
    const p = (await gql<PollAnswer>(analystKey, POLL, { id: otherId })).body.data!.poll;
    expect(p.votesCast).toBe(0);
  });

  it('refuses a poll with fewer than two options, repeated ids, a quorum above its voters, or a past closing time, and opens none', async () => {
    const count = async () =>
      (
        await gql<{ polls: { edges: unknown[] } }>(
          analystKey,
          'query ($o: ID) { polls(filter: { openedBy: $o }, first: 100) { edges { cursor } } }',
          { o: opener.id },
        )
      ).body.data!.polls.edges.length;
    const before = await count();
    const base = {
      question: 'q',
      jurisdiction: 'EU',
      options: [{ id: 'a' }, { id: 'b' }],
      eligibleVoters: [voters[0]!.id],
      quorum: 1,
      closesAt: inAnHour(),
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ options: [{ id: 'a' }] }, 'input.options'],
      [{ options: [{ id: 'a' }, { id: 'a' }] }, 'input.options'],
      [{ quorum: 2 }, 'input.quorum'],
      [{ closesAt: new Date(Date.now() - 1000).toISOString() }, 'input.closesAt'],
      [{ eligibleVoters: [stranger.id, '00000000-0000-4000-8000-000000000000'] }, 'input.eligibleVoters.1'],
      [{ jurisdiction: 'US' }, 'input.jurisdiction'],
    ];
    for (const [change, path] of cases) {
      const res = await gql(opener.key, OPEN_POLL, { input: { ...base, ...change } });
      expect(errorCode(res), JSON.stringify(change)).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(res.body.errors)).toContain(path);
    }
    expect(await count()).toBe(before);
    // Refusals are answers, not faults: neither the gateway nor the subgraph logs them as errors.
    for (const service of ['gateway', 'advisory']) {
      expect(stack.logs(service).filter((l) => l.includes('unexpected error'))).toEqual([]);
    }
  });

  it('closes at its time, by a delayed job in the workers', async () => {
    const opened = await gql<{ openPoll: { id: string } }>(opener.key, OPEN_POLL, {
      input: {
        question: 'soon',
        jurisdiction: 'EU',
        options: [{ id: 'a' }, { id: 'b' }],
        eligibleVoters: [voters[0]!.id, voters[1]!.id],
        quorum: 1,
        closesAt: new Date(Date.now() + 2500).toISOString(),
      },
    });
    const id = opened.body.data!.openPoll.id;
    await gql(voters[0]!.key, CAST_VOTE, { input: { pollId: id, option: 'a', confidence: 0.5 } });
    // Open: no result yet, so nothing to diverge from.
    const open = await gql<{ poll: { divergenceOf: number | null } }>(
      opener.key,
      'query ($id: ID!) { poll(id: $id) { divergenceOf(option: "b") } }',
      { id },
    );
    expect(open.body.errors).toBeUndefined();
    expect(open.body.data!.poll.divergenceOf).toBeNull();
    const closed = await eventually('the poll to close at its time', async () => {
      const p = (await gql<PollAnswer>(analystKey, POLL, { id })).body.data!.poll;
      return p.status === 'CLOSED' ? p : null;
    });
    expect(closed.closeReason).toBe('CLOSING_TIME');
    expect(closed.result).toMatchObject({ quorumMet: true, consensus: 1, participation: 0.5 });
    const late = await gql(voters[1]!.key, CAST_VOTE, {
      input: { pollId: id, option: 'b', confidence: 0.5 },
    });
    expect(errorCode(late)).toBe('CONFLICT');
  });

  it('takes every agent of a jurisdiction as its voters, and is closed early by its opener only; below quorum it is inconclusive', async () => {
    const opened = await gql<{ openPoll: { id: string; eligibleVoters: string[] } }>(opener.key, OPEN_POLL, {
      input: {
        question: 'who?',
        jurisdiction: 'EU/FR',
        options: [{ id: 'a' }, { id: 'b' }],
        quorum: 3,
        closesAt: inAnHour(),
      },
    });
    expect(opened.body.errors).toBeUndefined();
    const { id, eligibleVoters } = opened.body.data!.openPoll;
    expect(new Set(eligibleVoters)).toEqual(new Set([opener.id, ...voters.map((v) => v.id)]));
    await gql(voters[0]!.key, CAST_VOTE, { input: { pollId: id, option: 'a', confidence: 0.5 } });
    expect(
      errorCode(await gql(voters[1]!.key, 'mutation ($id: ID!) { closePoll(id: $id) { id } }', { id })),
    ).toBe('FORBIDDEN');
    const closed = await gql<{
      closePoll: {
        status: string;
        closeReason: string;
        result: { quorumMet: boolean; consensus: number | null };
      };
    }>(
      opener.key,
      'mutation ($id: ID!) { closePoll(id: $id) { status closeReason result { quorumMet consensus } } }',
      { id },
    );
    expect(closed.body.data!.closePoll).toEqual({
      status: 'CLOSED',
      closeReason: 'CLOSED_BY_OPENER',
      result: { quorumMet: false, consensus: null },
    });
    expect(
      errorCode(await gql(operatorKey, 'mutation ($id: ID!) { closePoll(id: $id) { id } }', { id })),
    ).toBe('CONFLICT');
  });

  it('shows its votes and live tallies to its opener and people, not to other agents', async () => {
    const q =
      'query ($id: ID!) { poll(id: $id) { tallies { option votes } votes(first: 10) { edges { node { option } } } } }';
    const asVoter = await gql<{ poll: { tallies: unknown; votes: unknown } }>(voters[1]!.key, q, {
      id: pollId,
    });
    // Closed: the final tallies are public, the individual votes are not.
    expect(asVoter.body.data!.poll.tallies).not.toBeNull();
    expect(asVoter.body.data!.poll.votes).toBeNull();
    expect(errorCode(asVoter)).toBe('FORBIDDEN');
    const asOpener = await gql<{ poll: { votes: { edges: unknown[] } } }>(opener.key, q, { id: pollId });
    expect(asOpener.body.data!.poll.votes.edges).toHaveLength(4);
  });
});

const ASSESS = `mutation ($input: FrictionInput!) { assessFriction(input: $input) {
  id score weightsVersion factors { name value weight contribution explanation applicable }
} }`;

type Assessment = {
  id: string;
  score: number;
  weightsVersion: string;
  factors: {
    name: string;
    value: number;
    weight: number;
    contribution: number;
    explanation: string;
    applicable: boolean;
  }[];
};

describe('friction, advice on the decision, and divergence', () => {
  let pollId: string;
  let assessment: Assessment;
  const draft = {
    jurisdiction: 'EU/DE',
    category: 'credit',
    options: [{ id: 'approve' }, { id: 'decline' }],
    chosenOption: 'decline',
    confidence: 0.7,
    irreversibility: 0.8,
    impactScope: 0.4,
  };

  beforeAll(async () => {
    const opened = await gql<{ openPoll: { id: string } }>(opener.key, OPEN_POLL, {
      input: {
        question: 'Approve the credit?',
        jurisdiction: 'EU/DE',
        category: 'credit',
        options: draft.options,
        eligibleVoters: voters.slice(0, 3).map((v) => v.id),
        quorum: 2,
        closesAt: inAnHour(),
      },
    });
    pollId = opened.body.data!.openPoll.id;
    for (const v of voters.slice(0, 3))
      await gql(v.key, CAST_VOTE, { input: { pollId, option: 'approve', confidence: 0.8 } });
  });

  it('scores a draft in [0, 1] with every factor, deterministically, and stores it to be cited', async () => {
    const first = await gql<{ assessFriction: Assessment }>(opener.key, ASSESS, {
      input: { ...draft, pollId },
    });
    expect(first.body.errors).toBeUndefined();
    assessment = first.body.data!.assessFriction;
    expect(assessment.weightsVersion).toBe('default@1');
    expect(assessment.factors.map((f) => f.name)).toEqual([
      'precedentDivergence',
      'pollDissent',
      'irreversibility',
      'impactScope',
      'jurisdictionRisk',
      'trackRecord',
    ]);
    const byName = Object.fromEntries(assessment.factors.map((f) => [f.name, f]));
    // Every voter chose approve; the draft declines.
    expect(byName.pollDissent).toMatchObject({ value: 1, applicable: true });
    expect(byName.irreversibility!.value).toBe(0.8);
    expect(byName.precedentDivergence!.applicable).toBe(false);
    expect(assessment.score).toBeCloseTo(
      assessment.factors.reduce((s, f) => s + f.contribution, 0),
      12,
    );
    const again = await gql<{ assessFriction: Assessment }>(opener.key, ASSESS, {
      input: { ...draft, pollId },
    });
    expect(again.body.data!.assessFriction.score).toBe(assessment.score);
    const stored = await gql<{ frictionAssessment: Assessment }>(
      analystKey,
      'query ($id: ID!) { frictionAssessment(id: $id) { id score weightsVersion } }',
      { id: assessment.id },
    );
    expect(stored.body.data!.frictionAssessment).toEqual({
      id: assessment.id,
      score: assessment.score,
      weightsVersion: 'default@1',
    });
    expect(
      errorCode(
        await gql(stranger.key, 'query ($id: ID!) { frictionAssessment(id: $id) { id } }', {
          id: assessment.id,
        }),
      ),
    ).toBe('FORBIDDEN');
  });

  it('uses a jurisdiction’s own weight set once an operator defines one, and refuses weights that do not sum to 1', async () => {
    const define = `mutation ($input: DefineWeightSetInput!) { defineWeightSet(input: $input) { weightsVersion } }`;
    const weights = {
      jurisdiction: 'EU',
      frictionWeights: {
        precedentDivergence: 0.1,
        pollDissent: 0.5,
        irreversibility: 0.1,
        impactScope: 0.1,
        jurisdictionRisk: 0.1,
        trackRecord: 0.1,
      },
      riskWeight: 0.9,
      divergenceWeights: { poll: 0.6, precedent: 0.4, consortium: 0 },
      divergenceThreshold: 0.4,
    };
    expect(errorCode(await gql(opener.key, define, { input: weights }))).toBe('FORBIDDEN');
    const bad = await gql(operatorKey, define, {
      input: {
        ...weights,
        riskWeight: 0.5,
        frictionWeights: { ...weights.frictionWeights, trackRecord: 0.3 },
      },
    });
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(bad.body.errors)).toContain('sum to 1');
    const ok = await gql<{ defineWeightSet: { weightsVersion: string } }>(operatorKey, define, {
      input: weights,
    });
    expect(ok.body.data!.defineWeightSet.weightsVersion).toBe('EU@1');
    const scored = (
      await gql<{ assessFriction: Assessment }>(opener.key, ASSESS, { input: { ...draft, pollId } })
    ).body.data!.assessFriction;
    expect(scored.weightsVersion).toBe('EU@1');
    expect(scored.factors.find((f) => f.name === 'jurisdictionRisk')!.value).toBe(0.9);
    expect(scored.score).toBeGreaterThan(assessment.score);
  });

  it('takes the jurisdiction’s risk from the jurisdiction tree where it sets one on the draft’s path', async () => {
    const define = `mutation ($input: DefineJurisdictionInput!) { defineJurisdiction(input: $input) { code } }`;
    for (const input of [{ code: 'EU' }, { code: 'EU/DE', parent: 'EU', riskWeight: 0.2 }]) {
      const defined = await gql(operatorKey, define, { input });
      expect(defined.body.errors).toBeUndefined();
    }
    const inTree = { ...draft, jurisdiction: 'EU/DE/BY' };
    const scored = (await gql<{ assessFriction: Assessment }>(opener.key, ASSESS, { input: inTree })).body
      .data!.assessFriction;
    const risk = scored.factors.find((f) => f.name === 'jurisdictionRisk')!;
    expect(risk.value).toBe(0.2);
    expect(risk.explanation).toBe('The jurisdiction tree gives EU/DE/BY (from EU/DE) a risk of 0.2.');
    // EU sets no risk weight: a draft there keeps its weight set's (EU@1, 0.9).
    const inEu = (
      await gql<{ assessFriction: Assessment }>(opener.key, ASSESS, {
        input: { ...draft, jurisdiction: 'EU' },
      })
    ).body.data!.assessFriction;
    expect(inEu.factors.find((f) => f.name === 'jurisdictionRisk')!.value).toBe(0.9);
  });

  it('refuses a draft with bad values, and a poll that is not on this draft', async () => {
    const bad = await gql(opener.key, ASSESS, {
      input: { ...draft, irreversibility: 1.5, chosenOption: 'maybe' },
    });
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(bad.body.errors)).toContain('input.irreversibility');
    expect(JSON.stringify(bad.body.errors)).toContain('input.chosenOption');
    const otherOptions = await gql(opener.key, ASSESS, {
      input: { ...draft, options: [{ id: 'approve' }, { id: 'decline' }, { id: 'defer' }], pollId },
    });
    expect(errorCode(otherOptions)).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(otherOptions.body.errors)).toContain('input.pollId');
  });

  const RECORD = `mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { decision { id ledgerIndex advice { frictionAssessmentId pollId } } } }`;
  const RECORD_HELD = `mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { status decision { id holdReasons advice { frictionAssessmentId pollId } } } }`;
  const decisionInput = (key: string, advice?: Record<string, string>) => ({
    jurisdiction: draft.jurisdiction,
    category: draft.category,
    context: { applicant: 'x' },
    options: draft.options,
    chosenOption: draft.chosenOption,
    rationale: 'declined against the poll',
    confidence: draft.confidence,
    idempotencyKey: key,
    ...(advice ? { advice } : {}),
  });

  it('records the advice a decision took, refuses advice that does not exist or belongs to another draft, and scores its divergence', async () => {
    const ledgerSize = async () =>
      (
        await gql<{ decisions: { edges: unknown[] } }>(
          analystKey,
          'query ($a: ID) { decisions(filter: { agentId: $a }, first: 100) { edges { cursor } } }',
          { a: opener.id },
        )
      ).body.data!.decisions.edges.length;
    const before = await ledgerSize();
    const missing = await gql(opener.key, RECORD, {
      input: decisionInput('advice-missing', {
        frictionAssessmentId: '00000000-0000-4000-8000-000000000000',
      }),
    });
    expect(errorCode(missing)).toBe('INVALID_ADVICE');
    const theirs = (await gql<{ assessFriction: Assessment }>(voters[0]!.key, ASSESS, { input: draft })).body
      .data!.assessFriction;
    const foreign = await gql(opener.key, RECORD, {
      input: decisionInput('advice-foreign', { frictionAssessmentId: theirs.id }),
    });
    expect(errorCode(foreign)).toBe('INVALID_ADVICE');
    const otherDraft = await gql(opener.key, RECORD, {
      input: { ...decisionInput('advice-other', { pollId }), category: 'pricing' },
    });
    expect(errorCode(otherDraft)).toBe('INVALID_ADVICE');
    expect(await ledgerSize()).toBe(before);

    const live = collect(
      wsClient(analystKey),
      'subscription { divergenceScored(filter: { jurisdiction: "EU/DE", minScore: 0.5 }) { id combined exceeded decision { id chosenOption } } }',
    );
    await settled();
    const recorded = await gql<{
      recordDecision: {
        status: string;
        decision: {
          id: string;
          holdReasons: string[];
          advice: { frictionAssessmentId: string; pollId: string };
        };
      };
    }>(opener.key, RECORD_HELD, {
      input: decisionInput('advice-taken', { frictionAssessmentId: assessment.id, pollId }),
    });
    expect(recorded.body.errors).toBeUndefined();
    const decision = recorded.body.data!.recordDecision.decision;
    expect(decision.advice).toEqual({ frictionAssessmentId: assessment.id, pollId });
    // Against the poll it cites: the Liability Firewall holds it until an operator approves it.
    expect(recorded.body.data!.recordDecision.status).toBe('PENDING_APPROVAL');
    expect(decision.holdReasons).toContain('DIVERGENCE_ABOVE_THRESHOLD');
    const approved = await gql<{ approveDecision: { status: string } }>(
      operatorKey,
      'mutation ($id: ID!) { approveDecision(id: $id, reason: "Declining against the poll is deliberate.") { status } }',
      { id: decision.id },
    );
    expect(approved.body.data?.approveDecision.status).toBe('COMMITTED');

    await live.next(1);
    const streamed = live.received[0]!.data!.divergenceScored as {
      id: string;
      combined: number;
      exceeded: boolean;
      decision: { id: string; chosenOption: string };
    };
    expect(streamed.id).toBe(decision.id);
    expect(streamed.decision).toEqual({ id: decision.id, chosenOption: 'decline' });
    // Every vote was for approve: JSD between (1, 0) and (0, 1) is 1; no precedent yet.
    expect(streamed.combined).toBeCloseTo(1, 10);
    expect(streamed.exceeded).toBe(true);

    const read = await gql<{
      decision: {
        divergence: {
          fromPoll: number;
          fromPrecedent: number | null;
          fromConsortium: number | null;
          threshold: number;
          weightsVersion: string;
        };
        friction: { id: string };
        poll: { id: string };
      };
    }>(
      analystKey,
      'query ($id: ID!) { decision(id: $id) { divergence { fromPoll fromPrecedent fromConsortium threshold weightsVersion } friction { id } poll { id } } }',
      { id: decision.id },
    );
    // The consortium answers but has learned nothing here: both options at the uniform prior, so the
    // chosen one falls 0 below the best.
    expect(read.body.data!.decision).toEqual({
      divergence: {
        fromPoll: 1,
        fromPrecedent: null,
        fromConsortium: 0,
        threshold: 0.4,
        weightsVersion: 'EU@1',
      },
      friction: { id: assessment.id },
      poll: { id: pollId },
    });

    // The alert for operations went out beside it.
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const alerts = await redis.xrange(`${stack.eventStreamPrefix}divergenceThresholdExceeded`, '-', '+');
      const envelopes = alerts.map(
        ([, fields]) => JSON.parse(fields[1]!) as { key: { id: string }; attributes: Record<string, string> },
      );
      expect(envelopes.map((e) => e.key.id)).toContain(decision.id);
      expect(envelopes.find((e) => e.key.id === decision.id)!.attributes).toMatchObject({
        jurisdiction: 'EU/DE',
        threshold: '0.4',
        weightsVersion: 'EU@1',
      });
    } finally {
      redis.disconnect();
    }
  });

  it('measures a later decision’s divergence from the precedent the earlier one set', async () => {
    const recorded = await gql<{ recordDecision: { decision: { id: string } } }>(opener.key, RECORD, {
      input: { ...decisionInput('follows-precedent'), chosenOption: 'decline' },
    });
    const id = recorded.body.data!.recordDecision.decision.id;
    const divergence = await eventually(
      'the divergence of the second decision',
      async () =>
        (
          await gql<{
            decision: {
              divergence: { fromPrecedent: number | null; fromPoll: number | null; combined: number } | null;
            };
          }>(
            analystKey,
            'query ($id: ID!) { decision(id: $id) { divergence { fromPrecedent fromPoll combined } } }',
            { id },
          )
        ).body.data!.decision.divergence,
    );
    // The one earlier credit decision in EU/DE also declined.
    expect(divergence).toEqual({ fromPrecedent: 0, fromPoll: null, combined: 0 });
  });

  it('counts a precedent another agent recorded, whose context the citing agent cannot read', async () => {
    const recorded = await gql<{ recordDecision: { decision: { ledgerIndex: string; leafHash: string } } }>(
      opener.key,
      'mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { decision { ledgerIndex leafHash } } }',
      { input: { ...decisionInput('precedent-for-others'), chosenOption: 'approve' } },
    );
    expect(recorded.body.errors).toBeUndefined();
    const { ledgerIndex, leafHash } = recorded.body.data!.recordDecision.decision;
    const citing = voters[3]!;
    const cited = await gql<{ assessFriction: Assessment }>(citing.key, ASSESS, {
      input: { ...draft, chosenOption: 'decline', precedents: [{ index: ledgerIndex, leafHash }] },
    });
    expect(cited.body.errors).toBeUndefined();
    const precedent = cited.body.data!.assessFriction.factors.find((f) => f.name === 'precedentDivergence')!;
    // The one cited precedent chose approve; this draft declines: as far from it as can be.
    expect(precedent).toMatchObject({ applicable: true, value: 1 });
  });
});

describe('agreement across polls, on published worked examples, with real agents voting', () => {
  async function pollsFromTable(
    raters: Agent[],
    categories: string[],
    table: (string | null)[][],
  ): Promise<string[]> {
    // table[unit][rater]: the category that rater gave the unit, or null when it gave none.
    const ids: string[] = [];
    for (const [u, row] of table.entries()) {
      const opened = await gql<{ openPoll: { id: string } }>(opener.key, OPEN_POLL, {
        input: {
          question: `unit ${u}`,
          jurisdiction: 'EU',
          options: categories.map((id) => ({ id })),
          eligibleVoters: raters.map((r) => r.id),
          quorum: 1,
          closesAt: inAnHour(),
        },
      });
      const id = opened.body.data!.openPoll.id;
      ids.push(id);
      await Promise.all(
        row.map(async (value, r) => {
          if (value === null) return;
          const res = await gql(raters[r]!.key, CAST_VOTE, {
            input: { pollId: id, option: value, confidence: 1 },
          });
          expect(res.body.errors).toBeUndefined();
        }),
      );
    }
    return ids;
  }

  const AGREEMENT =
    'query ($ids: [ID!]!) { agreement(pollIds: $ids) { krippendorffAlpha fleissKappa fleissKappaUnavailableReason polls voters pairableVotes } }';

  it('reproduces Fleiss (1971): 10 subjects, 14 raters, 5 categories, κ ≈ 0.210', async () => {
    // Counts per subject of raters choosing each of the 5 categories (the table as usually tabulated).
    const counts = [
      [0, 0, 0, 0, 14],
      [0, 2, 6, 4, 2],
      [0, 0, 3, 5, 6],
      [0, 3, 9, 2, 0],
      [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0],
      [3, 2, 6, 3, 0],
      [2, 5, 3, 2, 2],
      [6, 5, 2, 1, 0],
      [0, 2, 2, 3, 7],
    ];
    const categories = ['1', '2', '3', '4', '5'];
    const raters: Agent[] = [];
    for (let i = 0; i < 14; i++) raters.push(await register(`fleiss-${i}`, ['EU']));
    const table = counts.map((row) => row.flatMap((n, c) => Array.from({ length: n }, () => categories[c]!)));
    const ids = await pollsFromTable(raters, categories, table);
    const res = await gql<{
      agreement: { fleissKappa: number; polls: number; voters: number; pairableVotes: number };
    }>(analystKey, AGREEMENT, { ids });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.agreement.fleissKappa).toBeCloseTo(0.21, 3);
    expect(res.body.data!.agreement).toMatchObject({ polls: 10, voters: 14, pairableVotes: 140 });
  }, 120_000);

  it('reproduces Krippendorff’s reliability data with missing values: nominal α ≈ 0.743, and no κ', async () => {
    const observers = [
      ['1', '2', '3', '3', '2', '1', '4', '1', '2', null, null, null],
      ['1', '2', '3', '3', '2', '2', '4', '1', '2', '5', null, '3'],
      [null, '3', '3', '3', '2', '3', '4', '2', '2', '5', '1', null],
      ['1', '2', '3', '3', '2', '4', '4', '1', '2', '5', '1', null],
    ];
    const raters: Agent[] = [];
    for (let i = 0; i < 4; i++) raters.push(await register(`kripp-${i}`, ['EU']));
    const table = observers[0]!.map((_, unit) => observers.map((o) => o[unit]!));
    const ids = await pollsFromTable(raters, ['1', '2', '3', '4', '5'], table);
    const res = await gql<{
      agreement: {
        krippendorffAlpha: number;
        fleissKappa: number | null;
        fleissKappaUnavailableReason: string;
        pairableVotes: number;
      };
    }>(analystKey, AGREEMENT, { ids });
    expect(res.body.data!.agreement.krippendorffAlpha).toBeCloseTo(0.743, 3);
    expect(res.body.data!.agreement.pairableVotes).toBe(40);
    expect(res.body.data!.agreement.fleissKappa).toBeNull();
    expect(res.body.data!.agreement.fleissKappaUnavailableReason).toContain('different numbers of votes');
  }, 120_000);

  it('keeps an open poll’s agreement from other agents', async () => {
    const opened = await gql<{ openPoll: { id: string } }>(opener.key, OPEN_POLL, {
      input: {
        question: 'open',
        jurisdiction: 'EU',
        options: [{ id: 'a' }, { id: 'b' }],
        eligibleVoters: [voters[0]!.id],
        quorum: 1,
        closesAt: inAnHour(),
      },
    });
    expect(errorCode(await gql(voters[0]!.key, AGREEMENT, { ids: [opened.body.data!.openPoll.id] }))).toBe(
      'FORBIDDEN',
    );
    expect(
      errorCode(await gql(analystKey, AGREEMENT, { ids: ['00000000-0000-4000-8000-000000000000'] })),
    ).toBe('BAD_USER_INPUT');
  });
});
