import { builder } from '../../builder';
import type { LiabilityAllocation, LiabilityShare } from './liability-allocation';

/** One party's share of a decision's liability (exported for the fields that serve allocations). */
export const LiabilityShareRef = builder.objectRef<LiabilityShare>('LiabilityShare').implement({
  description:
    'One party’s share of a committed decision’s liability, exact, with the rule that produced it (docs/liability.md).',
  fields: (t) => ({
    party: t.exposeString('party', {
      description: 'Who: `agent`, `organisation`, `approver`, `consortium` or `breakGlass`.',
    }),
    partyId: t.exposeID('partyId', {
      nullable: true,
      description:
        'The agent’s or person’s id, the organisation’s name; null for the consortium (and in previews).',
    }),
    share: t.exposeString('share', {
      description:
        'The share as an exact decimal, e.g. `0.35`; the shares of an allocation sum to exactly 1.',
    }),
    ppm: t.exposeInt('ppm', {
      description: 'The same share in parts per million; an allocation’s sum to exactly 1000000.',
    }),
    rule: t.exposeString('rule', {
      description:
        'The rule trail: the rules version and the rule that produced the share, with any rounding.',
    }),
  }),
});

/** A decision's liability allocation (exported for the fields that serve allocations). */
export const LiabilityAllocationRef = builder
  .objectRef<LiabilityAllocation>('LiabilityAllocation')
  .implement({
    description:
      'How a committed decision’s liability is shared among its parties: exact shares summing to exactly 1, under one version of the liability rules.',
    fields: (t) => ({
      rulesVersion: t.exposeString('rulesVersion', {
        description: 'The liability rules version that produced it: `default@1`, `EU/DE@3`.',
      }),
      shares: t.field({
        type: [LiabilityShareRef],
        description:
          'Agent, organisation, approvers in approval order, consortium, break-glass user — those present.',
        resolve: (a) => a.shares,
      }),
    }),
  });
