import { newId } from '@ecp/db/ids';
import { type Principal, servicePrincipal } from '@ecp/identity/principal';
import { decisionInput } from '@ecp/test-kit/fixtures';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN_GATE } from '../src/modules/firewall/firewall-advice';
import { ledgerSubgraph } from '../src/subgraph';
import { testLedgerConfig } from './ledger-config';
import { seedAgent } from './seed';

/**
 * Earlier decisions as precedents: `precedentSearch` by jurisdiction (and below), category, tags and
 * text, ranked by relevance, citations and age, paged on a fixed tree size; and `precedentChoices`.
 */

let sg: SubgraphUnderTest;
let alice: Principal;
let bob: Principal;
let eve: Principal;
let analyst: Principal;
const service = servicePrincipal('advisory');

interface Recorded {
  id: string;
  index: string;
  leafHash: string;
}

async function record(as: Principal, input: Record<string, unknown>): Promise<Recorded> {
  const res = await graphql<{
    recordDecision: { decision: { id: string; ledgerIndex: string; leafHash: string } };
  }>(
    sg.url,
    'mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { decision { id ledgerIndex leafHash } } }',
    { input },
    { as },
  );
  expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
  const { id, ledgerIndex, leafHash } = res.body.data!.recordDecision.decision;
  return { id, index: ledgerIndex, leafHash };
}

/** The paths an error's details name. */
function pathsOf(res: { body: { errors?: { extensions?: Record<string, unknown> }[] } }): string[] {
  const details = (res.body.errors?.[0]?.extensions?.details ?? []) as { path: string }[];
  return details.map((p) => p.path);
}

const cite = (...cited: Recorded[]) => cited.map((c) => ({ index: c.index, leafHash: c.leafHash }));

const SEARCH = `query ($query: PrecedentQuery!, $first: Int, $after: String) {
  precedentSearch(query: $query, first: $first, after: $after) {
    treeSize
    edges { cursor rank citationCount node { id jurisdiction category tags rationale context } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

interface Edge {
  cursor: string;
  rank: number;
  citationCount: number;
  node: {
    id: string;
    jurisdiction: string;
    category: string;
    tags: string[];
    rationale: string;
    context: unknown;
  };
}
interface Page {
  treeSize: string;
  edges: Edge[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

function search(
  query: Record<string, unknown>,
  as: Principal = bob,
  paging: { first?: number; after?: string } = {},
) {
  return graphql<{ precedentSearch: Page }>(sg.url, SEARCH, { query, ...paging }, { as });
}

async function found(query: Record<string, unknown>, as: Principal = bob): Promise<string[]> {
  const res = await search(query, as, { first: 100 });
  expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
  return res.body.data!.precedentSearch.edges.map((e) => e.node.id);
}

/** The corpus most tests search. */
const d: Record<'d1' | 'd2' | 'd3' | 'd4' | 'd5' | 'd6' | 'd7', Recorded> = {} as never;

beforeAll(async () => {
  sg = await startSubgraph(
    (url) => ledgerSubgraph(testLedgerConfig(url), { firewall: OPEN_GATE }),
    testLedgerConfig,
  );
  alice = await seedAgent(sg, 'alice', ['EU']);
  bob = await seedAgent(sg, 'bob', ['EU', 'US']);
  const carol = await seedAgent(sg, 'carol', ['EUX', 'AXB']);
  eve = await seedAgent(sg, 'eve', ['ZZ']);
  analyst = { kind: 'agent', id: newId(), name: 'analyst', roles: ['ANALYST'], jurisdictions: [] };

  d.d1 = await record(
    alice,
    decisionInput({
      jurisdiction: 'EU/DE',
      tags: ['refund', 'supplier/acme'],
      rationale: 'Refunds were issued because the supplier delayed shipments.',
      context: { customer: 'Zephyr Logistics', region: 'northern' },
    }),
  );
  d.d2 = await record(
    bob,
    decisionInput({
      jurisdiction: 'EU',
      tags: ['refund'],
      rationale: 'A customer asked for a refund and it was granted.',
      context: { memo: 'approved by finance' },
      precedents: cite(d.d1),
    }),
  );
  d.d3 = await record(
    alice,
    decisionInput({
      jurisdiction: 'EU/DE/BY',
      category: 'credit',
      tags: ['supplier/acme'],
      rationale: 'Credit limit kept for the supplier.',
      precedents: cite(d.d1),
    }),
  );
  d.d4 = await record(
    bob,
    decisionInput({
      jurisdiction: 'US/CA',
      tags: ['refund', 'us'],
      rationale: 'Refunded the order after a complaint about Zephyr.',
      precedents: cite(d.d2),
    }),
  );
  d.d5 = await record(
    carol,
    decisionInput({ jurisdiction: 'EUX', tags: ['refund'], rationale: 'Prices raised.' }),
  );
  d.d6 = await record(carol, decisionInput({ jurisdiction: 'AXB/C', rationale: 'Prices held.' }));
  d.d7 = await record(
    alice,
    decisionInput({
      jurisdiction: 'EU/IT',
      tags: ['policy'],
      rationale: 'Refund after refund: the refund policy says a refund is due, so refund.',
    }),
  );
});

afterAll(async () => {
  await sg?.stop();
});

describe('precedentSearch', () => {
  it('finds by jurisdiction and everything below it, never a sibling that shares its letters', async () => {
    // No text: all rank 0, then by citations (d1 2, d2 1), then newest first.
    expect(await found({ jurisdiction: 'EU' })).toEqual([d.d1.id, d.d2.id, d.d7.id, d.d3.id]);
    expect(await found({ jurisdiction: 'EU/DE' })).toEqual([d.d1.id, d.d3.id]);
    expect(await found({ jurisdiction: 'EU/DE/BY' })).toEqual([d.d3.id]);
    expect(await found({ jurisdiction: 'EUX' })).toEqual([d.d5.id]);
    // `_` is a LIKE wildcard: A_B must not find AXB/C.
    expect(await found({ jurisdiction: 'A_B' })).toEqual([]);
    expect(await found({ jurisdiction: 'AXB' })).toEqual([d.d6.id]);
  });

  it('finds by exact category, and by all of the tags given', async () => {
    expect(await found({ category: 'credit' })).toEqual([d.d3.id]);
    expect(await found({ tags: ['supplier/acme'] })).toEqual([d.d1.id, d.d3.id]);
    expect(await found({ tags: ['refund', 'supplier/acme'] })).toEqual([d.d1.id]);
    expect(await found({ tags: ['supplier/acme', 'refund', 'refund'] })).toEqual([d.d1.id]);
    expect(await found({ tags: ['refund'] })).toEqual([d.d1.id, d.d2.id, d.d5.id, d.d4.id]);
    expect(await found({ tags: ['refund', 'nowhere'] })).toEqual([]);
  });

  it('combines conditions: every one given must hold', async () => {
    expect(await found({ jurisdiction: 'EU', tags: ['refund'] })).toEqual([d.d1.id, d.d2.id]);
    expect(await found({ jurisdiction: 'EU/DE', category: 'pricing' })).toEqual([d.d1.id]);
    expect(
      await found({ jurisdiction: 'EU', category: 'credit', tags: ['supplier/acme'], text: 'supplier' }),
    ).toEqual([d.d3.id]);
    expect(await found({ jurisdiction: 'US', text: 'refund' })).toEqual([d.d4.id]);
    expect(await found({ category: 'pricing', text: 'supplier' })).toEqual([d.d1.id]);
  });

  it('searches text with English stemming over the rationale, and over the context of what the caller may read', async () => {
    // "refunds", "refunded", "refund" are one word; d7 says it most, so it ranks first despite no citations.
    const res = await search({ text: 'refunds' }, analyst, { first: 100 });
    const edges = res.body.data!.precedentSearch.edges;
    expect(edges.map((e) => e.node.id)).toEqual([d.d7.id, d.d1.id, d.d2.id, d.d4.id]);
    expect(edges.map((e) => e.citationCount)).toEqual([0, 2, 1, 0]);
    expect(edges[0]!.rank).toBeGreaterThan(edges[1]!.rank);
    for (const [i, e] of edges.entries()) {
      expect(e.rank).toBeGreaterThan(0);
      if (i > 0) expect(e.rank).toBeLessThanOrEqual(edges[i - 1]!.rank);
    }
    // Web-search syntax: a phrase, and a word left out.
    expect(await found({ text: '"refund policy"' }, analyst)).toEqual([d.d7.id]);
    expect(await found({ text: 'refund -supplier' }, analyst)).toEqual([d.d7.id, d.d2.id, d.d4.id]);
    // The owner finds its own decision by its context, and so do people.
    expect(await found({ text: 'northern' }, alice)).toEqual([d.d1.id]);
    expect(await found({ text: 'northern' }, analyst)).toEqual([d.d1.id]);
    expect(await found({ text: 'finance' }, bob)).toEqual([d.d2.id]);
  });

  it('matches another agent’s decision by its rationale only, never by the context it cannot read', async () => {
    // d1's context names Zephyr Logistics; d4's rationale names Zephyr.
    expect(await found({ text: 'zephyr' }, alice)).toEqual(expect.arrayContaining([d.d1.id, d.d4.id]));
    expect(await found({ text: 'zephyr' }, analyst)).toEqual(expect.arrayContaining([d.d1.id, d.d4.id]));
    for (const stranger of [bob, service]) {
      expect(await found({ text: 'zephyr' }, stranger)).toEqual([d.d4.id]);
      expect(await found({ text: 'zephyr logistics' }, stranger)).toEqual([]);
      expect(await found({ text: 'northern' }, stranger)).toEqual([]);
      expect(await found({ jurisdiction: 'EU/DE', text: 'zephyr or northern' }, stranger)).toEqual([]);
    }
    // Likewise the other way round: d2's context is bob's.
    expect(await found({ text: 'finance' }, alice)).toEqual([]);
    // Nor is its rank lifted by the context: the same decision ranks the same for a stranger whatever
    // its context holds, and what the stranger sees of it is the rationale, not the context.
    const own = await search({ text: 'supplier' }, alice, { first: 100 });
    const strange = await search({ text: 'supplier' }, bob, { first: 100 });
    expect(strange.body.data!.precedentSearch.edges.map((e) => e.node.context)).toEqual([null, null]);
    expect(own.body.data!.precedentSearch.edges.map((e) => e.node.id)).toEqual(
      strange.body.data!.precedentSearch.edges.map((e) => e.node.id),
    );
  });

  it('counts the decisions citing each one', async () => {
    const res = await search({ jurisdiction: 'EU' }, bob);
    expect(
      Object.fromEntries(res.body.data!.precedentSearch.edges.map((e) => [e.node.id, e.citationCount])),
    ).toEqual({
      [d.d1.id]: 2,
      [d.d2.id]: 1,
      [d.d3.id]: 0,
      [d.d7.id]: 0,
    });
  });

  it('pages with stable cursors on the tree size of the first page, whatever is recorded meanwhile', async () => {
    const paging = await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        record(eve, decisionInput({ jurisdiction: 'ZZ/PAGE', category: 'paging', rationale: `page ${n}` })),
      ),
    );
    // Recorded one after another, so newest first is the reverse.
    const all = await found({ category: 'paging' });
    expect(new Set(all)).toEqual(new Set(paging.map((p) => p.id)));

    const first = (await search({ category: 'paging' }, bob, { first: 2 })).body.data!.precedentSearch;
    expect(first.edges.map((e) => e.node.id)).toEqual(all.slice(0, 2));
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.pageInfo.endCursor).toBe(first.edges[1]!.cursor);

    // Meanwhile: a new paging decision, and one citing the last of the list (which would now rank first).
    await record(eve, decisionInput({ jurisdiction: 'ZZ/PAGE', category: 'paging', rationale: 'page 6' }));
    const last = paging.find((p) => p.id === all[4])!;
    await record(eve, decisionInput({ jurisdiction: 'ZZ/CITE', precedents: cite(last) }));

    const second = (await search({ category: 'paging' }, bob, { first: 2, after: first.pageInfo.endCursor! }))
      .body.data!.precedentSearch;
    expect(second.treeSize).toBe(first.treeSize);
    expect(second.edges.map((e) => e.node.id)).toEqual(all.slice(2, 4));
    expect(second.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const third = (await search({ category: 'paging' }, bob, { first: 2, after: second.pageInfo.endCursor! }))
      .body.data!.precedentSearch;
    expect(third.edges.map((e) => e.node.id)).toEqual(all.slice(4));
    expect(third.edges[0]!.citationCount).toBe(0);
    expect(third.pageInfo.hasNextPage).toBe(false);

    // A new search sees the new decision and the new citation.
    const fresh = (await search({ category: 'paging' }, bob, { first: 1 })).body.data!.precedentSearch;
    expect(BigInt(fresh.treeSize)).toBeGreaterThan(BigInt(first.treeSize));
    expect(fresh.edges[0]).toMatchObject({ node: { id: last.id }, citationCount: 1 });
    expect(await found({ category: 'paging' })).toHaveLength(6);

    // A page of text results carries its rank on.
    const ranked = (await search({ text: 'refund' }, analyst, { first: 1 })).body.data!.precedentSearch;
    const rest = (await search({ text: 'refund' }, analyst, { first: 10, after: ranked.pageInfo.endCursor! }))
      .body.data!.precedentSearch;
    expect([...ranked.edges, ...rest.edges].map((e) => e.node.id)).toEqual([
      d.d7.id,
      d.d1.id,
      d.d2.id,
      d.d4.id,
    ]);
  });

  it('refuses a cursor it did not give, or gave for another search, and bad paging', async () => {
    const page = (await search({ category: 'paging' }, bob, { first: 1 })).body.data!.precedentSearch;
    const cursor = page.pageInfo.endCursor!;
    const forged = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
    const [treeSize, rank, citations, index, fingerprint] = JSON.parse(
      Buffer.from(cursor, 'base64url').toString(),
    );
    const bad: [Record<string, unknown>, { first?: number; after?: string }, string][] = [
      [{ category: 'paging' }, { after: 'not-a-cursor' }, 'after'],
      [{ category: 'paging' }, { after: forged([treeSize, rank, citations, index]) }, 'after'],
      [
        { category: 'paging' },
        { after: forged([treeSize, rank, citations, treeSize, fingerprint]) },
        'after',
      ],
      [{ category: 'paging' }, { after: forged([treeSize, -1, citations, index, fingerprint]) }, 'after'],
      [{ category: 'paging' }, { after: forged(['-5', rank, citations, index, fingerprint]) }, 'after'],
      [{ category: 'paging' }, { after: forged([treeSize, rank, 1.5, index, fingerprint]) }, 'after'],
      [{ category: 'credit' }, { after: cursor }, 'after'],
      [{ category: 'paging' }, { first: -1 }, 'first'],
    ];
    for (const [query, paging, path] of bad) {
      const res = await search(query, bob, paging);
      expect(errorCode(res), JSON.stringify(paging)).toBe('BAD_USER_INPUT');
      expect(res.body.errors![0]!.extensions!.details).toEqual([expect.objectContaining({ path })]);
    }
    const most = await search({ category: 'paging' }, bob, { first: 1000 });
    expect(most.body.errors).toBeUndefined();
    const none = await search({ category: 'paging' }, bob, { first: 0 });
    expect(none.body.data!.precedentSearch).toMatchObject({ edges: [], pageInfo: { hasNextPage: true } });
  });

  it('refuses a query with no condition, or one that could not match, naming each problem', async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{}, ['query']],
      [{ tags: [] }, ['query']],
      [{ jurisdiction: null, text: null }, ['query']],
      [{ jurisdiction: '' }, ['query.jurisdiction']],
      [{ jurisdiction: 'eu/de' }, ['query.jurisdiction']],
      [{ category: '' }, ['query.category']],
      [{ category: 'Not A Category' }, ['query.category']],
      [{ tags: ['ok', '', 'Bad'] }, ['query.tags.1', 'query.tags.2']],
      [{ tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, ['query.tags']],
      [{ text: '' }, ['query.text']],
      [{ text: '   ' }, ['query.text']],
      [{ text: 'x'.repeat(501) }, ['query.text']],
      [{ text: 'the and of' }, ['query.text']],
      [{ jurisdiction: '', category: '', text: '' }, ['query.jurisdiction', 'query.category', 'query.text']],
    ];
    for (const [query, paths] of cases) {
      const res = await search(query);
      expect(errorCode(res), JSON.stringify(query).slice(0, 80)).toBe('BAD_USER_INPUT');
      expect(pathsOf(res)).toEqual(paths);
    }
    expect((await search({ text: 'x'.repeat(500) })).body.errors).toBeUndefined();
  });
});

describe('precedentChoices', () => {
  const CHOICES = `query ($j: String!, $c: String!, $o: [String!]!, $b: String) {
    precedentChoices(jurisdiction: $j, category: $c, options: $o, beforeIndex: $b) { option count }
  }`;
  const options = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
  const choices = (variables: Record<string, unknown>, as: Principal = bob) =>
    graphql<{ precedentChoices: { option: string; count: number }[] }>(sg.url, CHOICES, variables, { as });

  it('counts each option chosen in exactly that jurisdiction and category, in the order asked, before an index', async () => {
    const chose = (chosenOption: string, jurisdiction = 'ZZ/CH', category = 'discount') =>
      record(eve, decisionInput({ jurisdiction, category, options, chosenOption }));
    const a1 = await chose('a');
    const b1 = await chose('b');
    const a2 = await chose('a');
    await chose('a', 'ZZ/CH/SUB'); // below it: not exactly there
    await chose('a', 'ZZ/CH', 'other');

    const all = await choices({ j: 'ZZ/CH', c: 'discount', o: ['c', 'b', 'a', 'zzz'] });
    expect(all.body.data!.precedentChoices).toEqual([
      { option: 'c', count: 0 },
      { option: 'b', count: 1 },
      { option: 'a', count: 2 },
      { option: 'zzz', count: 0 },
    ]);
    const counted = async (before: string) =>
      (await choices({ j: 'ZZ/CH', c: 'discount', o: ['a', 'b'], b: before })).body.data!.precedentChoices;
    expect(await counted(a1.index)).toEqual([
      { option: 'a', count: 0 },
      { option: 'b', count: 0 },
    ]);
    expect(await counted(b1.index)).toEqual([
      { option: 'a', count: 1 },
      { option: 'b', count: 0 },
    ]);
    expect(await counted(a2.index)).toEqual([
      { option: 'a', count: 1 },
      { option: 'b', count: 1 },
    ]);
    expect(await counted((BigInt(a2.index) + 1n).toString())).toEqual([
      { option: 'a', count: 2 },
      { option: 'b', count: 1 },
    ]);
    // An aggregate: any authenticated caller, people and services included.
    for (const as of [alice, analyst, service]) {
      expect(
        (await choices({ j: 'ZZ/CH', c: 'discount', o: ['a'] }, as)).body.data!.precedentChoices,
      ).toEqual([{ option: 'a', count: 2 }]);
    }
    expect((await choices({ j: 'ZZ', c: 'discount', o: ['a'] })).body.data!.precedentChoices).toEqual([
      { option: 'a', count: 0 },
    ]);
  });

  it('refuses arguments that could not match, naming each', async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ j: 'zz', c: 'discount', o: ['a'] }, ['jurisdiction']],
      [{ j: 'ZZ', c: '', o: ['a'] }, ['category']],
      [{ j: 'ZZ', c: 'discount', o: [] }, ['options']],
      [{ j: 'ZZ', c: 'discount', o: ['a', '', 'a'] }, ['options.1', 'options.2']],
      [{ j: 'ZZ', c: 'discount', o: ['a'], b: '-1' }, ['beforeIndex']],
      [{ j: 'ZZ', c: 'discount', o: ['a'], b: '99999999999999999999' }, ['beforeIndex']],
    ];
    for (const [variables, paths] of cases) {
      const res = await choices(variables);
      expect(errorCode(res), JSON.stringify(variables)).toBe('BAD_USER_INPUT');
      expect(pathsOf(res)).toEqual(paths);
    }
  });
});
