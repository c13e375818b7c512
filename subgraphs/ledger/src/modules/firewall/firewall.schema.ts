import { DECISION_KIND } from '@ecp/ledger-format/decision-entry';
import { timeIdCursor } from '@ecp/service-kit/keyset';
import { withPagingErrors } from '@ecp/service-kit/paging-errors';
import { SUBSCRIPTION_ALLOWED, servedByGateway } from '@ecp/service-kit/subscription-fields';
import { type ResolveCursorConnectionArgs, resolveCursorConnection } from '@pothos/plugin-relay';
import { builder } from '../../builder';
import { DecisionFilterRef, DecisionRef, DecisionStatusRef } from '../ledger/decision.schema';
import { heldView, holdReasonsOf } from '../ledger/decision.service';
import { LiabilityAllocationRef } from '../liability/liability-allocation.schema';
import type { HoldReason } from './gate';
import type { DecisionReview, HeldDecision } from './held-decision.entity';

const HoldReasonRef = builder.objectRef<HoldReason>('HoldReason').implement({
  description: 'Why the Liability Firewall held a decision.',
  fields: (t) => ({
    code: t.exposeString('code', {
      description:
        'Stable: FRICTION_ABOVE_THRESHOLD, DIVERGENCE_ABOVE_THRESHOLD, CATEGORY_REQUIRES_APPROVAL, ADVICE_UNAVAILABLE or POLICY_UNAVAILABLE.',
    }),
    message: t.exposeString('message', { description: 'The reason in words, with the numbers compared.' }),
  }),
});

const DecisionReviewRef = builder.objectRef<DecisionReview>('DecisionReview').implement({
  description:
    'An approval or rejection of a held decision: a ledger entry (`ecp.decision-approval/v1` or `ecp.decision-rejection/v1`) naming the reviewer from their credentials and binding the proposal’s SHA-256.',
  fields: (t) => ({
    verdict: t.string({ description: '`APPROVAL` or `REJECTION`.', resolve: (r) => r.verdict }),
    reviewerId: t.id({
      description: 'The person who reviewed it, or `system` for a rejection on expiry.',
      resolve: (r) => r.reviewerId,
    }),
    reason: t.exposeString('reason', { description: 'Why, as the reviewer wrote it.' }),
    proposalSha256: t.exposeString('proposalSha256', {
      description: 'The SHA-256 of the exact proposal reviewed, lowercase hex.',
    }),
    ledgerIndex: t.string({
      description: 'Index of the review’s ledger entry (decimal).',
      resolve: (r) => String(r.entryIndex),
    }),
    recordedAt: t.field({
      type: 'DateTime',
      description: 'When it was appended.',
      resolve: (r) => r.recordedAt,
    }),
  }),
});

builder.objectFields(DecisionRef, (t) => ({
  status: t.field({
    type: DecisionStatusRef,
    description: 'COMMITTED, or PENDING_APPROVAL / REJECTED for a decision the Liability Firewall held.',
    resolve: (d) => d.status,
  }),
  holdReasons: t.stringList({
    description:
      'The codes of every reason the firewall held it for (see `holdReasonDetails`); empty when it committed at once.',
    resolve: (d) => holdReasonsOf(d).map((r) => r.code),
  }),
  holdReasonDetails: t.field({
    type: [HoldReasonRef],
    description:
      'Every reason the firewall held it for, with what was compared; empty when it committed at once.',
    resolve: (d) => holdReasonsOf(d),
  }),
  approvalsNeeded: t.int({
    nullable: true,
    description: 'The distinct approvers a held decision needs (M); null when it committed at once.',
    resolve: (d) => d.held?.approvalsNeeded ?? null,
  }),
  expiresAt: t.field({
    type: 'DateTime',
    nullable: true,
    description:
      'When a held decision is rejected by the system if it is not decided before; null when it committed at once.',
    resolve: (d) => d.held?.expiresAt ?? null,
  }),
  proposalSha256: t.string({
    nullable: true,
    description:
      'SHA-256 of the RFC 8785 canonical form of {kind, decisionId, agentId, body, signature} of the held proposal: what approvals bind. Null when it committed at once.',
    resolve: (d) => d.held?.proposalSha256 ?? null,
  }),
  liability: t.field({
    type: LiabilityAllocationRef,
    nullable: true,
    description:
      'The liability allocation recorded in its entry at commit: exact shares summing to 1, with the rules version. Null until it commits, and for decisions recorded before the Liability Firewall (v1, v2) or with it off.',
    resolve: (d) => (d.entry.kind === DECISION_KIND && d.index !== null ? d.entry.firewall.liability : null),
  }),
  approvals: t.field({
    type: [DecisionReviewRef],
    description: 'Its approvals and rejection, in ledger order; empty when it committed at once.',
    resolve: async (d, _args, ctx) => (d.held ? ctx.firewall.reviewsOf(d.id) : []),
  }),
}));

builder.queryFields((t) => ({
  pendingDecisions: t.connection(
    {
      type: DecisionRef,
      description:
        'Decisions the Liability Firewall holds for approval, oldest first (Relay connection): all of them for OPERATOR and ADMIN, its own for an agent.',
      resolve: (_root, args, ctx) =>
        withPagingErrors(() =>
          resolveCursorConnection(
            {
              args,
              toCursor: (v: ReturnType<typeof heldView>) => timeIdCursor(v.recordedAt, v.id),
              defaultSize: 20,
              maxSize: 100,
            },
            async (page: ResolveCursorConnectionArgs) =>
              (await ctx.firewall.pending(page)).map((h: HeldDecision) => heldView(h)),
          ),
        ),
    },
    { name: 'PendingDecisionConnection', description: 'A page of held decisions.' },
    { name: 'PendingDecisionEdge', description: 'A held decision and its cursor.' },
  ),
}));

builder.mutationFields((t) => ({
  approveDecision: t.field({
    type: DecisionRef,
    description:
      'Approves a decision the Liability Firewall holds (OPERATOR or ADMIN, never the agent that proposed it), as the caller, with a reason (1–2000 characters): an approval entry binding the proposal’s hash. The decision commits when its M-th distinct approval arrives. Errors: FORBIDDEN, BAD_USER_INPUT, NOT_FOUND, CONFLICT (not pending, expired, already approved by the caller, or the stored proposal changed).',
    args: {
      id: t.arg.id({ required: true, description: 'The decision id.' }),
      reason: t.arg.string({ required: true, description: 'Why it may bind (1–2000 characters).' }),
    },
    resolve: (_root, { id, reason }, ctx) => ctx.firewall.approve(String(id), reason),
  }),
  breakGlassCommit: t.field({
    type: DecisionRef,
    description:
      'Commits a decision the Liability Firewall holds at once, whatever approvals it still needs, with the glass broken: the caller (OPERATOR or ADMIN, never the agent that proposed it) must have the break-glass session `sessionId` open (`openBreakGlass`). Appends an `ecp.break-glass-use/v1` entry naming the session, then the decision’s entry, whose liability allocation gives the caller the `breakGlass` share. Errors: FORBIDDEN (not an operator, the proposer, or not your session), BAD_USER_INPUT, NOT_FOUND, CONFLICT (the session is closed or expired, or the decision is not pending or expired).',
    args: {
      id: t.arg.id({ required: true, description: 'The decision id.' }),
      sessionId: t.arg.id({ required: true, description: 'Your open break-glass session.' }),
      reason: t.arg.string({ required: true, description: 'Why it must bind now (1–2000 characters).' }),
    },
    resolve: (_root, { id, sessionId, reason }, ctx) =>
      ctx.firewall.breakGlassCommit(String(id), String(sessionId), reason),
  }),
  expireHeldDecisions: t.int({
    description:
      'Rejects, as the system, the held decision `id` if it is past its `expiresAt`, or every held decision past it when no id is given; returns how many. Only the ledger service itself may call it (its expiry jobs); FORBIDDEN for everyone else.',
    args: {
      id: t.arg.id({ required: false, description: 'One held decision; all that are due when absent.' }),
    },
    resolve: (_root, { id }, ctx) => ctx.firewall.expireDue(id == null ? null : String(id)),
  }),
  rejectDecision: t.field({
    type: DecisionRef,
    description:
      'Rejects a decision the Liability Firewall holds (OPERATOR or ADMIN, never the agent that proposed it), with a reason: a rejection entry; the decision never binds. Errors as for `approveDecision`.',
    args: {
      id: t.arg.id({ required: true, description: 'The decision id.' }),
      reason: t.arg.string({ required: true, description: 'Why not (1–2000 characters).' }),
    },
    resolve: (_root, { id, reason }, ctx) => ctx.firewall.reject(String(id), reason),
  }),
}));

builder.subscriptionFields((t) => ({
  decisionStatusChanged: t.field({
    type: DecisionRef,
    description:
      'Each change of a decision’s firewall status: held, approved but waiting for more approvers, committed, rejected. Filters and their rule are those of `decisions`.',
    args: {
      filter: t.arg({ type: DecisionFilterRef, required: false, description: 'Conditions to match.' }),
    },
    directives: { topic: { name: 'decisionStatusChanged' } },
    subscribe: servedByGateway,
    resolve: (_root, { filter }, ctx) => {
      ctx.decisions.checkFilter(filter ?? {});
      return SUBSCRIPTION_ALLOWED;
    },
  }),
}));
