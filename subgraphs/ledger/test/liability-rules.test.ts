import { newId } from '@ecp/db/ids';
import type { Principal } from '@ecp/identity/principal';
import { validateEntry } from '@ecp/ledger-format/entry-schemas';
import { createLogger } from '@ecp/logging/logger';
import liabilityRulesV1 from '@ecp/schema/ledger/ecp.liability-rules.v1.schema.json' with { type: 'json' };
import { liabilityRulesInput } from '@ecp/test-kit/fixtures';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiabilityRulesService } from '../src/modules/liability/liability-rules.service';
import { ledgerSubgraph } from '../src/subgraph';
import { testLedgerConfig } from './ledger-config';
import { ledgerSize, seedAgent } from './seed';
import { verifyExport } from './verify-export';

/**
 * Liability rules through GraphQL against real PostgreSQL: defined by operators and admins only,
 * refused with paths when their shares cannot sum to 1 (nothing stored, nothing appended), recorded as
 * `ecp.liability-rules/v1` entries, inherited by code prefix, with an append-only history.
 */

let sg: SubgraphUnderTest;
let operator: Principal;
let admin: Principal;
let analyst: Principal;
let agent: Principal;

const person = (name: string, role: 'OPERATOR' | 'ADMIN' | 'ANALYST'): Principal => ({
  kind: 'agent',
  id: newId(),
  name,
  roles: [role],
  jurisdictions: [],
});

const RULES_FIELDS =
  'version jurisdiction revision base { agent organisation } takes { approvers consortium breakGlass } withoutOrganisation note createdBy createdAt ledgerIndex';
const DEFINE = `mutation ($i: DefineLiabilityRulesInput!) { defineLiabilityRules(input: $i) { ${RULES_FIELDS} } }`;
const EFFECTIVE = `query ($j: String!) { liabilityRules(jurisdiction: $j) { ${RULES_FIELDS} } }`;
const HISTORY = `query ($j: String!, $first: Int, $after: String) {
  liabilityRuleHistory(jurisdiction: $j, first: $first, after: $after) {
    edges { cursor node { version revision base { agent } } }
    pageInfo { hasNextPage endCursor }
  } }`;

interface RulesOut {
  version: string;
  jurisdiction: string | null;
  revision: number;
  base: { agent: string; organisation: string };
  takes: { approvers: string; consortium: string; breakGlass: string };
  withoutOrganisation: string;
  note: string;
  createdBy: string | null;
  createdAt: string | null;
  ledgerIndex: string | null;
}

const rulesInput = (overrides: Record<string, unknown> = {}) =>
  liabilityRulesInput({ note: 'Germany shares evenly with operators.', ...overrides });

const define = (input: Record<string, unknown>, as: Principal = operator) =>
  graphql<{ defineLiabilityRules: RulesOut }>(sg.url, DEFINE, { i: input }, { as });
const effective = (jurisdiction: string, as: Principal = agent) =>
  graphql<{ liabilityRules: RulesOut }>(sg.url, EFFECTIVE, { j: jurisdiction }, { as });

async function rulesRows(): Promise<number> {
  const rows = await sg.em().getConnection().execute('select count(*)::int as n from ledger.liability_rules');
  return (rows[0] as { n: number }).n;
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

beforeAll(async () => {
  sg = await startSubgraph((url) => ledgerSubgraph(testLedgerConfig(url)), testLedgerConfig);
  operator = person('ops', 'OPERATOR');
  admin = person('root', 'ADMIN');
  analyst = person('reader', 'ANALYST');
  agent = await seedAgent(sg, 'bot', ['EU/DE']);
});

afterAll(async () => {
  await sg?.stop();
});

describe('liabilityRules (effective)', () => {
  it('is the built-in default@1 where no code on the path defines rules', async () => {
    const res = await effective('US/CA/SF');
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.liabilityRules).toEqual({
      version: 'default@1',
      jurisdiction: null,
      revision: 1,
      base: { agent: '0.6', organisation: '0.4' },
      takes: { approvers: '0.3', consortium: '0.1', breakGlass: '0.5' },
      withoutOrganisation: 'AGENT',
      note: 'The default shipped with ECP (docs/liability.md).',
      createdBy: null,
      createdAt: null,
      ledgerIndex: null,
    });
  });

  it('refuses what is not a jurisdiction', async () => {
    const res = await effective('eu/de');
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
  });
});

describe('defineLiabilityRules', () => {
  it('stores a version, records it as an ecp.liability-rules/v1 entry, and applies it to the code and below', async () => {
    const before = await ledgerSize(sg);
    const res = await define(rulesInput({ base: { agent: '0.50', organisation: '0.500000' } }));
    expect(res.body.errors).toBeUndefined();
    const out = res.body.data!.defineLiabilityRules;
    expect(out).toMatchObject({
      version: 'EU/DE@1',
      jurisdiction: 'EU/DE',
      revision: 1,
      // Stored in canonical form.
      base: { agent: '0.5', organisation: '0.5' },
      takes: { approvers: '0.4', consortium: '0.05', breakGlass: '0.5' },
      withoutOrganisation: 'AGENT',
      createdBy: operator.id,
    });
    expect(await ledgerSize(sg)).toBe(before + 1);
    const entry = await entryAt(out.ledgerIndex!);
    expect(entry).toMatchObject({
      kind: 'ecp.liability-rules/v1',
      recordedBy: 'service:ledger',
      actorId: operator.id,
      body: {
        jurisdiction: 'EU/DE',
        revision: 1,
        rulesVersion: 'EU/DE@1',
        base: { agent: '0.5', organisation: '0.5' },
        takes: { approvers: '0.4', consortium: '0.05', breakGlass: '0.5' },
        withoutOrganisation: 'AGENT',
        note: 'Germany shares evenly with operators.',
      },
    });
    expect(validateEntry(entry)).toEqual([]);
    expect(new Date(out.createdAt!).toISOString()).toBe(entry.recordedAt);

    for (const code of ['EU/DE', 'EU/DE/BY', 'EU/DE/BY/MUC']) {
      expect((await effective(code)).body.data!.liabilityRules.version).toBe('EU/DE@1');
    }
    // Above and beside it, nothing changed.
    expect((await effective('EU')).body.data!.liabilityRules.version).toBe('default@1');
    expect((await effective('EU/FR')).body.data!.liabilityRules.version).toBe('default@1');
  });

  it('takes the nearest defined code: EU/DE/BY → EU/DE → EU → default', async () => {
    const eu = await define(
      rulesInput({ jurisdiction: 'EU', base: { agent: '0.7', organisation: '0.3' } }),
      admin,
    );
    expect(eu.body.data!.defineLiabilityRules.version).toBe('EU@1');
    expect((await effective('EU/FR')).body.data!.liabilityRules.version).toBe('EU@1');
    expect((await effective('EU/DE/BY')).body.data!.liabilityRules.version).toBe('EU/DE@1');
    const by = await define(rulesInput({ jurisdiction: 'EU/DE/BY', withoutOrganisation: 'APPROVERS' }));
    expect(by.body.data!.defineLiabilityRules.version).toBe('EU/DE/BY@1');
    expect((await effective('EU/DE/BY')).body.data!.liabilityRules).toMatchObject({
      version: 'EU/DE/BY@1',
      withoutOrganisation: 'APPROVERS',
    });
    expect((await effective('EU/DE/HH')).body.data!.liabilityRules.version).toBe('EU/DE@1');
  });

  it('makes a new version on redefinition, keeping the history append-only', async () => {
    const second = await define(rulesInput({ base: { agent: '0.55', organisation: '0.45' }, note: 'v2' }));
    expect(second.body.data!.defineLiabilityRules).toMatchObject({ version: 'EU/DE@2', revision: 2 });
    expect((await effective('EU/DE/HH')).body.data!.liabilityRules).toMatchObject({
      version: 'EU/DE@2',
      base: { agent: '0.55', organisation: '0.45' },
    });
    // Concurrent definitions get distinct, gapless revisions.
    const many = await Promise.all([1, 2, 3].map((n) => define(rulesInput({ note: `concurrent ${n}` }))));
    expect(many.map((r) => r.body.data!.defineLiabilityRules.revision).sort()).toEqual([3, 4, 5]);
    // The database refuses to change a version: the ledger's role may only insert.
    await expect(
      sg.em().getConnection().execute("update ledger.liability_rules set note = 'edited'"),
    ).rejects.toThrow(/permission denied for table liability_rules/);
  });

  it('refuses rules whose shares cannot sum to 1, with every path, storing and appending nothing', async () => {
    const rows = await rulesRows();
    const size = await ledgerSize(sg);
    const res = await define(
      rulesInput({
        jurisdiction: 'EU/IT',
        base: { agent: '0.6', organisation: '0.3' },
        takes: { approvers: '0.5', consortium: '0.3', breakGlass: '0.2' },
      }),
    );
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    const details = (res.body.errors![0]!.extensions as { details: { path: string; reason: string }[] })
      .details;
    expect(details).toEqual([
      { path: 'input.base', reason: 'the base shares must sum to exactly 1; these sum to 0.9' },
      {
        path: 'input.takes',
        reason:
          'the takes must sum to less than 1, so that the shares of a decision with every party present sum to 1 and its agent keeps a part; these sum to 1',
      },
    ]);
    const bad = await define(
      rulesInput({
        jurisdiction: 'eu/it',
        base: { agent: '0.6', organisation: '0.4000001' },
        takes: { approvers: '1', consortium: '0.1', breakGlass: 'half' },
        note: 'x'.repeat(1001),
      }),
    );
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    const paths = (bad.body.errors![0]!.extensions as { details: { path: string }[] }).details.map(
      (d) => d.path,
    );
    expect(paths).toEqual([
      'input.jurisdiction',
      'input.base.organisation',
      'input.takes.approvers',
      'input.takes.breakGlass',
      'input.note',
    ]);
    expect(await rulesRows()).toBe(rows);
    expect(await ledgerSize(sg)).toBe(size);
    expect((await effective('EU/IT')).body.data!.liabilityRules.version).not.toMatch(/^EU\/IT@/);
  });

  it('is for operators and admins: FORBIDDEN for analysts and agents, nothing stored', async () => {
    const rows = await rulesRows();
    for (const who of [analyst, agent]) {
      const res = await define(rulesInput({ jurisdiction: 'EU/ES' }), who);
      expect(errorCode(res)).toBe('FORBIDDEN');
    }
    expect(await rulesRows()).toBe(rows);
  });
});

describe('liabilityRuleHistory', () => {
  it('pages the versions of a code newest first', async () => {
    type History = {
      liabilityRuleHistory: {
        edges: { cursor: string; node: { version: string; revision: number } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    };
    const first = await graphql<History>(sg.url, HISTORY, { j: 'EU/DE', first: 2 }, { as: analyst });
    expect(first.body.errors).toBeUndefined();
    const page1 = first.body.data!.liabilityRuleHistory;
    expect(page1.edges.map((e) => e.node.version)).toEqual(['EU/DE@5', 'EU/DE@4']);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const next = await graphql<History>(
      sg.url,
      HISTORY,
      { j: 'EU/DE', first: 10, after: page1.pageInfo.endCursor },
      { as: agent },
    );
    const page2 = next.body.data!.liabilityRuleHistory;
    expect(page2.edges.map((e) => e.node.revision)).toEqual([3, 2, 1]);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    const none = await graphql<History>(sg.url, HISTORY, { j: 'JP' }, { as: agent });
    expect(none.body.data!.liabilityRuleHistory.edges).toEqual([]);
    const badCursor = await graphql<History>(sg.url, HISTORY, { j: 'EU/DE', after: 'nope' }, { as: agent });
    expect(errorCode(badCursor)).toBe('BAD_USER_INPUT');
  });
});

describe('liabilityPreview', () => {
  it('allocates under the effective rules, summing to exactly 1', async () => {
    const res = await graphql<{
      liabilityPreview: {
        rulesVersion: string;
        shares: { party: string; partyId: string | null; share: string; ppm: number; rule: string }[];
      };
    }>(
      sg.url,
      `{ liabilityPreview(jurisdiction: "EU/DE/BY", organisation: "Acme", approvers: 3, consortiumFollowed: true) {
           rulesVersion shares { party partyId share ppm rule } } }`,
      {},
      { as: agent },
    );
    expect(res.body.errors).toBeUndefined();
    const preview = res.body.data!.liabilityPreview;
    // EU/DE/BY@1: takes 0.4 (3 approvers) + 0.05 (consortium); 0.55 left, 0.5 : 0.5.
    expect(preview.rulesVersion).toBe('EU/DE/BY@1');
    expect(preview.shares.map((s) => [s.party, s.partyId, s.share])).toEqual([
      ['agent', null, '0.275'],
      ['organisation', 'Acme', '0.275'],
      ['approver', null, '0.133334'],
      ['approver', null, '0.133333'],
      ['approver', null, '0.133333'],
      ['consortium', null, '0.05'],
    ]);
    expect(preview.shares.reduce((sum, s) => sum + s.ppm, 0)).toBe(1_000_000);
    expect(preview.shares[2]!.rule).toContain(
      'EU/DE/BY@1 takes.approvers: the 3 approvers share 0.4 equally',
    );
  });
});

describe('LiabilityRulesService.effectiveFor', () => {
  it('answers the firewall in-process, with one lookup per jurisdiction per request', async () => {
    const service = new LiabilityRulesService({
      em: sg.em(),
      principal: agent,
      logger: createLogger({ service: 'test', level: 'silent' }),
      // Reading needs no log.
      log: undefined as never,
      maxEntryBytes: 4096,
    });
    const a = service.effectiveFor('EU/DE/BY/MUC');
    expect(service.effectiveFor('EU/DE/BY/MUC')).toBe(a);
    expect((await a).version).toBe('EU/DE/BY@1');
    expect((await service.effectiveFor('EU/PL')).version).toBe('EU@1');
    await expect(service.effectiveFor('EU//PL')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

describe('ecp verify export', () => {
  it('checks liability-rules entries against their published schema', async () => {
    const out = await verifyExport(sg, { 'ecp.liability-rules.v1.schema.json': liabilityRulesV1 });
    expect(out).toContain('ecp.liability-rules/v1');
  });
});
