import { withPagingErrors } from '@ecp/service-kit/paging-errors';
import { type ResolveCursorConnectionArgs, resolveCursorConnection } from '@pothos/plugin-relay';
import { builder } from '../../builder';
import { LiabilityAllocationRef } from './liability-allocation.schema';
import type { LiabilityRules, WITHOUT_ORGANISATION } from './liability-rules';
import { LiabilityRulesService } from './liability-rules.service';

const WithoutOrganisationEnum = builder.enumType('LiabilityWithoutOrganisation', {
  description: 'Where the organisation’s base share goes when the agent has no organisation.',
  values: {
    AGENT: { description: 'To the agent.' },
    APPROVERS: { description: 'Equally to the approvers; to the agent when there are none.' },
  } satisfies Record<(typeof WITHOUT_ORGANISATION)[number], { description: string }>,
});

const LiabilityBaseSharesRef = builder.objectRef<LiabilityRules['base']>('LiabilityBaseShares').implement({
  description: 'The always-present parties’ shares of what the takes leave; they sum to exactly 1.',
  fields: (t) => ({
    agent: t.exposeString('agent', { description: 'The agent’s, an exact decimal.' }),
    organisation: t.exposeString('organisation', {
      description: 'Its operator organisation’s, an exact decimal.',
    }),
  }),
});

const LiabilityTakesRef = builder.objectRef<LiabilityRules['takes']>('LiabilityTakes').implement({
  description: 'What each conditional party takes when present, exact decimals; together below 1.',
  fields: (t) => ({
    approvers: t.exposeString('approvers', {
      description: 'The human approvers’, split equally among them.',
    }),
    consortium: t.exposeString('consortium', {
      description: 'The consortium’s, when its recommendation was followed.',
    }),
    breakGlass: t.exposeString('breakGlass', {
      description: 'A break-glass user’s, when one committed the decision past the firewall.',
    }),
  }),
});

export const LiabilityRulesRef = builder.objectRef<LiabilityRules>('LiabilityRules').implement({
  description:
    'One version of the liability rules: how a committed decision’s liability is shared (docs/liability.md). Never edited: a change is a new version.',
  fields: (t) => ({
    version: t.exposeString('version', {
      description: 'How allocations name it: `default@1` (built in), `EU/DE@3`.',
    }),
    jurisdiction: t.exposeString('jurisdiction', {
      nullable: true,
      description:
        'The code it is defined for (it applies there and below, where nothing nearer defines rules); null for the built-in default.',
    }),
    revision: t.exposeInt('revision', {
      description: 'Its number among the jurisdiction’s versions, from 1.',
    }),
    base: t.field({ type: LiabilityBaseSharesRef, description: 'Base shares.', resolve: (r) => r.base }),
    takes: t.field({ type: LiabilityTakesRef, description: 'Takes.', resolve: (r) => r.takes }),
    withoutOrganisation: t.field({
      type: WithoutOrganisationEnum,
      description: 'Where the organisation’s base share goes when the agent has none.',
      resolve: (r) => r.withoutOrganisation,
    }),
    note: t.exposeString('note', { description: 'Why this version was made.' }),
    createdBy: t.exposeID('createdBy', {
      nullable: true,
      description: 'The operator or admin who defined it; null for the built-in default.',
    }),
    createdAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was defined; null for the built-in default.',
      resolve: (r) => r.createdAt,
    }),
    ledgerIndex: t.exposeString('ledgerIndex', {
      nullable: true,
      description:
        'The index (decimal) of the `ecp.liability-rules/v1` ledger entry that recorded it; null for the built-in default.',
    }),
  }),
});

const LiabilityBaseSharesInput = builder.inputType('LiabilityBaseSharesInput', {
  description: 'Exact decimal strings in [0, 1] with at most 6 places; they must sum to exactly 1.',
  fields: (t) => ({
    agent: t.string({ required: true, description: 'e.g. `"0.6"`.' }),
    organisation: t.string({ required: true, description: 'e.g. `"0.4"`.' }),
  }),
});

const LiabilityTakesInput = builder.inputType('LiabilityTakesInput', {
  description: 'Exact decimal strings in [0, 1) with at most 6 places; together they must stay below 1.',
  fields: (t) => ({
    approvers: t.string({ required: true, description: 'Split equally among the approvers, e.g. `"0.3"`.' }),
    consortium: t.string({
      required: true,
      description: 'When its recommendation was followed, e.g. `"0.1"`.',
    }),
    breakGlass: t.string({ required: true, description: 'A break-glass user’s, e.g. `"0.5"`.' }),
  }),
});

const DefineLiabilityRulesInput = builder.inputType('DefineLiabilityRulesInput', {
  description: 'A new version of a jurisdiction’s liability rules.',
  fields: (t) => ({
    jurisdiction: t.string({
      required: true,
      description: 'e.g. `EU/DE`; the rules apply there and below, where nothing nearer defines any.',
    }),
    base: t.field({ type: LiabilityBaseSharesInput, required: true }),
    takes: t.field({ type: LiabilityTakesInput, required: true }),
    withoutOrganisation: t.field({ type: WithoutOrganisationEnum, required: true }),
    note: t.string({ required: false, description: 'Why (up to 1000 characters).' }),
  }),
});

builder.queryFields((t) => ({
  liabilityRules: t.field({
    type: LiabilityRulesRef,
    description:
      'The liability rules that apply in a jurisdiction now: the latest version defined for the code, else for the nearest code above it (`EU/DE/BY` → `EU/DE` → `EU`), else the built-in `default@1`. Any authenticated caller.',
    args: { jurisdiction: t.arg.string({ required: true, description: 'e.g. `EU/DE/BY`.' }) },
    resolve: (_root, { jurisdiction }, ctx) => ctx.liabilityRules.effectiveFor(jurisdiction),
  }),
  liabilityRuleHistory: t.connection(
    {
      type: LiabilityRulesRef,
      description:
        'Every version defined for a jurisdiction itself, newest first (Relay connection); empty where none was. Any authenticated caller.',
      args: { jurisdiction: t.arg.string({ required: true, description: 'e.g. `EU/DE`.' }) },
      resolve: (_root, args, ctx) =>
        withPagingErrors(() =>
          resolveCursorConnection(
            {
              args,
              toCursor: (rules: LiabilityRules) => LiabilityRulesService.cursorOf(rules),
              defaultSize: 20,
              maxSize: 100,
            },
            (page: ResolveCursorConnectionArgs) => ctx.liabilityRules.history(args.jurisdiction, page),
          ),
        ),
    },
    { name: 'LiabilityRulesConnection', description: 'A page of liability rules versions.' },
    { name: 'LiabilityRulesEdge', description: 'A version and its cursor.' },
  ),
  liabilityPreview: t.field({
    type: LiabilityAllocationRef,
    description:
      'What a decision in a jurisdiction would be allocated under its effective liability rules, with these parties (party ids are null). Any authenticated caller.',
    args: {
      jurisdiction: t.arg.string({ required: true, description: 'e.g. `EU/DE`.' }),
      organisation: t.arg.string({
        required: false,
        description: 'The agent’s organisation; none when omitted.',
      }),
      approvers: t.arg.int({ required: false, description: 'How many people approved, 0–10 (default 0).' }),
      consortiumFollowed: t.arg.boolean({
        required: false,
        description: 'Whether the consortium’s recommendation was followed (default false).',
      }),
      breakGlass: t.arg.boolean({
        required: false,
        description: 'Whether a break-glass user committed it (default false).',
      }),
    },
    resolve: (_root, args, ctx) => ctx.liabilityRules.preview(args),
  }),
}));

builder.mutationFields((t) => ({
  defineLiabilityRules: t.field({
    type: LiabilityRulesRef,
    description:
      'Defines a new version of a jurisdiction’s liability rules (OPERATOR or ADMIN), recorded as an `ecp.liability-rules/v1` ledger entry. Rules whose shares cannot sum to 1 are BAD_USER_INPUT, with every problem’s path; nothing is stored.',
    args: { input: t.arg({ type: DefineLiabilityRulesInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.liabilityRules.define(input),
  }),
}));
