import { generateKeyPairSync, sign } from 'node:crypto';
import { newId } from '@ecp/db/ids';
import { openOrm } from '@ecp/db/orm';
import { Outbox } from '@ecp/events/outbox';
import type { Principal } from '@ecp/identity/principal';
import {
  DECISION_KIND_V1,
  type DecisionBodyV1,
  type DecisionEntryV1,
  decisionSigningMessage,
  verifyDecisionSignature,
} from '@ecp/ledger-format/decision-entry';
import { validateEntry } from '@ecp/ledger-format/entry-schemas';
import { createLogger } from '@ecp/logging/logger';
import { verifyProofBundle } from '@ecp/merkle/proof-bundle';
import { verifierFromKey } from '@ecp/merkle/signed-note';
import { type DecisionInputFixture, decisionInput } from '@ecp/test-kit/fixtures';
import { errorCode, graphql, TEST_LEDGER_ORIGIN, TEST_LEDGER_SIGNING_KEY } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN_GATE } from '../src/modules/firewall/firewall-advice';
import { type AdviceChecker, namedAdvice, refuseAllAdvice } from '../src/modules/ledger/advice-checker';
import { type DecisionProjection, decisionKind } from '../src/modules/ledger/decision.kind';
import { LEDGER_TOPICS } from '../src/modules/ledger/ledger.topics';
import { LedgerLog } from '../src/modules/ledger/ledger-log';
import { logKeys } from '../src/modules/ledger/log-keys';
import { LEDGER_ENTITIES, LEDGER_SERVICE_ROLE, ledgerSubgraph } from '../src/subgraph';
import { testLedgerConfig } from './ledger-config';
import { checkpointCoveringAll, ledgerSize, seedAgent } from './seed';
import { verifyExport } from './verify-export';

/**
 * Decisions are recorded with tags (`ecp.decision/v2`'s body, written since as `ecp.decision/v3`) and the advice the agent took (confirmed
 * with the advisory subgraph first); decisions recorded as `ecp.decision/v1` stay readable and
 * verifiable beside them.
 */

/** The advisory subgraph as these tests see it: the advice it gave, by id, and to which agent. */
const given = new Map<string, { field: 'frictionAssessmentId' | 'pollId'; agentId: string }>();
const asked: Parameters<AdviceChecker['check']>[0][] = [];
const advisory: AdviceChecker = {
  async check(request) {
    asked.push(request);
    return namedAdvice(request.body.advice).flatMap(({ path, field, id }) => {
      const advice = given.get(id);
      if (advice?.field !== field) {
        return [
          { path, reason: `advisory knows no ${field === 'pollId' ? 'poll' : 'friction assessment'} ${id}` },
        ];
      }
      if (advice.agentId !== request.agentId) return [{ path, reason: 'is about another agent’s draft' }];
      return [];
    });
  },
};

function giveAdvice(field: 'frictionAssessmentId' | 'pollId', to: Principal): string {
  const id = newId();
  given.set(id, { field, agentId: to.id });
  return id;
}

let sg: SubgraphUnderTest;
let agent: Principal;
let other: Principal;

beforeAll(async () => {
  sg = await startSubgraph(
    (url) => ledgerSubgraph(testLedgerConfig(url), { advice: advisory, firewall: OPEN_GATE }),
    testLedgerConfig,
  );
  agent = await seedAgent(sg, 'tagging-bot', ['EU']);
  other = await seedAgent(sg, 'other-bot', ['US']);
});

afterAll(async () => {
  await sg?.stop();
});

const DECISION_FIELDS = `id ledgerIndex leafHash tags advice { frictionAssessmentId pollId } context
  signedBy { id } entry { kind canonicalJson }`;
const RECORD = `mutation ($input: RecordDecisionInput!) {
  recordDecision(input: $input) { replayed ledgerIndex leafHash decision { ${DECISION_FIELDS} } }
}`;

interface DecisionRead {
  id: string;
  ledgerIndex: string;
  leafHash: string;
  tags: string[];
  advice: { frictionAssessmentId: string | null; pollId: string | null } | null;
  context: Record<string, unknown> | null;
  signedBy: { id: string } | null;
  entry: { kind: string; canonicalJson: string | null };
}
type Recorded = {
  recordDecision: { replayed: boolean; ledgerIndex: string; leafHash: string; decision: DecisionRead };
};

function record(input: Record<string, unknown>, as: Principal = agent, headers: Record<string, string> = {}) {
  return graphql<Recorded>(sg.url, RECORD, { input }, { as, headers });
}

async function read(id: string, as: Principal): Promise<DecisionRead> {
  const res = await graphql<{ decision: DecisionRead }>(
    sg.url,
    `query ($id: ID!) { decision(id: $id) { ${DECISION_FIELDS} } }`,
    { id },
    { as },
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.decision;
}

describe('recordDecision with tags and advice', () => {
  it('records tags and confirmed advice in the entry and shows them on the decision, to everyone', async () => {
    const frictionAssessmentId = giveAdvice('frictionAssessmentId', agent);
    const pollId = giveAdvice('pollId', agent);
    const tags = ['refund', 'supplier/acme', 'q4.review'];
    const res = await record(decisionInput({ tags, advice: { frictionAssessmentId, pollId } }), agent, {
      'x-request-id': 'advice-request-1',
    });
    expect(res.body.errors).toBeUndefined();
    const { decision } = res.body.data!.recordDecision;
    const entry = JSON.parse(decision.entry.canonicalJson!);
    expect(validateEntry(entry)).toEqual([]);
    expect(entry).toMatchObject({
      kind: 'ecp.decision/v3',
      body: { tags, advice: { frictionAssessmentId, pollId } },
    });
    expect(decision).toMatchObject({ tags, advice: { frictionAssessmentId, pollId } });
    // Asked once, after validation, for this agent, with the request's id.
    expect(asked.at(-1)).toMatchObject({
      agentId: agent.id,
      principal: { id: agent.id },
      requestId: 'advice-request-1',
      body: { tags, advice: { frictionAssessmentId, pollId }, idempotencyKey: entry.body.idempotencyKey },
    });
    expect(await read(decision.id, other)).toMatchObject({ tags, advice: { frictionAssessmentId, pollId } });
  });

  it('keeps the advice named and no more, and asks advisory only when advice is named', async () => {
    const pollId = giveAdvice('pollId', agent);
    const one = await record(decisionInput({ advice: { pollId, frictionAssessmentId: null } }));
    expect(one.body.errors).toBeUndefined();
    expect(one.body.data!.recordDecision.decision.advice).toEqual({ frictionAssessmentId: null, pollId });
    expect(JSON.parse(one.body.data!.recordDecision.decision.entry.canonicalJson!).body.advice).toEqual({
      pollId,
    });

    const calls = asked.length;
    for (const input of [
      decisionInput(),
      decisionInput({ tags: [], advice: {} }),
      decisionInput({ advice: null }),
    ]) {
      const none = await record(input);
      expect(none.body.errors).toBeUndefined();
      expect(none.body.data!.recordDecision.decision).toMatchObject({
        tags: [],
        advice: { frictionAssessmentId: null, pollId: null },
      });
      expect(JSON.parse(none.body.data!.recordDecision.decision.entry.canonicalJson!).body).toMatchObject({
        tags: [],
        advice: {},
      });
    }
    expect(asked.length).toBe(calls);
  });

  it('refuses advice advisory does not confirm with INVALID_ADVICE naming each id, and appends nothing', async () => {
    const before = await ledgerSize(sg);
    const unknownPoll = newId();
    const othersAssessment = giveAdvice('frictionAssessmentId', other);
    const res = await record(
      decisionInput({ advice: { frictionAssessmentId: othersAssessment, pollId: unknownPoll } }),
    );
    expect(errorCode(res)).toBe('INVALID_ADVICE');
    expect(res.body.errors![0]!.extensions!.details).toEqual([
      { path: 'input.advice.frictionAssessmentId', reason: 'is about another agent’s draft' },
      { path: 'input.advice.pollId', reason: `advisory knows no poll ${unknownPoll}` },
    ]);
    expect(res.body.errors![0]!.message).toMatch(/input\.advice\.pollId advisory knows no poll/);
    // A friction assessment's id is not a poll's.
    const swapped = await record(
      decisionInput({ advice: { pollId: giveAdvice('frictionAssessmentId', agent) } }),
    );
    expect(errorCode(swapped)).toBe('INVALID_ADVICE');
    expect(await ledgerSize(sg)).toBe(before);
  });

  it('asks advisory only about a decision valid in every other way', async () => {
    const before = await ledgerSize(sg);
    const calls = asked.length;
    const pollId = giveAdvice('pollId', agent);
    const cases: [Record<string, unknown>, string, string][] = [
      [decisionInput({ advice: { pollId: 'poll-7' } }), 'BAD_USER_INPUT', 'input.advice.pollId'],
      [decisionInput({ advice: { pollId }, confidence: 2 }), 'BAD_USER_INPUT', 'input.confidence'],
      [
        decisionInput({ advice: { pollId }, precedents: [{ index: '999999', leafHash: 'a'.repeat(64) }] }),
        'UNKNOWN_PRECEDENT',
        'input.precedents.0',
      ],
      [decisionInput({ advice: { pollId }, jurisdiction: 'US' }), 'BAD_USER_INPUT', 'input.jurisdiction'],
    ];
    for (const [input, code, path] of cases) {
      const res = await record(input);
      expect(errorCode(res), JSON.stringify(res.body.errors)).toBe(code);
      expect(res.body.errors![0]!.extensions!.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ path })]),
      );
    }
    expect(asked.length).toBe(calls);
    expect(await ledgerSize(sg)).toBe(before);
  });

  it('refuses bad tags with BAD_USER_INPUT naming each', async () => {
    const before = await ledgerSize(sg);
    const cases: [unknown[], { path: string; reason: RegExp }[]][] = [
      [
        ['ok', 'refund', 'Not OK', 'fine/too', '-dash', 'x'.repeat(65)],
        [
          { path: 'input.tags.2', reason: /must match pattern/ },
          { path: 'input.tags.4', reason: /must match pattern/ },
          { path: 'input.tags.5', reason: /must match pattern/ },
        ],
      ],
      [['refund', 'ok', 'refund'], [{ path: 'input.tags', reason: /duplicate/ }]],
      [Array.from({ length: 33 }, (_, i) => `t${i}`), [{ path: 'input.tags', reason: /more than 32 items/ }]],
      [[''], [{ path: 'input.tags.0', reason: /must match pattern/ }]],
    ];
    for (const [tags, details] of cases) {
      const res = await record(decisionInput({ tags }));
      expect(errorCode(res), JSON.stringify(tags)).toBe('BAD_USER_INPUT');
      expect(res.body.errors![0]!.extensions!.details).toEqual(
        details.map((d) => ({ path: d.path, reason: expect.stringMatching(d.reason) })),
      );
    }
    expect(await ledgerSize(sg)).toBe(before);
  });

  it('answers a retry with the same tags and advice with the first record, and any other with CONFLICT', async () => {
    const pollId = giveAdvice('pollId', agent);
    const input = decisionInput({ tags: ['a', 'b'], advice: { pollId } });
    const first = (await record(input)).body.data!.recordDecision;
    const before = await ledgerSize(sg);
    expect((await record(input)).body.data!.recordDecision).toMatchObject({
      replayed: true,
      ledgerIndex: first.ledgerIndex,
    });
    for (const different of [
      { ...input, tags: ['a'] },
      { ...input, tags: ['b', 'a'] },
      { ...input, tags: null },
      { ...input, advice: {} },
      { ...input, advice: { pollId, frictionAssessmentId: giveAdvice('frictionAssessmentId', agent) } },
    ]) {
      const res = await record(different);
      expect(errorCode(res), JSON.stringify(different)).toBe('CONFLICT');
    }
    expect(await ledgerSize(sg)).toBe(before);
  });

  it('verifies a signature over {kind: v3, agentId, body}, tags and advice included, and refuses a v1 one', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const keyId = await registerKey(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32));
    const pollId = giveAdvice('pollId', agent);
    const input = decisionInput({ tags: ['signed'], advice: { pollId } });
    const body = bodyOf(input);
    const signed = sign(
      null,
      decisionSigningMessage(agent.id, { ...body, tags: ['signed'], advice: { pollId } }),
      privateKey,
    );
    const ok = await record({ ...input, signature: { keyId, value: signed.toString('base64') } });
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data!.recordDecision.decision.signedBy).toEqual({ id: keyId });

    // The same decision signed as v1 would have been: the signature binds the kind.
    const plain = decisionInput();
    const asV1 = sign(null, decisionSigningMessage(agent.id, bodyOf(plain), DECISION_KIND_V1), privateKey);
    const refused = await record({ ...plain, signature: { keyId, value: asV1.toString('base64') } });
    expect(errorCode(refused)).toBe('INVALID_SIGNATURE');
  });
});

describe('a ledger configured to refuse advice', () => {
  let plain: SubgraphUnderTest;
  let bot: Principal;

  beforeAll(async () => {
    plain = await startSubgraph(
      (url) => ledgerSubgraph(testLedgerConfig(url), { advice: refuseAllAdvice, firewall: OPEN_GATE }),
      testLedgerConfig,
    );
    bot = await seedAgent(plain, 'plain-bot', ['EU']);
  });
  afterAll(async () => {
    await plain?.stop();
  });

  it('records decisions that name no advice, and refuses every one that does, appending nothing', async () => {
    const ok = await graphql<Recorded>(
      plain.url,
      RECORD,
      { input: decisionInput({ tags: ['t'] }) },
      { as: bot },
    );
    expect(ok.body.errors).toBeUndefined();
    const before = await ledgerSize(plain);
    const res = await graphql(
      plain.url,
      RECORD,
      { input: decisionInput({ advice: { frictionAssessmentId: newId(), pollId: newId() } }) },
      { as: bot },
    );
    expect(errorCode(res)).toBe('INVALID_ADVICE');
    expect(res.body.errors![0]!.extensions!.details).toEqual([
      { path: 'input.advice.frictionAssessmentId', reason: 'no advisory service is configured to check it' },
      { path: 'input.advice.pollId', reason: 'no advisory service is configured to check it' },
    ]);
    expect(await ledgerSize(plain)).toBe(before);
  });
});

describe('a ledger whose advisory service does not answer', () => {
  let alone: SubgraphUnderTest;
  let bot: Principal;
  // Its default checker asks the advisory subgraph, here at a port nothing listens on.
  const config = (url: string) => ({ ...testLedgerConfig(url), ADVISORY_URL: 'http://127.0.0.1:9/graphql' });

  beforeAll(async () => {
    alone = await startSubgraph((url) => ledgerSubgraph(config(url), { firewall: OPEN_GATE }), config);
    bot = await seedAgent(alone, 'alone-bot', ['EU']);
  });
  afterAll(async () => {
    await alone?.stop();
  });

  it('refuses a decision that names advice with SERVICE_UNAVAILABLE, appending nothing, and records the others', async () => {
    const before = await ledgerSize(alone);
    const res = await graphql(
      alone.url,
      RECORD,
      { input: decisionInput({ advice: { pollId: newId() } }) },
      { as: bot },
    );
    expect(errorCode(res)).toBe('SERVICE_UNAVAILABLE');
    expect(await ledgerSize(alone)).toBe(before);
    const ok = await graphql<Recorded>(alone.url, RECORD, { input: decisionInput() }, { as: bot });
    expect(ok.body.errors).toBeUndefined();
    expect(await ledgerSize(alone)).toBe(before + 1);
  });
});

/** A decision input's body as the ledger builds it, before tags and advice. */
function bodyOf(input: DecisionInputFixture): DecisionBodyV1 {
  return {
    jurisdiction: input.jurisdiction,
    category: input.category,
    context: input.context,
    options: input.options,
    chosenOption: input.chosenOption,
    rationale: input.rationale,
    confidence: input.confidence,
    inputDigests: [],
    precedents: [],
    idempotencyKey: input.idempotencyKey,
  };
}

async function registerKey(raw: Uint8Array): Promise<string> {
  const key = await graphql<{ registerAgentKey: { id: string } }>(
    sg.url,
    'mutation ($k: String!) { registerAgentKey(publicKey: $k) { id } }',
    { k: Buffer.from(raw).toString('base64') },
    { as: agent },
  );
  return key.body.data!.registerAgentKey.id;
}

describe('decisions recorded as ecp.decision/v1', () => {
  const logger = createLogger({ service: 'ledger', level: 'silent' });
  let orm: MikroORM;
  let log: LedgerLog;
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  let keyId: string;
  let v1: {
    id: string;
    index: string;
    leafHash: string;
    input: DecisionInputFixture & { signature: unknown };
  };

  /**
   * Appends a decision as the ledger did before v2: the v1 entry, built as `recordDecision` built it,
   * signed over `{kind: v1, agentId, body}`, through the ledger's own append path.
   */
  async function recordAsV1(input: DecisionInputFixture) {
    const body = bodyOf(input);
    const decisionId = newId();
    const signature = {
      keyId,
      algorithm: 'ed25519' as const,
      value: sign(null, decisionSigningMessage(agent.id, body, DECISION_KIND_V1), privateKey).toString(
        'base64',
      ),
    };
    const appended = await log.append<DecisionProjection>({
      kind: { ...decisionKind, kind: DECISION_KIND_V1 },
      entry: (recordedAt): DecisionEntryV1 => ({
        kind: DECISION_KIND_V1,
        decisionId,
        agentId: agent.id,
        recordedAt,
        body,
        signature,
      }),
      idempotency: { owner: agent.id, key: input.idempotencyKey },
      projection: {
        row: {
          id: decisionId,
          agentId: agent.id,
          jurisdiction: body.jurisdiction,
          category: body.category,
          chosenOption: body.chosenOption,
          confidence: body.confidence,
          idempotencyKey: body.idempotencyKey,
          signingKeyId: keyId,
          tags: [],
          rationale: body.rationale,
          context: body.context,
        },
        cites: [],
      },
    });
    return {
      id: decisionId,
      index: appended.index.toString(),
      leafHash: Buffer.from(appended.leafHash).toString('hex'),
      input: { ...input, signature: { keyId, value: signature.value } },
    };
  }

  beforeAll(async () => {
    orm = await openOrm({
      databaseUrl: sg.db.url,
      schema: 'ledger',
      entities: LEDGER_ENTITIES,
      logger,
      poolMax: 2,
      sessionRole: LEDGER_SERVICE_ROLE,
    });
    log = new LedgerLog({
      knex: orm.em.getConnection().getKnex(),
      outbox: new Outbox({ schema: 'ledger', topics: LEDGER_TOPICS }),
      keys: logKeys(TEST_LEDGER_ORIGIN, TEST_LEDGER_SIGNING_KEY, []),
      logger,
      batchMax: 10,
      checkpointIntervalMs: 60_000,
      checkpointEveryEntries: 1_000_000,
    });
    await log.start();
    keyId = await registerKey(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32));
    const input = decisionInput({ context: { customer: 'Old Customer Ltd' } });
    v1 = await recordAsV1(input);
  });

  afterAll(async () => {
    await log?.close();
    await orm?.close(true);
  });

  it('reads with no tags and null advice, wherever decisions are read', async () => {
    const own = await read(v1.id, agent);
    expect(own).toMatchObject({
      id: v1.id,
      ledgerIndex: v1.index,
      leafHash: v1.leafHash,
      tags: [],
      advice: null,
      context: { customer: 'Old Customer Ltd' },
      signedBy: { id: keyId },
      entry: { kind: 'ecp.decision/v1' },
    });
    expect(await read(v1.id, other)).toMatchObject({ tags: [], advice: null, context: null });
    const listed = await graphql<{
      decisions: { edges: { node: { id: string; tags: string[]; advice: null } }[] };
    }>(
      sg.url,
      'query ($f: DecisionFilter) { decisions(filter: $f, first: 100) { edges { node { id tags advice { pollId } } } } }',
      { f: { agentId: agent.id } },
      { as: other },
    );
    expect(listed.body.data!.decisions.edges.map((e) => e.node).find((n) => n.id === v1.id)).toEqual({
      id: v1.id,
      tags: [],
      advice: null,
    });
  });

  it('still verifies: its kind’s schema, its signature over the v1 message, its inclusion, ecp verify export', async () => {
    const entry = JSON.parse((await read(v1.id, agent)).entry.canonicalJson!) as DecisionEntryV1;
    expect(validateEntry(entry)).toEqual([]);
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    expect(verifyDecisionSignature(agent.id, entry.body, entry.signature!.value, raw, DECISION_KIND_V1)).toBe(
      true,
    );
    expect(
      verifyDecisionSignature(agent.id, { ...entry.body, tags: [], advice: {} }, entry.signature!.value, raw),
    ).toBe(false);

    await record(decisionInput({ tags: ['after-v1'] })); // a v2 entry after it
    await checkpointCoveringAll(sg);
    const vkey = logKeys(TEST_LEDGER_ORIGIN, TEST_LEDGER_SIGNING_KEY, []).verifierKey;
    const bundle = await graphql<{ proofBundle: string }>(
      sg.url,
      'query ($i: String!) { proofBundle(index: $i) }',
      { i: v1.index },
      { as: agent },
    );
    expect(
      verifyProofBundle(bundle.body.data!.proofBundle, [verifierFromKey(vkey)], TEST_LEDGER_ORIGIN).index,
    ).toBe(BigInt(v1.index));
    const verified = await verifyExport(sg);
    expect(verified).toMatch(/ok +\d+ entries re-hashed; the tree .* matches all \d+ signed checkpoints/);
    expect(verified).toMatch(
      /entries match their kinds' schemas \((?=.*\d+ ecp\.decision\/v1)(?=.*\d+ ecp\.decision\/v3)/,
    );
  });

  it('answers a retry under its key with the v1 record when it is the same decision, and CONFLICT otherwise', async () => {
    const before = await ledgerSize(sg);
    // The same decision, with the signature it was recorded with: v1 said nothing of tags and advice.
    for (const same of [v1.input, { ...v1.input, tags: [], advice: {} }]) {
      const retry = await record(same);
      expect(retry.body.errors).toBeUndefined();
      expect(retry.body.data!.recordDecision).toMatchObject({
        replayed: true,
        ledgerIndex: v1.index,
        decision: { id: v1.id, entry: { kind: 'ecp.decision/v1' }, tags: [], advice: null },
      });
    }
    for (const different of [
      { ...v1.input, tags: ['new'] },
      { ...v1.input, advice: { pollId: giveAdvice('pollId', agent) } },
      { ...v1.input, signature: null },
    ]) {
      expect(errorCode(await record(different))).toBe('CONFLICT');
    }
    expect(await ledgerSize(sg)).toBe(before);
  });

  it('is cited by v2 decisions like any other entry', async () => {
    const citing = await record(decisionInput({ precedents: [{ index: v1.index, leafHash: v1.leafHash }] }));
    expect(citing.body.errors).toBeUndefined();
    const cited = await graphql<{ decision: { citedBy: { edges: { node: { id: string } }[] } } }>(
      sg.url,
      'query ($id: ID!) { decision(id: $id) { citedBy { edges { node { id } } } } }',
      { id: v1.id },
      { as: other },
    );
    expect(cited.body.data!.decision.citedBy.edges.map((e) => e.node.id)).toEqual([
      citing.body.data!.recordDecision.decision.id,
    ]);
  });
});
