import { builder } from '../../builder';
import { DecisionRef } from '../ledger/decision.schema';
import {
  MAX_SEARCH_TEXT,
  type OptionCount,
  type PrecedentHit,
  type PrecedentPage,
} from './precedent.service';

const PrecedentQueryInput = builder.inputType('PrecedentQuery', {
  description:
    'What to look for among earlier decisions: every condition given must hold, and at least one must be given.',
  fields: (t) => ({
    jurisdiction: t.string({
      required: false,
      description: 'In this jurisdiction or below it: `EU` finds `EU`, `EU/DE` and `EU/DE/BY`, not `EUX`.',
    }),
    category: t.string({ required: false, description: 'Of exactly this category, e.g. `pricing`.' }),
    tags: t.stringList({
      required: false,
      description: 'Holding all of these tags (at most 32).',
    }),
    text: t.string({
      required: false,
      description: `Words to find (PostgreSQL \`websearch_to_tsquery\`, English stemming: \`refund\` finds "refunded"; \`"exact phrase"\`, \`or\` and \`-word\` work as in web search), at most ${MAX_SEARCH_TEXT} characters. Matched against the rationale, and against the text of the context only for the caller's own decisions and for people (ANALYST, OPERATOR, ADMIN), who may read the context.`,
    }),
  }),
});

const PrecedentEdgeRef = builder.objectRef<PrecedentHit>('PrecedentEdge').implement({
  description: 'A decision found, with where it ranks and how often it is cited.',
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'An opaque, stable position in the list.' }),
    node: t.field({ type: DecisionRef, description: 'The decision.', resolve: (h) => h.decision }),
    rank: t.exposeFloat('rank', {
      description:
        'How well it matches `text` (PostgreSQL `ts_rank_cd`; higher is better); 0 when the query has no text.',
    }),
    citationCount: t.exposeInt('citationCount', {
      description: 'How many decisions cite it as a precedent (as of `PrecedentConnection.treeSize`).',
    }),
  }),
});

const PrecedentConnectionRef = builder.objectRef<PrecedentPage>('PrecedentConnection').implement({
  description:
    'A page of precedents: by text relevance first, then by how many decisions cite them, then newest first.',
  fields: (t) => ({
    edges: t.field({
      type: [PrecedentEdgeRef],
      description: 'The items on this page, with their cursors.',
      resolve: (p) => p.hits,
    }),
    pageInfo: t.field({
      type: builder.pageInfoRef(),
      description: 'Paging information.',
      resolve: (p) => ({
        hasNextPage: p.hasNextPage,
        hasPreviousPage: p.hasPreviousPage,
        startCursor: p.hits[0]?.cursor ?? null,
        endCursor: p.hits.at(-1)?.cursor ?? null,
      }),
    }),
    treeSize: t.string({
      description:
        'The ledger size the search reads (decimal). The first page fixes it and its cursors carry it, so every page of one search ranks the same decisions with the same citation counts: none is repeated or skipped, whatever is recorded meanwhile. Search again without `after` to see newer decisions.',
      resolve: (p) => p.treeSize.toString(),
    }),
  }),
});

const OptionCountRef = builder.objectRef<OptionCount>('OptionCount').implement({
  description: 'How often one option was chosen.',
  fields: (t) => ({
    option: t.exposeString('option', { description: 'The option id, as asked.' }),
    count: t.exposeInt('count', { description: 'How many decisions chose it.' }),
  }),
});

builder.queryFields((t) => ({
  precedentSearch: t.field({
    type: PrecedentConnectionRef,
    description:
      'Earlier decisions to learn from, matching every condition of `query` (Relay-style connection; cursors are stable). Ranked by how well they match `text`, then by how many decisions cite them, then newest first. Any authenticated caller may search; text matches another agent’s decision by its rationale only.',
    args: {
      query: t.arg({ type: PrecedentQueryInput, required: true, description: 'What to look for.' }),
      first: t.arg.int({
        required: false,
        description: 'How many items to return after `after` (default 20, at most 100).',
      }),
      after: t.arg.string({ required: false, description: 'Return items after this cursor.' }),
    },
    resolve: (_root, args, ctx) => ctx.precedents.search(args.query, args),
  }),
  precedentChoices: t.field({
    type: [OptionCountRef],
    description:
      'How often each of `options` was the option chosen by the decisions in exactly `jurisdiction` and `category` (not below it), optionally only those before a ledger index: every option asked for, in the order asked, with 0 when never chosen. Any authenticated caller may ask.',
    args: {
      jurisdiction: t.arg.string({ required: true, description: 'Exactly this jurisdiction, e.g. `EU/DE`.' }),
      category: t.arg.string({ required: true, description: 'Exactly this category.' }),
      options: t.arg.stringList({ required: true, description: 'The option ids to count (1–64, unique).' }),
      beforeIndex: t.arg.string({
        required: false,
        description: 'Count only decisions whose ledger index is below this one (decimal).',
      }),
    },
    resolve: (_root, args, ctx) => ctx.precedents.choices(args),
  }),
}));

builder.objectField(DecisionRef, 'precedentChoices', (t) =>
  t.field({
    type: [OptionCountRef],
    description:
      'How often each of its options was chosen by the decisions before it (lower ledger index) in exactly its jurisdiction and category: `precedentChoices` as of this decision, the same whenever asked.',
    resolve: (d, _args, ctx) =>
      ctx.precedents.choices({
        jurisdiction: d.entry.body.jurisdiction,
        category: d.entry.body.category,
        options: d.entry.body.options.map((o) => o.id),
        // A decision not yet in the ledger is compared with everything before now.
        beforeIndex: d.index?.toString() ?? null,
      }),
  }),
);
