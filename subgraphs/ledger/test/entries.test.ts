import { newId } from '@ecp/db/ids';
import { type Principal, servicePrincipal } from '@ecp/identity/principal';
import { canonicalJson } from '@ecp/ledger-format/canonical-json';
import { leafHash, toHex } from '@ecp/merkle/hash';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceEntryKind } from '../src/modules/entries/entry-kind';
import { OPEN_GATE } from '../src/modules/firewall/firewall-advice';
import { ledgerSubgraph } from '../src/subgraph';
import { testLedgerConfig } from './ledger-config';
import { checkpointCoveringAll } from './seed';
import { verifyExport } from './verify-export';

/**
 * The ledger's one append command for ECP's other services: kinds registered with their schemas,
 * validated with path and reason, idempotent on (service, key), group-committed, and verifiable by
 * `ecp verify export` like every other entry.
 */
const NOTE_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://ecp.dev/schema/ledger/ecp.test-note.v1.schema.json',
  title: 'ecp.test-note/v1',
  $ref: 'service-entry.v1.schema.json',
  type: 'object',
  properties: {
    kind: { const: 'ecp.test-note/v1' },
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['note', 'n'],
      properties: { note: { type: 'string', minLength: 1 }, n: { type: 'integer', minimum: 0 } },
    },
  },
};
const NOTES = serviceEntryKind(NOTE_SCHEMA);
const APPEND = `mutation ($i: AppendLedgerEntryInput!) { appendLedgerEntry(input: $i) { index leafHash treeSize replayed } }`;
type Appended = {
  appendLedgerEntry: { index: string; leafHash: string; treeSize: string; replayed: boolean };
};

let sg: SubgraphUnderTest;
const operations = servicePrincipal('operations');

beforeAll(async () => {
  sg = await startSubgraph(
    (url) => ledgerSubgraph(testLedgerConfig(url), { extraKinds: [NOTES], firewall: OPEN_GATE }),
    testLedgerConfig,
  );
});

afterAll(async () => {
  await sg?.stop();
});

function append(input: Record<string, unknown>, as: Principal = operations) {
  return graphql<Appended>(sg.url, APPEND, { i: input }, { as });
}

async function entryAt(index: string): Promise<Record<string, unknown>> {
  const rows = (await sg
    .em()
    .getConnection()
    .execute('select convert_from(canonical, $$UTF8$$) as c from ledger.entry where index = ?', [index])) as {
    c: string;
  }[];
  return JSON.parse(rows[0]!.c);
}

async function size(): Promise<number> {
  const rows = await sg.em().getConnection().execute('select count(*)::int as n from ledger.entry');
  return (rows[0] as { n: number }).n;
}

describe('appendLedgerEntry', () => {
  it('appends an entry of a registered kind for the calling service, with who it acted for', async () => {
    const actor = newId();
    const res = await append(
      { kind: 'ecp.test-note/v1', body: { note: 'first', n: 1 }, idempotencyKey: 'note-1' },
      { ...operations, actor: { id: actor, name: 'ops person', roles: ['OPERATOR'], jurisdictions: [] } },
    );
    expect(res.body.errors).toBeUndefined();
    const out = res.body.data!.appendLedgerEntry;
    expect(out.replayed).toBe(false);
    expect(BigInt(out.treeSize)).toBeGreaterThan(BigInt(out.index));
    const entry = await entryAt(out.index);
    expect(entry).toMatchObject({
      kind: 'ecp.test-note/v1',
      recordedBy: 'service:operations',
      actorId: actor,
      body: { note: 'first', n: 1 },
    });
    expect(toHex(leafHash(new TextEncoder().encode(canonicalJson(entry))))).toBe(out.leafHash);
  });

  it('is idempotent on the service and key, and a different entry under a used key is a CONFLICT', async () => {
    const input = { kind: 'ecp.test-note/v1', body: { note: 'once', n: 2 }, idempotencyKey: 'note-2' };
    const first = (await append(input)).body.data!.appendLedgerEntry;
    const before = await size();
    const retries = await Promise.all([append(input), append(input)]);
    for (const r of retries)
      expect(r.body.data!.appendLedgerEntry).toMatchObject({ ...first, replayed: true });
    const changed = await append({ ...input, body: { note: 'twice', n: 2 } });
    expect(errorCode(changed)).toBe('CONFLICT');
    expect(changed.body.errors![0]!.message).toContain('"note-2"');
    // Another service's key space is its own.
    const other = await append(input, servicePrincipal('advisory'));
    expect(other.body.data!.appendLedgerEntry.replayed).toBe(false);
    expect(await size()).toBe(before + 1);
  });

  it('refuses a non-service caller, an unknown kind, decisions, an invalid body, and changes nothing', async () => {
    const before = await size();
    const agent: Principal = { kind: 'agent', id: newId(), name: 'a', roles: ['ADMIN'], jurisdictions: [] };
    const cases: [Record<string, unknown>, Principal, string, RegExp][] = [
      [
        { kind: 'ecp.test-note/v1', body: { note: 'x', n: 1 }, idempotencyKey: 'k1' },
        agent,
        'FORBIDDEN',
        /Only ECP services/,
      ],
      [
        { kind: 'ecp.nothing/v1', body: {}, idempotencyKey: 'k2' },
        operations,
        'BAD_USER_INPUT',
        /Unknown entry kind/,
      ],
      [
        { kind: 'ecp.decision/v1', body: {}, idempotencyKey: 'k3' },
        operations,
        'BAD_USER_INPUT',
        /recorded with recordDecision/,
      ],
      [
        { kind: 'ecp.decision/v2', body: {}, idempotencyKey: 'k3' },
        operations,
        'BAD_USER_INPUT',
        /recorded with recordDecision/,
      ],
      [
        { kind: 'ecp.test-note/v1', body: { note: '', n: -1, extra: true }, idempotencyKey: 'k4' },
        operations,
        'BAD_USER_INPUT',
        /input\.body\.(note|n|extra)/,
      ],
      [
        { kind: 'ecp.test-note/v1', body: { note: 'x', n: 1 }, idempotencyKey: '' },
        operations,
        'BAD_USER_INPUT',
        /idempotencyKey/,
      ],
    ];
    for (const [input, as, code, message] of cases) {
      const res = await append(input, as);
      expect(errorCode(res), JSON.stringify(res.body.errors)).toBe(code);
      expect(res.body.errors![0]!.message).toMatch(message);
    }
    expect(await size()).toBe(before);
  });

  it('verifies with ecp verify export, its kind checked against the schema it was appended with', async () => {
    for (let n = 10; n < 15; n++) {
      await append({
        kind: 'ecp.test-note/v1',
        body: { note: `note ${n}`, n },
        idempotencyKey: `verify-${n}`,
      });
    }
    await checkpointCoveringAll(sg);
    const verified = await verifyExport(sg, { 'ecp.test-note.v1.schema.json': NOTE_SCHEMA });
    expect(verified).toMatch(/ok +\d+ entries re-hashed; the tree .* matches all \d+ signed checkpoints/);
    expect(verified).toMatch(/entries match their kinds' schemas \(\d+ ecp\.test-note\/v1\)/);
    // Without the schema the entries are still hashed and checked against the checkpoints, and named.
    const unknown = await verifyExport(sg);
    expect(unknown).toMatch(/not checked, no schema known: \d+ ecp\.test-note\/v1/);
  });
});
