import { builder } from '../../builder';
import type { LspLink } from '../lessons/lesson.entities';

const LspLinkRef = builder.objectRef<LspLink>('JurisdictionLink').implement({
  description:
    'A reciprocity link: while in force, each outcome report applied in `from` also counts in `to` with `weight` times its own weight (LSP v0.1 §5). Recorded in the ledger (`ecp.lsp-link/v1`), as is its revocation.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    from: t.exposeString('fromJurisdiction', { description: 'Where the data is learned.' }),
    to: t.exposeString('toJurisdiction', { description: 'Where it also counts.' }),
    weight: t.exposeFloat('weight', { description: 'How much of it counts there, in (0, 1].' }),
    createdBy: t.exposeString('createdBy', { description: 'Who linked them.' }),
    createdAt: t.field({ type: 'DateTime', description: 'When.', resolve: (l) => l.createdAt }),
    ledgerIndex: t.string({ description: 'Its ledger entry.', resolve: (l) => l.ledgerIndex.toString() }),
    revokedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was revoked; null while in force.',
      resolve: (l) => l.revokedAt ?? null,
    }),
    revokedLedgerIndex: t.string({
      nullable: true,
      description: 'The ledger entry of its revocation.',
      resolve: (l) => l.revokedLedgerIndex?.toString() ?? null,
    }),
  }),
});

const LinkJurisdictionsInput = builder.inputType('LinkJurisdictionsInput', {
  description: 'A reciprocity link between two defined jurisdictions.',
  fields: (t) => ({
    from: t.string({ required: true, description: 'Where the data is learned.' }),
    to: t.string({ required: true, description: 'Where it should also count.' }),
    weight: t.float({ required: true, description: 'In (0, 1].' }),
  }),
});

builder.queryFields((t) => ({
  jurisdictionLinks: t.field({
    type: [LspLinkRef],
    description: 'The reciprocity links in force from or to a jurisdiction (all of them without one).',
    args: { jurisdiction: t.arg.string({ required: false }) },
    resolve: (_root, { jurisdiction }, ctx) => ctx.links.list(jurisdiction),
  }),
}));

builder.mutationFields((t) => ({
  linkJurisdictions: t.field({
    type: LspLinkRef,
    description: 'Creates a reciprocity link, recorded in the ledger (OPERATOR or ADMIN).',
    args: { input: t.arg({ type: LinkJurisdictionsInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.links.link(input),
  }),
  revokeJurisdictionLink: t.field({
    type: LspLinkRef,
    description: 'Revokes a reciprocity link, recorded in the ledger (OPERATOR or ADMIN).',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.links.revoke(String(id)),
  }),
}));
