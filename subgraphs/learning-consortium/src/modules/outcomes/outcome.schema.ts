import { builder } from '../../builder';
import type { EvidenceDigest, OutcomeReport } from './outcome-report.entity';

const EvidenceDigestRef = builder.objectRef<EvidenceDigest>('EvidenceDigest').implement({
  description: 'The SHA-256 of evidence an outcome report relies on, so it can be matched later.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'What the evidence is.' }),
    algorithm: t.exposeString('algorithm', { description: 'Always `sha-256`.' }),
    digest: t.exposeString('digest', { description: 'Lowercase hex.' }),
  }),
});

export const OutcomeReportRef = builder.objectRef<OutcomeReport>('OutcomeReport');

OutcomeReportRef.implement({
  description:
    'How a committed decision turned out, as its agent or an operator reported it (an `ecp.outcome-report/v1` ledger entry). Corrected only by a later report that supersedes it.',
  fields: (t) => ({
    id: t.exposeID('id', {
      description: 'Stable identifier (UUID), derived from the decision and the report it supersedes.',
    }),
    decisionId: t.exposeID('decisionId', { description: 'The decision reported on.' }),
    success: t.exposeFloat('success', {
      description: 'How far the decision achieved what it was meant to, in [0, 1] (1: fully).',
    }),
    statedConfidence: t.exposeFloat('statedConfidence', {
      description: 'The confidence the agent had stated for the decision, in [0, 1].',
    }),
    weight: t.exposeFloat('weight', {
      description:
        'The weight it counts with in the lessons: the agent’s calibration weight when it was reported.',
    }),
    evidence: t.field({
      type: [EvidenceDigestRef],
      description: 'Digests of the evidence it relies on.',
      resolve: (r) => r.evidence,
    }),
    note: t.exposeString('note', { nullable: true, description: 'What the reporter added.' }),
    reportedBy: t.exposeString('reportedBy', { description: 'Who reported it (the agent, or an operator).' }),
    ledgerIndex: t.string({
      description: 'Index of its ledger entry (decimal).',
      resolve: (r) => r.ledgerIndex.toString(),
    }),
    supersedes: t.field({
      type: OutcomeReportRef,
      nullable: true,
      description: 'The report it corrects.',
      resolve: (r, _args, ctx) => (r.supersedes ? ctx.outcomes.get(r.supersedes) : null),
    }),
    supersededBy: t.field({
      type: OutcomeReportRef,
      nullable: true,
      description: 'The report that corrects it; null while it is the current one.',
      resolve: (r, _args, ctx) => ctx.outcomes.supersedingOf(r.id),
    }),
    applied: t.boolean({
      description: 'Whether the lessons have learned from it yet (they do shortly after it is reported).',
      resolve: (r) => r.appliedAt !== null && r.appliedAt !== undefined,
    }),
    reportedAt: t.field({
      type: 'DateTime',
      description: 'When it was reported.',
      resolve: (r) => r.reportedAt,
    }),
  }),
});

const InputDigestInput = builder.inputType('InputDigestInput', {
  description: 'The SHA-256 of an input the decision relied on.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'What the input is.' }),
    digest: t.string({ required: true, description: 'SHA-256, lowercase hex.' }),
  }),
});

const ReportOutcomeInput = builder.inputType('ReportOutcomeInput', {
  description: 'How a committed decision turned out (an LSP v0.1 outcome report).',
  fields: (t) => ({
    decisionId: t.id({ required: true, description: 'The committed decision.' }),
    success: t.float({ required: true, description: 'In [0, 1]: 1 fully achieved, 0 not at all.' }),
    evidenceDigests: t.field({
      type: [InputDigestInput],
      required: false,
      description: 'Digests of the evidence (at most 64).',
    }),
    note: t.string({ required: false, description: 'Up to 2000 characters.' }),
    supersedes: t.id({
      required: false,
      description: 'The decision’s current report, to correct it; required once the decision has one.',
    }),
  }),
});

/** The learning subgraph's view of a decision: the outcomes reported for it. */
export const DecisionRef = builder
  .externalRef('Decision', builder.selection<{ id: string }>('id'))
  .implement({
    fields: (t) => ({
      id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
      outcomes: t.field({
        type: [OutcomeReportRef],
        // Nullable: when this subgraph fails, the rest of the decision still resolves.
        nullable: true,
        description:
          'Outcomes reported for this decision, oldest first (corrections after what they correct).',
        resolve: (decision, _args, ctx) => ctx.outcomes.outcomesOf(decision.id),
      }),
    }),
  });

builder.mutationFields((t) => ({
  reportOutcome: t.field({
    type: OutcomeReportRef,
    description:
      'Reports how a committed decision turned out (its agent, or OPERATOR/ADMIN): recorded in the ledger as `ecp.outcome-report/v1`, then learned from by the lessons. One per decision; correct it with `supersedes`.',
    args: { input: t.arg({ type: ReportOutcomeInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.outcomes.report({
        ...input,
        decisionId: String(input.decisionId),
        supersedes: input.supersedes == null ? null : String(input.supersedes),
      }),
  }),
}));
