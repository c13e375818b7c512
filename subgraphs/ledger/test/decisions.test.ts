import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { newId } from '@ecp/db/ids';
import { IDENTITY_HEADER, signIdentity } from '@ecp/identity/identity-header';
import type { Principal } from '@ecp/identity/principal';
import { canonicalJson } from '@ecp/ledger-format/canonical-json';
import { decisionSigningMessage } from '@ecp/ledger-format/decision-entry';
import { validateEntry } from '@ecp/ledger-format/entry-schemas';
import { openCheckpoint } from '@ecp/merkle/checkpoint';
import { fromHex, leafHash, toHex } from '@ecp/merkle/hash';
import { verifyProofBundle } from '@ecp/merkle/proof-bundle';
import { verifyConsistency, verifyInclusion } from '@ecp/merkle/proofs';
import { verifierFromKey } from '@ecp/merkle/signed-note';
import { decisionInput } from '@ecp/test-kit/fixtures';
import { errorCode, graphql, TEST_IDENTITY_SECRET, TEST_LEDGER_ORIGIN } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN_GATE } from '../src/modules/firewall/firewall-advice';
import { ledgerSubgraph } from '../src/subgraph';
import { testLedgerConfig } from './ledger-config';
import { checkpointCoveringAll } from './seed';

let sg: SubgraphUnderTest;
let agent: Principal;
let other: Principal;

async function registerAgent(name: string, jurisdictions: string[] = ['EU']): Promise<Principal> {
  const id = newId();
  await sg
    .em()
    .getConnection()
    .execute(
      "insert into ledger.agent (id, name, roles, jurisdictions) values (?, ?, '{AGENT}', ?::text[])",
      [id, name, `{${jurisdictions.join(',')}}`],
    );
  return { kind: 'agent', id, name, roles: ['AGENT'], jurisdictions };
}

beforeAll(async () => {
  sg = await startSubgraph(
    (url) => ledgerSubgraph(testLedgerConfig(url), { firewall: OPEN_GATE }),
    testLedgerConfig,
  );
  agent = await registerAgent('pricing-bot', ['EU']);
  other = await registerAgent('other-bot', ['US']);
});

afterAll(async () => {
  await sg?.stop();
});

const RECORD = `mutation ($input: RecordDecisionInput!) {
  recordDecision(input: $input) {
    ledgerIndex leafHash treeSize replayed
    decision { id ledgerIndex leafHash treeSize chosenOption confidence jurisdiction context signedBy { id }
      entry { index kind leafHash canonicalJson } }
  }
}`;

type Recorded = {
  recordDecision: {
    ledgerIndex: string;
    leafHash: string;
    treeSize: string;
    replayed: boolean;
    decision: {
      id: string;
      ledgerIndex: string;
      leafHash: string;
      signedBy: { id: string } | null;
      entry: { index: string; kind: string; leafHash: string; canonicalJson: string };
    };
  };
};

async function record(input: Record<string, unknown>, as: Principal = agent) {
  return graphql<Recorded>(sg.url, RECORD, { input }, { as });
}

/** Posts a raw JSON body as the agent, so that what is sent is exactly what the test wrote. */
async function post(body: string) {
  const res = await fetch(sg.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [IDENTITY_HEADER]: signIdentity(agent, TEST_IDENTITY_SECRET),
    },
    body,
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      errors?: {
        message: string;
        extensions: { code: string; details?: { path: string; reason: string }[] };
      }[];
    },
  };
}
async function size(): Promise<number> {
  const rows = await sg.em().getConnection().execute('select count(*)::int as n from ledger.entry');
  return (rows[0] as { n: number }).n;
}

describe('recordDecision', () => {
  it('appends the canonical, schema-valid entry and returns its index, leaf hash and tree size', async () => {
    const res = await record(decisionInput({ context: { z: 1, a: { y: [1, 2], b: 'x' } } }));
    expect(res.body.errors).toBeUndefined();
    const out = res.body.data!.recordDecision;
    expect(out.replayed).toBe(false);
    expect(out.decision.entry.index).toBe(out.ledgerIndex);
    const canonical = out.decision.entry.canonicalJson;
    const entry = JSON.parse(canonical);
    expect(canonicalJson(entry)).toBe(canonical);
    expect(validateEntry(entry)).toEqual([]);
    expect(entry).toMatchObject({ kind: 'ecp.decision/v3', agentId: agent.id, decisionId: out.decision.id });
    // Written as v2 even when the agent sends neither tags nor advice.
    expect(entry.body).toMatchObject({ tags: [], advice: {} });
    expect(toHex(leafHash(new TextEncoder().encode(canonical)))).toBe(out.leafHash);
    expect(BigInt(out.treeSize)).toBeGreaterThan(BigInt(out.ledgerIndex));
  });

  it('returns the same entry for a retry with the same idempotency key and appends nothing', async () => {
    const input = decisionInput();
    const first = (await record(input)).body.data!.recordDecision;
    const before = await size();
    const retries = await Promise.all([record(input), record(input)]);
    for (const retry of retries) {
      expect(retry.body.data!.recordDecision).toMatchObject({
        replayed: true,
        ledgerIndex: first.ledgerIndex,
        leafHash: first.leafHash,
        decision: { id: first.decision.id },
      });
    }
    expect(await size()).toBe(before);
  });

  it('refuses a reused key with a different decision as a CONFLICT naming the key, and an invalid one as invalid', async () => {
    const input = decisionInput();
    const first = (await record(input)).body.data!.recordDecision;
    const before = await size();
    const different = [
      { ...input, rationale: 'changed mind' },
      { ...input, chosenOption: 'hold' },
      { ...input, options: [...input.options, { id: 'lower', description: 'Lower 5%' }] },
      { ...input, context: { ...input.context, extra: 1 } },
      { ...input, confidence: 0.81 },
    ];
    for (const retry of await Promise.all(different.map((d) => record(d)))) {
      expect(errorCode(retry), JSON.stringify(retry.body)).toBe('CONFLICT');
      expect(retry.body.errors![0]!.message).toContain(`"${input.idempotencyKey}"`);
      expect(retry.body.errors![0]!.message).toContain(`ledger entry ${first.ledgerIndex}`);
      expect(retry.body.errors![0]!.extensions!.details).toEqual([
        { path: 'input.idempotencyKey', reason: expect.stringContaining(first.ledgerIndex) },
      ]);
    }
    const invalid = await record({ ...input, confidence: 7 });
    expect(errorCode(invalid)).toBe('BAD_USER_INPUT');
    // The same body in another key order and with defaults spelled out is the same decision.
    const same = await record({
      ...input,
      options: input.options.map((o) => ({ description: o.description, id: o.id })),
      inputDigests: [],
      precedents: [],
    });
    expect(same.body.data!.recordDecision).toMatchObject({ replayed: true, ledgerIndex: first.ledgerIndex });
    expect(await size()).toBe(before);
  });

  it('answers CONFLICT to the loser of a race between two different decisions under one key', async () => {
    const input = decisionInput();
    const before = await size();
    const results = await Promise.all([
      record(input),
      record({ ...input, chosenOption: 'hold' }),
      record(input),
    ]);
    const codes = results.map((r) => (r.body.errors ? errorCode(r) : 'OK'));
    expect(codes.filter((c) => c === 'OK').length).toBeGreaterThanOrEqual(1);
    expect(await size()).toBe(before + 1);
    const winner = results.find((r) => !r.body.errors)!.body.data!.recordDecision;
    const chosen = JSON.parse(winner.decision.entry.canonicalJson).body.chosenOption as string;
    // Whoever sent a body other than the winner's got CONFLICT; whoever sent the winner's got its record.
    for (const [i, r] of results.entries()) {
      const sentChosen = i === 1 ? 'hold' : 'raise';
      if (sentChosen === chosen) expect(r.body.data!.recordDecision.ledgerIndex).toBe(winner.ledgerIndex);
      else expect(errorCode(r)).toBe('CONFLICT');
    }
  });

  it('records signed decisions and shows the key that signed them; refuses a wrong signature', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
    const key = await graphql<{ registerAgentKey: { id: string } }>(
      sg.url,
      'mutation ($k: String!) { registerAgentKey(publicKey: $k) { id publicKey } }',
      { k: raw },
      { as: agent },
    );
    const keyId = key.body.data!.registerAgentKey.id;
    const input = decisionInput();
    const body = {
      jurisdiction: input.jurisdiction,
      category: input.category,
      context: input.context,
      options: input.options,
      chosenOption: input.chosenOption,
      rationale: input.rationale,
      confidence: input.confidence,
      inputDigests: [],
      precedents: [],
      tags: [],
      advice: {},
      idempotencyKey: input.idempotencyKey,
    };
    const value = sign(null, decisionSigningMessage(agent.id, body), privateKey).toString('base64');
    const signed = await record({ ...input, signature: { keyId, value } });
    expect(signed.body.errors).toBeUndefined();
    expect(signed.body.data!.recordDecision.decision.signedBy).toEqual({ id: keyId });
    expect(JSON.parse(signed.body.data!.recordDecision.decision.entry.canonicalJson).signature).toEqual({
      keyId,
      algorithm: 'ed25519',
      value,
    });

    const before = await size();
    // The same 64 bytes spelled with padding bits set: lenient decoders accept it, the ledger does not.
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const last = value.charAt(85);
    const respelled = `${value.slice(0, 85)}${ALPHABET.charAt(ALPHABET.indexOf(last) ^ 1)}==`;
    expect(Buffer.from(respelled, 'base64').equals(Buffer.from(value, 'base64'))).toBe(true);
    const nonCanonical = await record({
      ...input,
      idempotencyKey: newId(),
      signature: { keyId, value: respelled },
    });
    expect(errorCode(nonCanonical), JSON.stringify(nonCanonical.body.errors)).toBe('INVALID_SIGNATURE');
    expect(nonCanonical.body.errors![0]!.extensions!.details).toEqual([
      { path: 'input.signature.value', reason: expect.stringMatching(/non-canonical base64/) },
    ]);
    const tampered = await record({ ...decisionInput({ confidence: 0.9 }), signature: { keyId, value } });
    expect(errorCode(tampered), JSON.stringify(tampered.body.errors)).toBe('INVALID_SIGNATURE');
    const foreignKey = await record(
      { ...input, jurisdiction: 'US', idempotencyKey: newId(), signature: { keyId, value } },
      other,
    );
    expect(errorCode(foreignKey), JSON.stringify(foreignKey.body.errors)).toBe('INVALID_SIGNATURE');
    expect(await size()).toBe(before);
  });

  it('cites precedents by index and leaf hash, resolving precedents and citedBy both ways', async () => {
    const a = (await record(decisionInput())).body.data!.recordDecision;
    const b = (await record(decisionInput())).body.data!.recordDecision;
    const c = await record(
      decisionInput({
        precedents: [
          { index: a.ledgerIndex, leafHash: a.leafHash },
          { index: b.ledgerIndex, leafHash: b.leafHash },
        ],
      }),
    );
    expect(c.body.errors).toBeUndefined();
    const cId = c.body.data!.recordDecision.decision.id;
    const read = await graphql<{
      decision: { precedents: { id: string }[] };
      a: { citedBy: { edges: { node: { id: string } }[] } };
    }>(
      sg.url,
      'query ($c: ID!, $a: ID!) { decision(id: $c) { precedents { id } } a: decision(id: $a) { citedBy { edges { node { id } } } } }',
      { c: cId, a: a.decision.id },
      { as: other },
    );
    expect(read.body.data!.decision.precedents.map((p) => p.id)).toEqual([a.decision.id, b.decision.id]);
    expect(read.body.data!.a.citedBy.edges.map((e) => e.node.id)).toEqual([cId]);
  });

  it('refuses bad input with a code and the reason, and leaves the ledger unchanged', async () => {
    const before = await size();
    const a = (await record(decisionInput())).body.data!.recordDecision;
    const after = await size();
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [decisionInput({ confidence: 1.5 }), 'BAD_USER_INPUT', /input\.confidence must be <= 1/],
      [decisionInput({ confidence: -0.1 }), 'BAD_USER_INPUT', /input\.confidence must be >= 0/],
      [
        decisionInput({ chosenOption: 'lower' }),
        'BAD_USER_INPUT',
        /input\.chosenOption must be one of the option ids/,
      ],
      [
        decisionInput({ jurisdiction: 'US/CA' }),
        'BAD_USER_INPUT',
        /input\.jurisdiction the agent acts in EU/,
      ],
      // Beside EU, not below it: within is by level, not by prefix.
      [decisionInput({ jurisdiction: 'EUX' }), 'BAD_USER_INPUT', /input\.jurisdiction the agent acts in EU/],
      [decisionInput({ category: 'Not A Category' }), 'BAD_USER_INPUT', /input\.category must match pattern/],
      [decisionInput({ options: [] }), 'BAD_USER_INPUT', /input\.options must NOT have fewer than 1 items/],
      [
        decisionInput({ inputDigests: [{ name: 'feed', digest: 'nothex' }] }),
        'BAD_USER_INPUT',
        /input\.inputDigests\.0\.digest/,
      ],
      [decisionInput({ context: { blob: 'x'.repeat(5000) } }), 'PAYLOAD_TOO_LARGE', /at most 4096/],
      [
        decisionInput({ precedents: [{ index: '999999', leafHash: 'a'.repeat(64) }] }),
        'UNKNOWN_PRECEDENT',
        /no ledger entry has index 999999/,
      ],
      [
        decisionInput({ precedents: [{ index: a.ledgerIndex, leafHash: 'a'.repeat(64) }] }),
        'UNKNOWN_PRECEDENT',
        new RegExp(`entry ${a.ledgerIndex} has leaf hash ${a.leafHash}`),
      ],
      [
        decisionInput({ precedents: [{ index: '-1', leafHash: a.leafHash }] }),
        'BAD_USER_INPUT',
        /input\.precedents\.0\.index must match pattern/,
      ],
    ];
    for (const [input, code, reason] of cases) {
      const res = await record(input);
      expect(errorCode(res), JSON.stringify(input).slice(0, 120)).toBe(code);
      expect(res.body.errors![0]!.message).toMatch(reason);
      expect(res.body.errors![0]!.extensions!.details).toBeDefined();
    }
    expect(await size()).toBe(after);
    expect(after).toBe(before + 1);
    const analyst = await record(decisionInput(), { ...agent, roles: ['ANALYST'] });
    expect(errorCode(analyst)).toBe('FORBIDDEN');
  });

  it('lets an agent registered in no jurisdiction record in none', async () => {
    // Registration now refuses such an agent; one registered before may still exist.
    const nowhere = await registerAgent('nowhere-bot', []);
    const before = await size();
    for (const jurisdiction of ['US/CA', 'EU', 'EU/DE']) {
      const res = await record(decisionInput({ jurisdiction }), nowhere);
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
      expect(res.body.errors![0]!.message).toMatch(/registered in no jurisdiction/);
    }
    expect(await size()).toBe(before);
  });

  it('refuses a request body with a duplicate key anywhere, before anything runs', async () => {
    const before = await size();
    const input = decisionInput();
    const res = await post(
      `{"query":${JSON.stringify(RECORD)},"variables":{"input":${JSON.stringify(input).replace('"confidence":0.8', '"confidence":0.8,"confidence":0.1')}}}`,
    );
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors![0]!.message).toMatch(
      /duplicate key "confidence" in the object at \/variables\/input/,
    );
    expect(await size()).toBe(before);
  });
});

describe('what the ledger keeps is what was sent', () => {
  it('refuses U+0000, lone surrogates, 1e400 and unsafe integers in variables, naming the JSON path', async () => {
    const before = await size();
    const input = JSON.stringify(decisionInput());
    const cases: [string, string, RegExp][] = [
      ['"\\u0000"', '/variables/input/context/probe', /U\+0000/],
      ['"x\\ud800"', '/variables/input/context/probe', /lone surrogate/],
      ['1e400', '/variables/input/context/probe', /finite/],
      ['12345678901234567890', '/variables/input/context/probe', /kept as 12345678901234567000/],
      ['9007199254740993', '/variables/input/context/probe', /kept as 9007199254740992/],
    ];
    for (const [raw, path, reason] of cases) {
      const variables = input.replace('"context":{', `"context":{"probe":${raw},`);
      const res = await post(`{"query":${JSON.stringify(RECORD)},"variables":{"input":${variables}}}`);
      expect(res.status, raw).toBe(400);
      expect(res.body.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
      expect(res.body.errors![0]!.extensions.details).toEqual([
        { path, reason: expect.stringMatching(reason) },
      ]);
    }
    expect(await size()).toBe(before);
  });

  it('refuses the same values written as literals in the document', async () => {
    const before = await size();
    const literal = (context: string, rationale = '"r"') =>
      `mutation { recordDecision(input: { jurisdiction: "EU/DE", category: "pricing", context: ${context},
        options: [{ id: "a" }], chosenOption: "a", rationale: ${rationale}, confidence: 0.5,
        idempotencyKey: "${newId()}" }) { ledgerIndex } }`;
    for (const query of [
      literal('{ n: 12345678901234567890 }'),
      literal('{ n: 1e400 }'),
      literal('{ s: "\\u0000" }'),
      literal('{ s: "ok" }', '"nul \\u0000 in the rationale"'),
    ]) {
      const res = await graphql(sg.url, query, {}, { as: agent });
      expect(res.body.data?.recordDecision ?? null, query).toBeNull();
      expect(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED'], JSON.stringify(res.body.errors)).toContain(
        errorCode(res),
      );
      expect(res.body.errors![0]!.message).toMatch(/U\+0000|finite|kept as/);
    }
    // GraphQL's own lexer refuses a lone surrogate escape before anything else sees it.
    const lone = await graphql(sg.url, literal('{ s: "ok" }', '"\\ud800"'), {}, { as: agent });
    expect(errorCode(lone)).toBe('GRAPHQL_PARSE_FAILED');
    expect(await size()).toBe(before);
  });

  it('keeps the largest safe integers and ordinary doubles exactly', async () => {
    const context = { max: 9007199254740991, min: -9007199254740991, tenth: 0.1, big: 2.5e300, emoji: '😀' };
    const res = await record(decisionInput({ context }));
    expect(res.body.errors).toBeUndefined();
    const entry = JSON.parse(res.body.data!.recordDecision.decision.entry.canonicalJson);
    expect(entry.body.context).toEqual(context);
  });
});

describe('what another agent sees of a decision', () => {
  const READ = `query ($id: ID!) { decision(id: $id) { id agent { id } chosenOption rationale context
    entry { index leafHash canonicalJson } } }`;
  type Read = {
    decision: {
      id: string;
      context: Record<string, unknown> | null;
      rationale: string;
      entry: { index: string; leafHash: string; canonicalJson: string | null };
    };
  };

  it('is everything but the context and the entry bytes, on queries, lists and entity fetches alike', async () => {
    const secret = { customer: 'ACME Corp', margin: 0.31 };
    const mine = (await record(decisionInput({ context: secret }))).body.data!.recordDecision;
    const id = mine.decision.id;
    const analyst: Principal = { ...other, roles: ['ANALYST'] };

    const own = await graphql<Read>(sg.url, READ, { id }, { as: agent });
    expect(own.body.data!.decision.context).toEqual(secret);
    expect(own.body.data!.decision.entry.canonicalJson).toContain('ACME Corp');
    const person = await graphql<Read>(sg.url, READ, { id }, { as: analyst });
    expect(person.body.data!.decision.context).toEqual(secret);
    expect(person.body.data!.decision.entry.canonicalJson).toContain('ACME Corp');

    const stranger = await graphql<Read>(sg.url, READ, { id }, { as: other });
    expect(stranger.body.errors).toBeUndefined();
    expect(stranger.body.data!.decision).toMatchObject({
      id,
      rationale: 'Demand exceeds supply.',
      context: null,
      entry: { index: mine.ledgerIndex, leafHash: mine.leafHash, canonicalJson: null },
    });
    expect(JSON.stringify(stranger.body)).not.toContain('ACME');

    const list = await graphql<{ decisions: { edges: { node: { id: string; context: unknown } }[] } }>(
      sg.url,
      'query ($f: DecisionFilter) { decisions(filter: $f, first: 5) { edges { node { id context } } } }',
      { f: { agentId: agent.id } },
      { as: other },
    );
    expect(list.body.errors).toBeUndefined();
    expect(list.body.data!.decisions.edges.map((e) => e.node.context)).toEqual(
      list.body.data!.decisions.edges.map(() => null),
    );
    const entity = await graphql<{ _entities: { context: unknown }[] }>(
      sg.url,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Decision { context } } }',
      { r: [{ __typename: 'Decision', id }] },
      { as: other },
    );
    expect(entity.body.data!._entities).toEqual([{ context: null }]);
    const entry = await graphql<{ ledgerEntry: { canonicalJson: string | null; leafHash: string } }>(
      sg.url,
      'query ($i: String!) { ledgerEntry(index: $i) { leafHash canonicalJson } }',
      { i: mine.ledgerIndex },
      { as: other },
    );
    expect(entry.body.data!.ledgerEntry).toEqual({ leafHash: mine.leafHash, canonicalJson: null });
    const exported = await graphql<{ ledgerEntries: { index: string; canonicalJson: string | null }[] }>(
      sg.url,
      'query ($f: String!) { ledgerEntries(fromIndex: $f, first: 1) { index canonicalJson } }',
      { f: mine.ledgerIndex },
      { as: other },
    );
    expect(exported.body.data!.ledgerEntries).toEqual([{ index: mine.ledgerIndex, canonicalJson: null }]);
  });

  it('can still prove the entry is in the log, but gets no bundle of its bytes', async () => {
    const mine = (await record(decisionInput())).body.data!.recordDecision;
    await checkpointCoveringAll(sg);
    const proof = await graphql<{ inclusionProof: { hashes: string[] } }>(
      sg.url,
      'query ($i: String!) { inclusionProof(index: $i) { hashes } }',
      { i: mine.ledgerIndex },
      { as: other },
    );
    expect(proof.body.errors).toBeUndefined();
    const bundle = (as: Principal) =>
      graphql<{ proofBundle: string }>(
        sg.url,
        'query ($i: String!) { proofBundle(index: $i) }',
        { i: mine.ledgerIndex },
        { as },
      );
    expect(errorCode(await bundle(other))).toBe('FORBIDDEN');
    const own = await bundle(agent);
    expect(own.body.errors).toBeUndefined();
    expect(own.body.data!.proofBundle).toContain(TEST_LEDGER_ORIGIN);
    expect((await bundle({ ...other, roles: ['ANALYST'] })).body.errors).toBeUndefined();
  });
});

describe('malformed arguments', () => {
  it('are typed errors naming the argument, never INTERNAL_SERVER_ERROR', async () => {
    const huge = '9223372036854775808'; // 2^63: past what a bigint holds
    const cases: [string, string][] = [
      ['{ decisions(first: -1) { edges { cursor } } }', 'BAD_USER_INPUT'],
      ['{ decisions(last: -1, before: "5") { edges { cursor } } }', 'BAD_USER_INPUT'],
      [`{ decisions(first: 2, after: "${huge}") { edges { cursor } } }`, 'BAD_USER_INPUT'],
      [`{ ledgerEntry(index: "${huge}") { index } }`, 'BAD_USER_INPUT'],
      ['{ ledgerEntry(index: "99999999999999999999999") { index } }', 'BAD_USER_INPUT'],
      [`{ inclusionProof(index: "${huge}") { hashes } }`, 'BAD_USER_INPUT'],
      [`{ inclusionProof(index: "1", treeSize: "${huge}") { hashes } }`, 'BAD_USER_INPUT'],
      [`{ consistencyProof(fromSize: "${huge}") { hashes } }`, 'BAD_USER_INPUT'],
      [`{ checkpoint(treeSize: "${huge}") { treeSize } }`, 'BAD_USER_INPUT'],
      [`{ ledgerEntries(fromIndex: "${huge}") { index } }`, 'BAD_USER_INPUT'],
      [`{ checkpoints(fromSize: "${huge}") { treeSize } }`, 'BAD_USER_INPUT'],
    ];
    for (const [query, code] of cases) {
      const res = await graphql(sg.url, query, {}, { as: other });
      expect(errorCode(res), `${query}: ${JSON.stringify(res.body.errors)}`).toBe(code);
    }
    const precedent = await record(
      decisionInput({ precedents: [{ index: '18446744073709551615', leafHash: 'a'.repeat(64) }] }),
    );
    expect(errorCode(precedent), JSON.stringify(precedent.body.errors)).toBe('UNKNOWN_PRECEDENT');
    expect(precedent.body.errors![0]!.message).toMatch(/no ledger entry has index 18446744073709551615/);
  });

  it('refuses a document with two operations and no operationName as a bad request', async () => {
    const res = await graphql(sg.url, 'query A { me { id } } query B { me { name } }', {}, { as: other });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('OPERATION_RESOLUTION_FAILURE');
  });
});

describe('reading decisions', () => {
  it('lists and filters with stable cursors, newest first', async () => {
    const mine = await registerAgent('lister', ['EU']);
    const ids: string[] = [];
    for (const category of ['credit', 'pricing', 'credit']) {
      ids.push((await record(decisionInput({ category }), mine)).body.data!.recordDecision.decision.id);
    }
    type Page = {
      decisions: {
        edges: { cursor: string; node: { id: string; category: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    };
    const q =
      'query ($f: DecisionFilter, $after: String) { decisions(filter: $f, first: 1, after: $after) { edges { cursor node { id category } } pageInfo { hasNextPage endCursor } } }';
    const p1 = await graphql<Page>(sg.url, q, { f: { agentId: mine.id, category: 'credit' } }, { as: other });
    expect(p1.body.data!.decisions.edges.map((e) => e.node.id)).toEqual([ids[2]]);
    // An append between pages does not shift them.
    await record(decisionInput({ category: 'credit' }), mine);
    const p2 = await graphql<Page>(
      sg.url,
      q,
      { f: { agentId: mine.id, category: 'credit' }, after: p1.body.data!.decisions.pageInfo.endCursor },
      { as: other },
    );
    expect(p2.body.data!.decisions.edges.map((e) => e.node.id)).toEqual([ids[0]]);
    expect(p2.body.data!.decisions.pageInfo.hasNextPage).toBe(false);
    const byJurisdiction = await graphql<Page>(
      sg.url,
      'query { decisions(filter: { jurisdiction: "NOWHERE" }) { edges { cursor } pageInfo { hasNextPage endCursor } } }',
      {},
      { as: other },
    );
    expect(byJurisdiction.body.data!.decisions.edges).toEqual([]);
  });
});

describe('subscribing to decisions', () => {
  // What the gateway sends the ledger before it accepts a subscription: the root field with the
  // subscriber's arguments and identity, selecting only `__typename`.
  const SUBSCRIBE =
    'subscription ECPSubscribe_decisionRecorded($filter: DecisionFilter) { decisionRecorded(filter: $filter) { __typename } }';
  const LIST =
    'query ($filter: DecisionFilter) { decisions(filter: $filter, first: 1) { edges { cursor } } }';

  it('refuses a filter when subscribing with the error `decisions` gives for it', async () => {
    const filter = { agentId: 'pricing-bot', category: 'pricing' };
    const subscribing = await graphql(sg.url, SUBSCRIBE, { filter }, { as: other });
    const listing = await graphql(sg.url, LIST, { filter }, { as: other });
    for (const res of [subscribing, listing]) {
      expect(res.body.errors).toMatchObject([
        {
          message: 'filter.agentId must be an agent id.',
          extensions: {
            code: 'BAD_USER_INPUT',
            details: [{ path: 'filter.agentId', reason: 'must be a UUID' }],
          },
        },
      ]);
    }
    expect(subscribing.body.errors![0]!.extensions).toEqual(listing.body.errors![0]!.extensions);
  });

  it('allows what `decisions` allows — another agent followed, any category, no filter — answering the type', async () => {
    for (const filter of [{ agentId: agent.id }, { category: 'pricing', jurisdiction: 'EU' }, null]) {
      const subscribing = await graphql(sg.url, SUBSCRIBE, { filter }, { as: other });
      expect(subscribing.body).toEqual({ data: { decisionRecorded: { __typename: 'Decision' } } });
      expect((await graphql(sg.url, LIST, { filter }, { as: other })).body.errors).toBeUndefined();
    }
    const checkpoints = await graphql(
      sg.url,
      'subscription { checkpointPublished { __typename } }',
      {},
      { as: other },
    );
    expect(checkpoints.body).toEqual({ data: { checkpointPublished: { __typename: 'Checkpoint' } } });
  });
});

describe('checkpoints and proofs', () => {
  it('publishes signed checkpoints that verify with the served public key, and proofs that verify against them', async () => {
    // Entries' bytes hold other agents' contexts: reading them all is for people, e.g. an auditor.
    const auditor: Principal = { ...other, roles: ['ANALYST'] };
    for (let i = 0; i < 7; i++) await record(decisionInput());
    await new Promise((r) => setTimeout(r, 400));
    const vkeys = (await (await fetch(`${sg.origin}/ledger/public-key`)).text()).trim().split('\n');
    const verifiers = vkeys.map(verifierFromKey);
    const cp = await graphql<{
      checkpoint: { origin: string; treeSize: string; rootHash: string; note: string };
    }>(sg.url, '{ checkpoint { origin treeSize rootHash note } }', {}, { as: other });
    const { origin, treeSize, rootHash, note } = cp.body.data!.checkpoint;
    const opened = openCheckpoint(note, verifiers, TEST_LEDGER_ORIGIN);
    expect(origin).toBe(TEST_LEDGER_ORIGIN);
    expect(opened.checkpoint.size).toBe(BigInt(treeSize));
    expect(toHex(opened.checkpoint.rootHash)).toBe(rootHash);
    expect(await size()).toBe(Number(treeSize));

    const entries = await graphql<{
      ledgerEntries: { index: string; leafHash: string; canonicalJson: string }[];
    }>(sg.url, '{ ledgerEntries(first: 1000) { index leafHash canonicalJson } }', {}, { as: auditor });
    for (const e of entries.body.data!.ledgerEntries) {
      const proof = await graphql<{ inclusionProof: { hashes: string[]; treeSize: string } }>(
        sg.url,
        'query ($i: String!) { inclusionProof(index: $i) { treeSize hashes } }',
        { i: e.index },
        { as: other },
      );
      expect(proof.body.data!.inclusionProof.treeSize).toBe(treeSize);
      const leaf = leafHash(new TextEncoder().encode(e.canonicalJson));
      expect(toHex(leaf)).toBe(e.leafHash);
      verifyInclusion(
        BigInt(e.index),
        BigInt(treeSize),
        leaf,
        proof.body.data!.inclusionProof.hashes.map((h) => fromHex(h, 32)),
        opened.checkpoint.rootHash,
      );
    }

    const all = await graphql<{ checkpoints: { treeSize: string; note: string }[] }>(
      sg.url,
      '{ checkpoints(first: 1000) { treeSize note } }',
      {},
      { as: other },
    );
    const [older] = all.body.data!.checkpoints.filter((c) => c.treeSize !== '0' && c.treeSize !== treeSize);
    const old = openCheckpoint(older!.note, verifiers).checkpoint;
    const consistency = await graphql<{ consistencyProof: { hashes: string[] } }>(
      sg.url,
      'query ($from: String!) { consistencyProof(fromSize: $from) { fromSize toSize hashes } }',
      { from: older!.treeSize },
      { as: other },
    );
    verifyConsistency(
      old.size,
      BigInt(treeSize),
      consistency.body.data!.consistencyProof.hashes.map((h) => fromHex(h, 32)),
      old.rootHash,
      opened.checkpoint.rootHash,
    );

    const bundle = await graphql<{ proofBundle: string }>(
      sg.url,
      '{ proofBundle(index: "1") }',
      {},
      { as: auditor },
    );
    const verified = verifyProofBundle(bundle.body.data!.proofBundle, verifiers, TEST_LEDGER_ORIGIN);
    expect(verified.index).toBe(1n);
  });

  it('refuses proofs beyond the tree with OUT_OF_RANGE, and malformed numbers with BAD_USER_INPUT', async () => {
    const n = await size();
    expect(
      errorCode(
        await graphql(
          sg.url,
          'query ($i: String!) { inclusionProof(index: $i) { hashes } }',
          { i: String(n + 5) },
          { as: other },
        ),
      ),
    ).toBe('OUT_OF_RANGE');
    expect(
      errorCode(
        await graphql(
          sg.url,
          'query ($s: String!) { inclusionProof(index: "0", treeSize: $s) { hashes } }',
          { s: String(n + 1) },
          { as: other },
        ),
      ),
    ).toBe('OUT_OF_RANGE');
    expect(
      errorCode(await graphql(sg.url, '{ inclusionProof(index: "-3") { hashes } }', {}, { as: other })),
    ).toBe('BAD_USER_INPUT');
    expect(
      errorCode(
        await graphql(
          sg.url,
          '{ inclusionProof(index: "18446744073709551616") { hashes } }',
          {},
          { as: other },
        ),
      ),
    ).toBe('BAD_USER_INPUT');
    expect(
      errorCode(await graphql(sg.url, '{ consistencyProof(fromSize: "0") { hashes } }', {}, { as: other })),
    ).toBe('OUT_OF_RANGE');
    expect(errorCode(await graphql(sg.url, '{ proofBundle(index: "99999999") }', {}, { as: other }))).toBe(
      'OUT_OF_RANGE',
    );
    const nothing = await graphql(sg.url, '{ ledgerEntry(index: "99999999") { index } }', {}, { as: other });
    expect(nothing.body).toEqual({ data: { ledgerEntry: null } });
  });
});

describe('concurrency', () => {
  it('64 parallel appenders: gapless, no duplicates, every leaf where the tree says', async () => {
    const start = await size();
    const appenders = await Promise.all(
      Array.from({ length: 64 }, (_, i) => registerAgent(`appender-${i}`, ['EU'])),
    );
    const results = await Promise.all(
      appenders.flatMap((a) =>
        [0, 1, 2].map(() => record(decisionInput(), a).then((r) => r.body.data!.recordDecision)),
      ),
    );
    const indexes = results.map((r) => Number(r.ledgerIndex)).sort((x, y) => x - y);
    expect(indexes).toEqual(Array.from({ length: 192 }, (_, i) => start + i));
    const rows = (await sg
      .em()
      .getConnection()
      .execute('select index::int as i from ledger.entry order by index')) as { i: number }[];
    expect(rows.map((r) => r.i)).toEqual(Array.from({ length: start + 192 }, (_, i) => i));
    const hashes = new Set(results.map((r) => r.leafHash));
    expect(hashes.size).toBe(192);
    const batches = await (await fetch(`${sg.origin}/metrics`)).text();
    // Concurrent appends were grouped: fewer transactions than appends.
    const count = Number(/ledger_batch_entries_count\{[^}]*\} (\d+)/.exec(batches)![1]);
    const sum = Number(/ledger_batch_entries_sum\{[^}]*\} (\d+)/.exec(batches)![1]);
    expect(sum / count).toBeGreaterThan(1);
    void createHash;
  });
});
