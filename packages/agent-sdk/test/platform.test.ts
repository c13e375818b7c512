import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { verifyDecisionSignature } from '@ecp/ledger-format/decision-entry';
import { fromBase64 } from '@ecp/merkle/base64';
import { graphql } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { startTcpProxy, type TcpProxy } from '@ecp/test-kit/tcp-proxy';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BadUserInputError,
  ConflictError,
  CursorExpiredError,
  type Decision,
  type DecisionDraft,
  type EcpClient,
  ForbiddenError,
  GraphQLValidationFailedError,
  InvalidSignatureError,
  NetworkError,
  SigningKeyNotRegisteredError,
  UnauthenticatedError,
  UnknownPrecedentError,
  VerificationError,
} from '../src/index';
import { createEcpClient } from '../src/node';

/**
 * The SDK against the real platform (gateway, four subgraphs, PostgreSQL, Redis): signed decisions the
 * ledger verifies, retries that never append twice through a proxy that loses answers, subscriptions
 * that lose their socket mid-stream and resume with nothing missed or repeated, a cursor too old
 * surfaced with what was missed, proofs checked locally, and errors raised as their classes.
 */
const REPLAY_MAX = 40;
let stack: Stack;
let proxy: TcpProxy;
let logPublicKey: string;
const clients: EcpClient[] = [];

async function admin<D>(query: string, variables: Record<string, unknown> = {}): Promise<D> {
  const res = await graphql<D>(stack.graphqlUrl, query, variables, {
    headers: { authorization: `Bearer ${stack.adminKey}` },
  });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!;
}

async function newAgent(name: string, roles = '[AGENT]'): Promise<{ id: string; apiKey: string }> {
  const { registerAgent } = await admin<{ registerAgent: { apiKey: string; agent: { id: string } } }>(
    `mutation ($name: String!) { registerAgent(input: { name: $name, roles: ${roles}, jurisdictions: ["EU/DE"] }) { apiKey agent { id } } }`,
    { name: `${name}-${randomBytes(3).toString('hex')}` },
  );
  return { id: registerAgent.agent.id, apiKey: registerAgent.apiKey };
}

function client(apiKey: string, extra: Partial<Parameters<typeof createEcpClient>[0]> = {}): EcpClient {
  const made = createEcpClient({
    url: stack.gatewayUrl,
    apiKey,
    logPublicKey,
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
    reconnect: { baseDelayMs: 50, maxDelayMs: 300 },
    ...extra,
  });
  clients.push(made);
  return made;
}

function draft(overrides: Partial<DecisionDraft> = {}): DecisionDraft {
  return {
    jurisdiction: 'EU/DE',
    category: 'pricing',
    context: { sku: `A-${randomBytes(4).toString('hex')}` },
    options: [{ id: 'raise', description: 'Raise by 5%' }, { id: 'hold' }],
    chosenOption: 'raise',
    rationale: 'Demand exceeds supply.',
    confidence: 0.8,
    ...overrides,
  };
}

/** A poll on raising or holding a price, for `voters`, open for an hour. */
function pollInput(question: string, voters: string[]) {
  return {
    question,
    jurisdiction: 'EU/DE',
    category: 'pricing',
    options: [
      { id: 'raise', description: 'Raise' },
      { id: 'hold', description: 'Hold' },
    ],
    eligibleVoters: voters,
    quorum: 1,
    closesAt: new Date(Date.now() + 3_600_000).toISOString(),
  };
}

async function decisionsOf(agentId: string): Promise<{ id: string; idempotencyKey: string }[]> {
  const { decisions } = await admin<{
    decisions: { edges: { node: { id: string; idempotencyKey: string } }[] };
  }>(
    'query ($a: ID) { decisions(filter: { agentId: $a }, first: 100) { edges { node { id idempotencyKey } } } }',
    { a: agentId },
  );
  return decisions.edges.map((e) => e.node);
}

/** Takes `count` items from a subscription, failing after `timeoutMs`. */
async function take<T>(iterator: AsyncIterator<T>, count: number, timeoutMs = 20_000): Promise<T[]> {
  const items: T[] = [];
  const deadline = Date.now() + timeoutMs;
  while (items.length < count) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`only ${items.length} of ${count} items arrived`);
    const next = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`only ${items.length} of ${count} items arrived`)), left),
      ),
    ]);
    if (next.done) break;
    items.push(next.value);
  }
  return items;
}

beforeAll(async () => {
  stack = await startStack({ extraEnv: { SUBSCRIPTION_REPLAY_MAX_EVENTS: String(REPLAY_MAX) } });
  logPublicKey = await (await fetch(`${stack.gatewayUrl}/ledger/public-key`)).text();
  proxy = await startTcpProxy({ host: '127.0.0.1', port: stack.ports.gateway });
  // Before any decision, so the ledger never holds an older policy: payments need a person's approval.
  await admin(
    `mutation { defineJurisdiction(input: { code: "EU/DE", categoriesRequiringApproval: ["payments"],
      approvalRules: [{ category: "payments", approvers: 1 }] }) { code } }`,
  );
}, 180_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await proxy?.close();
  await stack?.stop();
});

describe('signed decisions', () => {
  it('signs what the ledger verifies, replays the same draft, and proves its inclusion locally', async () => {
    const agent = await newAgent('sdk-signer');
    const { privateKey } = generateKeyPairSync('ed25519');
    const ecp = client(agent.apiKey, { signingKey: privateKey });

    await expect(ecp.recordDecision(draft())).rejects.toBeInstanceOf(SigningKeyNotRegisteredError);
    const key = await ecp.registerSigningKey();
    expect(await ecp.registerSigningKey()).toMatchObject({ id: key.id });

    const asked = draft();
    const advice = await ecp.assessFriction({ ...asked, irreversibility: 0.3, impactScope: 0.5 });
    expect(advice.score).toBeGreaterThanOrEqual(0);
    const first = await ecp.recordDecision(asked, { advice });
    expect(first).toMatchObject({ status: 'COMMITTED', replayed: false });
    expect(first.decision.signedBy?.id).toBe(key.id);
    expect(first.decision.advice?.frictionAssessmentId).toBe(advice.id);
    expect(first.decision.idempotencyKey).toMatch(/^draft-hmac:[0-9a-f]{64}$/);

    // The entry the ledger wrote carries the signature, and it verifies over the entry's own body.
    const { decision } = await admin<{ decision: { entry: { canonicalJson: string } } }>(
      'query ($id: ID!) { decision(id: $id) { entry { canonicalJson } } }',
      { id: first.decision.id },
    );
    const entry = JSON.parse(decision.entry.canonicalJson);
    expect(entry.signature.keyId).toBe(key.id);
    expect(
      verifyDecisionSignature(agent.id, entry.body, entry.signature.value, fromBase64(ecp.publicKey!)),
    ).toBe(true);

    // The same draft again (a retry, a restart): the first record, not a second entry.
    const again = await ecp.recordDecision(asked, { advice });
    expect(again).toMatchObject({ replayed: true, ledgerIndex: first.ledgerIndex });
    expect(again.decision.id).toBe(first.decision.id);
    expect(await decisionsOf(agent.id)).toHaveLength(1);

    const proof = await ecp.verifyInclusion(first.decision);
    expect(proof).toMatchObject({ index: first.ledgerIndex, leafHash: first.leafHash });
    expect(BigInt(proof.checkpoint.treeSize)).toBeGreaterThan(BigInt(first.ledgerIndex!));

    // Pinned to another log's key, the same proof is refused.
    const { formatVerifierKey } = await import('@ecp/merkle/signed-note');
    const stranger = client(agent.apiKey, {
      logPublicKey: formatVerifierKey('ecp.test/ledger', new Uint8Array(randomBytes(32))),
    });
    const refused = await stranger.verifyInclusion(first.decision).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(VerificationError);
    expect((refused as VerificationError).step).toBe('checkpoint');
  });

  it('signs votes the advisory subgraph verifies', async () => {
    const opener = await newAgent('sdk-opener');
    const voter = await newAgent('sdk-voter');
    const ecpVoter = client(voter.apiKey, { signingKey: new Uint8Array(randomBytes(32)) });
    const key = await ecpVoter.registerSigningKey();
    const poll = await client(opener.apiKey).openPoll(pollInput('Raise the price?', [voter.id]));
    const vote = await ecpVoter.castVote({
      pollId: poll.id,
      option: 'hold',
      confidence: 0.7,
      rationale: 'Stock is fine.',
    });
    expect(vote).toMatchObject({ option: 'hold', signatureKeyId: key.id });
    const twice = await ecpVoter
      .castVote({ pollId: poll.id, option: 'hold', confidence: 0.7 })
      .catch((e: unknown) => e);
    expect(twice).toBeInstanceOf(ConflictError);
  });
});

describe('held decisions and access tokens', () => {
  it('follows a held decision to its commit and proves it once committed, with an access-token provider', async () => {
    const operator = await newAgent('sdk-operator', '[OPERATOR]');
    const agent = await newAgent('sdk-held');
    const keyClient = client(agent.apiKey);
    let minted = 0;
    const ecp = client('', {
      apiKey: undefined,
      accessToken: async () => {
        minted++;
        const { issueAccessToken } = (await keyClient.request(
          parse('mutation Token { issueAccessToken(ttlSeconds: 300) { token } }') as never,
          {},
        )) as { issueAccessToken: { token: string } };
        return issueAccessToken.token;
      },
    });
    const changes = ecp.decisionStatusChanged({ agentId: agent.id });
    const held = await ecp.recordDecision(
      draft({ category: 'payments', options: [{ id: 'refund' }, { id: 'deny' }], chosenOption: 'refund' }),
    );
    expect(held).toMatchObject({ status: 'PENDING_APPROVAL', ledgerIndex: null, replayed: false });
    expect(held.decision.holdReasons.length).toBeGreaterThan(0);
    await expect(ecp.verifyInclusion(held.decision)).rejects.toMatchObject({ code: 'NOT_COMMITTED' });

    const approved = await graphql<{ approveDecision: { status: string } }>(
      stack.graphqlUrl,
      'mutation ($id: ID!) { approveDecision(id: $id, reason: "Checked the refund.") { status } }',
      { id: held.decision.id },
      { headers: { authorization: `Bearer ${operator.apiKey}` } },
    );
    expect(approved.body.data?.approveDecision.status).toBe('COMMITTED');

    let committed: Decision | undefined;
    while (!committed) {
      const [change] = await take(changes, 1);
      if (change!.status === 'COMMITTED') committed = change;
    }
    expect(committed?.id).toBe(held.decision.id);
    expect(committed?.ledgerIndex).not.toBeNull();
    changes.close();
    const proof = await ecp.verifyInclusion(committed!);
    expect(proof.index).toBe(committed!.ledgerIndex);
    // Every request and the socket asked the provider for a token.
    expect(minted).toBeGreaterThanOrEqual(3);
  });

  it('follows a poll to its close with pollUpdated', async () => {
    const opener = await newAgent('sdk-poll-opener');
    const voter = await newAgent('sdk-poll-voter');
    const ecpOpener = client(opener.apiKey);
    const poll = await ecpOpener.openPoll(pollInput('Hold the price?', [voter.id]));
    const updates = ecpOpener.pollUpdated(poll.id);
    // The vote is cast until the subscription has seen it (the subscription starts from now).
    const ecpVoter = client(voter.apiKey);
    await new Promise((r) => setTimeout(r, 500));
    await ecpVoter.castVote({ pollId: poll.id, option: 'hold', confidence: 0.9 });
    const [afterVote] = await take(updates, 1);
    expect(afterVote).toMatchObject({ id: poll.id, votesCast: 1 });
    updates.close();
  });
});

describe('retries', () => {
  it('retries a recordDecision whose answer was lost and appends it once', async () => {
    const agent = await newAgent('sdk-retry');
    const ecp = client(agent.apiKey, { url: proxy.url });
    await ecp.me();
    proxy.cutAll();
    proxy.dropNextAnswer();
    const recorded = await ecp.recordDecision(draft());
    // The first attempt was recorded; the one whose answer arrived was answered with it.
    expect(recorded).toMatchObject({ status: 'COMMITTED', replayed: true });
    const stored = await decisionsOf(agent.id);
    expect(stored.map((d) => d.id)).toEqual([recorded.decision.id]);
  });

  it('retries past 503s that never reached the gateway, and not past what the caller allows', async () => {
    const agent = await newAgent('sdk-503');
    const ecp = client(agent.apiKey, { url: proxy.url });
    proxy.cutAll();
    proxy.refuseNext(2);
    const recorded = await ecp.recordDecision(draft());
    expect(recorded).toMatchObject({ status: 'COMMITTED', replayed: false });

    proxy.cutAll();
    proxy.refuseNext(3);
    const given = await ecp.recordDecision(draft(), { retry: { maxAttempts: 2 } }).catch((e: unknown) => e);
    expect(given).toMatchObject({ code: 'PROTOCOL_ERROR', status: 503, attempts: 2 });
    proxy.refuseNext(-1);
    expect(await decisionsOf(agent.id)).toHaveLength(1);
  });

  it('does not retry a change that is not idempotent when its answer is lost', async () => {
    const agent = await newAgent('sdk-unsafe');
    const ecp = client(agent.apiKey, { url: proxy.url });
    await ecp.me();
    proxy.cutAll();
    proxy.dropNextAnswer();
    const lost = await ecp.openPoll(pollInput('Once?', [agent.id])).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(NetworkError);
    expect((lost as NetworkError).attempts).toBe(1);
  });
});

describe('subscriptions', () => {
  it('loses its socket mid-stream and resumes with nothing missed or repeated', async () => {
    const agent = await newAgent('sdk-live');
    const writer = client(agent.apiKey);
    const reader = client(agent.apiKey, { url: proxy.url });
    const live = reader.decisionRecorded({ agentId: agent.id });
    // Subscribed once the first event arrives: record until it does.
    const recorded: string[] = [(await writer.recordDecision(draft())).decision.id];
    const firstArrived = await take(live, 1);
    const seen: Decision[] = [...firstArrived];
    for (let i = 0; i < 5; i++) recorded.push((await writer.recordDecision(draft())).decision.id);
    seen.push(...(await take(live, 5)));
    const connectionsBefore = proxy.connections;

    proxy.cutAll();
    for (let i = 0; i < 14; i++) recorded.push((await writer.recordDecision(draft())).decision.id);
    seen.push(...(await take(live, 14)));
    live.close();

    expect(proxy.connections).toBeGreaterThan(connectionsBefore);
    expect(seen.map((d) => d.id)).toEqual(recorded);
    expect(new Set(seen.map((d) => d.id)).size).toBe(recorded.length);
    expect(live.cursor).toBeTypeOf('string');
  });

  it('surfaces a cursor too old as CursorExpiredError whose refetch reads what was missed', async () => {
    const agent = await newAgent('sdk-expired');
    const writer = client(agent.apiKey);
    const reader = client(agent.apiKey);
    const live = reader.decisionRecorded({ agentId: agent.id });
    const firstId = (await writer.recordDecision(draft())).decision.id;
    const [first] = await take(live, 1);
    expect(first!.id).toBe(firstId);
    const cursor = live.cursor!;
    live.close();

    // More are recorded than the gateway replays from one cursor.
    const missed: string[] = [];
    for (let i = 0; i < REPLAY_MAX + 5; i++) missed.push((await writer.recordDecision(draft())).decision.id);

    const resumed = reader.decisionRecorded({ agentId: agent.id }, { cursor });
    const failure = await resumed.next().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CursorExpiredError);
    expect((failure as CursorExpiredError).cursor).toBe(cursor);

    // Subscribe again for what comes next; refetch reads what came between, from the position's
    // last decision (carried in the cursor string, so another process could do the same).
    const next = reader.decisionRecorded({ agentId: agent.id });
    const again = (await writer.recordDecision(draft())).decision.id;
    const [seenAgain] = await take(next, 1);
    expect(seenAgain!.id).toBe(again);
    next.close();

    const refetched = (await (failure as CursorExpiredError).refetch()) as Decision[];
    const ids = refetched.map((d) => d.id);
    expect(ids).toEqual([...missed, again]);
    expect(ids).not.toContain(firstId);
  });
});

describe('errors', () => {
  it('raises each failure of the platform as its class, with its details', async () => {
    const agent = await newAgent('sdk-errors');
    const ecp = client(agent.apiKey, { retry: { maxAttempts: 1 } });

    const invalid = await ecp.recordDecision(draft({ confidence: 2 })).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(BadUserInputError);
    expect((invalid as BadUserInputError).paths).toContain('input.confidence');

    const precedent = await ecp
      .recordDecision(draft({ precedents: [{ index: '999999999', leafHash: '0'.repeat(64) }] }))
      .catch((e: unknown) => e);
    expect(precedent).toBeInstanceOf(UnknownPrecedentError);

    const forbidden = await ecp
      .request(parse('query Agents { agents(first: 1) { edges { node { id } } } }'), {})
      .catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(ForbiddenError);

    const unknownField = await ecp.request(parse('query Nope { me { nope } }'), {}).catch((e: unknown) => e);
    expect(unknownField).toBeInstanceOf(GraphQLValidationFailedError);

    const stranger = client('ecp_not-a-real-key');
    await expect(stranger.me()).rejects.toBeInstanceOf(UnauthenticatedError);

    // A key revoked after it was registered: the ledger refuses the signature, nothing is appended.
    const signer = client(agent.apiKey, {
      signingKey: new Uint8Array(randomBytes(32)),
      retry: { maxAttempts: 1 },
    });
    const key = await signer.registerSigningKey();
    await admin('mutation ($id: ID!) { revokeAgentKey(id: $id) { id } }', { id: key.id });
    const revoked = await signer.recordDecision(draft()).catch((e: unknown) => e);
    expect(revoked).toBeInstanceOf(InvalidSignatureError);
    expect((revoked as InvalidSignatureError).details[0]?.path).toBe('input.signature.keyId');
    expect(await decisionsOf(agent.id)).toHaveLength(0);

    // Revoked by the agent itself: the client no longer signs with it, and will not register it again.
    const rotating = client(agent.apiKey, {
      signingKey: new Uint8Array(randomBytes(32)),
      retry: { maxAttempts: 1 },
    });
    await expect(rotating.recordDecision(draft())).rejects.toBeInstanceOf(SigningKeyNotRegisteredError);
    await rotating.registerSigningKey();
    expect((await rotating.recordDecision(draft())).decision.signedBy).not.toBeNull();
    const gone = await rotating.revokeSigningKey();
    expect(gone.revokedAt).not.toBeNull();
    expect((await rotating.revokeSigningKey()).id).toBe(gone.id);
    await expect(rotating.recordDecision(draft())).rejects.toBeInstanceOf(SigningKeyNotRegisteredError);
    await expect(rotating.registerSigningKey()).rejects.toMatchObject({ code: 'SIGNING_KEY_REVOKED' });
    expect(await decisionsOf(agent.id)).toHaveLength(1);

    // A subscription the gateway refuses ends the iteration with the error's class.
    const badFilter = ecp.decisionRecorded({ agentId: 'not-an-id' });
    await expect(badFilter.next()).rejects.toBeInstanceOf(BadUserInputError);
  });
});
