import { withPagingErrors } from '@ecp/service-kit/paging-errors';
import { SUBSCRIPTION_ALLOWED, servedByGateway } from '@ecp/service-kit/subscription-fields';
import { type ResolveCursorConnectionArgs, resolveCursorConnection } from '@pothos/plugin-relay';
import { builder } from '../../builder';
import { BreakGlassService, MIN_REASON_LENGTH } from './break-glass.service';
import type { BreakGlassReview, BreakGlassSession } from './break-glass-session.entity';

/** The operations subgraph's view of an agent: the break-glass sessions it opened. */
export const AgentRef = builder.externalRef('Agent', builder.selection<{ id: string }>('id'));

const BreakGlassCloseReasonRef = builder.enumType('BreakGlassCloseReason', {
  description: 'How a break-glass session ended.',
  values: {
    CLOSED: { description: 'Closed by its operator or an admin.' },
    EXPIRED: { description: 'Ended by itself at its expiry.' },
  } as const,
});

const BreakGlassReviewStatusRef = builder.enumType('BreakGlassReviewStatus', {
  description: 'Where the review of a closed break-glass session stands.',
  values: {
    OPEN: { description: 'Waiting for an operator other than the one who broke the glass.' },
    REVIEWED: { description: 'Reviewed, with a note.' },
  } as const,
});

const BreakGlassReviewRef = builder.objectRef<BreakGlassReview>('BreakGlassReview').implement({
  description:
    'The review every closed break-glass session waits for, from an operator other than the one who broke the glass.',
  fields: (t) => ({
    sessionId: t.exposeID('sessionId', { description: 'The session reviewed.' }),
    status: t.field({
      type: BreakGlassReviewStatusRef,
      description: 'OPEN until reviewed.',
      resolve: (r) => r.status,
    }),
    reviewerId: t.id({
      nullable: true,
      description: 'Who reviewed it; null while open.',
      resolve: (r) => r.reviewerId ?? null,
    }),
    note: t.string({
      nullable: true,
      description: 'What the reviewer found; null while open.',
      resolve: (r) => r.note ?? null,
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the session closed and the review opened.',
      resolve: (r) => r.createdAt,
    }),
    reviewedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was reviewed; null while open.',
      resolve: (r) => r.reviewedAt ?? null,
    }),
  }),
});

export const BreakGlassSessionRef = builder.objectRef<BreakGlassSession>('BreakGlassSession').implement({
  description:
    "An operator's emergency session past the Liability Firewall: it lasts 15 minutes at most, cannot be extended, and is recorded in the ledger when it opens and when it ends.",
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    reason: t.exposeString('reason', { description: 'Why the glass was broken.' }),
    operatorId: t.exposeID('operatorId', { description: 'The person who broke the glass.' }),
    operator: t.field({
      type: AgentRef,
      description: 'The person who broke the glass.',
      resolve: (s) => ({ id: s.operatorId }),
    }),
    incidentId: t.id({
      nullable: true,
      description: 'The incident it was opened for, if any.',
      resolve: (s) => s.incidentId ?? null,
    }),
    openedAt: t.field({
      type: 'DateTime',
      description: 'When the session opened.',
      resolve: (s) => s.openedAt,
    }),
    expiresAt: t.field({
      type: 'DateTime',
      description: 'When it ends by itself.',
      resolve: (s) => s.expiresAt,
    }),
    closedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'When it ended (closed by hand, or its expiry once the system ended it); null while unclosed.',
      resolve: (s) => s.closedAt ?? null,
    }),
    closeReason: t.field({
      type: BreakGlassCloseReasonRef,
      nullable: true,
      description: 'How it ended; null while unclosed.',
      resolve: (s) => s.closeReason ?? null,
    }),
    closedBy: t.id({
      nullable: true,
      description: 'Who closed it by hand; null when it expired or is open.',
      resolve: (s) => s.closedBy ?? null,
    }),
    active: t.boolean({
      description: 'Whether the session is open now (not closed, and before its expiry).',
      resolve: (s, _args, ctx) => ctx.breakGlass.isActive(s),
    }),
    secondsLeft: t.int({
      description: 'Seconds until it expires; 0 once it is no longer active.',
      resolve: (s, _args, ctx) => ctx.breakGlass.secondsLeft(s),
    }),
    openedEntryIndex: t.string({
      nullable: true,
      description: 'Ledger index (decimal) of its `ecp.break-glass-opened/v1` entry.',
      resolve: (s) => s.openedEntryIndex ?? null,
    }),
    closedEntryIndex: t.string({
      nullable: true,
      description: 'Ledger index (decimal) of its `ecp.break-glass-closed/v1` entry; null while unclosed.',
      resolve: (s) => s.closedEntryIndex ?? null,
    }),
    review: t.field({
      type: BreakGlassReviewRef,
      nullable: true,
      description: 'Its review by another operator; null while the session is unclosed.',
      resolve: (s, _args, ctx) => ctx.breakGlass.reviewOf(s.id),
    }),
    reviewStatus: t.field({
      type: BreakGlassReviewStatusRef,
      nullable: true,
      description: 'Its review’s status; null while the session is unclosed.',
      resolve: async (s, _args, ctx) => (await ctx.breakGlass.reviewOf(s.id))?.status ?? null,
    }),
  }),
});

builder.asEntity(BreakGlassSessionRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: ({ id }, ctx) => ctx.breakGlass.findForReference(id),
});

AgentRef.implement({
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    breakGlassSessions: t.connection(
      {
        type: BreakGlassSessionRef,
        // Nullable: when this subgraph fails or refuses, the rest of the agent still resolves.
        nullable: true,
        description:
          'Break-glass sessions this operator opened, newest first. Visible to operators and admins.',
        resolve: (agent, args, ctx) =>
          withPagingErrors(() =>
            resolveCursorConnection(
              {
                args,
                toCursor: (s: BreakGlassSession) => BreakGlassService.cursorOf(s),
                defaultSize: 20,
                maxSize: 100,
              },
              (page: ResolveCursorConnectionArgs) => ctx.breakGlass.listForOperator(agent.id, page),
            ),
          ),
      },
      { name: 'BreakGlassSessionConnection', description: 'A page of break-glass sessions.' },
      { name: 'BreakGlassSessionEdge', description: 'A break-glass session and its cursor.' },
    ),
  }),
});

const OpenBreakGlassInputRef = builder.inputType('OpenBreakGlassInput', {
  description: 'An emergency session to open for yourself.',
  fields: (t) => ({
    reason: t.string({
      required: true,
      description: `Why the glass must be broken (at least ${MIN_REASON_LENGTH} characters): what a reviewer judges it by.`,
    }),
    incidentId: t.id({ required: false, description: 'The incident it is for, if there is one.' }),
    durationMinutes: t.int({
      required: false,
      description: 'How long it lasts, 1 to `BREAK_GLASS_MAX_MINUTES` (15 at most, the default).',
    }),
  }),
});

builder.queryFields((t) => ({
  activeBreakGlassSessions: t.field({
    type: [BreakGlassSessionRef],
    description:
      'Break-glass sessions open now, soonest to expire first: who, why and the time left (the dashboard banner). For analysts, operators and admins.',
    resolve: (_root, _args, ctx) => ctx.breakGlass.active(),
  }),
  breakGlassReviews: t.field({
    type: [BreakGlassReviewRef],
    description:
      'Reviews of closed break-glass sessions, oldest first (at most 100): OPEN ones wait for an operator other than the session’s. For operators and admins.',
    args: {
      status: t.arg({ type: BreakGlassReviewStatusRef, required: false, description: 'Only these.' }),
      first: t.arg.int({ required: false, description: 'How many (1–100, default 50).' }),
    },
    resolve: (_root, { status, first }, ctx) => ctx.breakGlass.reviews(status ?? null, first ?? 50),
  }),
  breakGlassSessionForUse: t.field({
    type: BreakGlassSessionRef,
    nullable: true,
    // Not part of the public graph: the Liability Firewall asks it before a break-glass commit.
    inaccessible: true,
    description:
      'A break-glass session by id, null when unknown: what the ledger checks before a break-glass commit. ECP services only.',
    args: { id: t.arg.id({ required: true, description: 'The session id.' }) },
    resolve: (_root, { id }, ctx) => ctx.breakGlass.forUse(String(id)),
  }),
}));

builder.mutationFields((t) => ({
  openBreakGlass: t.field({
    type: BreakGlassSessionRef,
    description:
      'Opens an emergency session for the caller (OPERATOR or ADMIN): while it is open, the caller may commit decisions the Liability Firewall holds (`breakGlassCommit`). At most `BREAK_GLASS_MAX_MINUTES` (15), never extended; one open per person and `BREAK_GLASS_DAILY_CAP` (3) a day. Recorded in the ledger (`ecp.break-glass-opened/v1`) and announced on every channel. Errors: FORBIDDEN, BAD_USER_INPUT (reason under 20 characters, bad incident id or duration), CONFLICT (one open already, or the daily cap reached).',
    args: { input: t.arg({ type: OpenBreakGlassInputRef, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.breakGlass.open({
        reason: input.reason,
        incidentId: input.incidentId == null ? null : String(input.incidentId),
        durationMinutes: input.durationMinutes ?? null,
      }),
  }),
  closeBreakGlass: t.field({
    type: BreakGlassSessionRef,
    description:
      'Closes a break-glass session (its operator, or an admin): recorded in the ledger (`ecp.break-glass-closed/v1`), announced on every channel, and a review by another operator opens. Errors: FORBIDDEN, BAD_USER_INPUT, NOT_FOUND, CONFLICT (already closed or expired).',
    args: { id: t.arg.id({ required: true, description: 'The session id.' }) },
    resolve: (_root, { id }, ctx) => ctx.breakGlass.close(String(id)),
  }),
  reviewBreakGlass: t.field({
    type: BreakGlassSessionRef,
    description:
      'Reviews a closed break-glass session with a note (OPERATOR or ADMIN other than the one who broke the glass). Errors: FORBIDDEN (your own session), BAD_USER_INPUT, NOT_FOUND, CONFLICT (still open, or reviewed already).',
    args: {
      sessionId: t.arg.id({ required: true, description: 'The session id.' }),
      note: t.arg.string({ required: true, description: 'What you found (1–2000 characters).' }),
    },
    resolve: (_root, { sessionId, note }, ctx) => ctx.breakGlass.review(String(sessionId), note),
  }),
}));

builder.subscriptionFields((t) => ({
  breakGlassChanged: t.field({
    type: BreakGlassSessionRef,
    description:
      'Each change of a break-glass session: opened, closed, expired, reviewed. For analysts, operators and admins, as `activeBreakGlassSessions`.',
    directives: { topic: { name: 'breakGlassChanged' } },
    subscribe: servedByGateway,
    resolve: (_root, _args, ctx) => {
      ctx.breakGlass.checkSubscriber();
      return SUBSCRIPTION_ALLOWED;
    },
  }),
}));
