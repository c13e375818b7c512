import { withPagingErrors } from '@ecp/service-kit/paging-errors';
import { type ResolveCursorConnectionArgs, resolveCursorConnection } from '@pothos/plugin-relay';
import { builder } from '../../builder';
import { ChannelRef } from './channel.schema';
import { DeliveryService, type DeliveryView } from './delivery.service';
import type { DeliveryAttempt } from './delivery-attempt.entity';
import type { Notification } from './notification.entity';

const DeliveryStatusEnum = builder.enumType('DeliveryStatus', {
  description: 'Where a delivery stands.',
  values: {
    PENDING: { description: 'Not delivered yet: being tried, or waiting for its next try.' },
    DELIVERED: { description: 'The channel took it.' },
    FAILED: { description: 'Given up on after its tries (or at once, for a permanent refusal); alerted on.' },
  } as const,
});

const NotificationKindEnum = builder.enumType('NotificationKind', {
  description: 'What a notification is about.',
  values: {
    ALERT: { description: 'A group of alerts firing or resolved.' },
    INCIDENT: { description: 'An incident opened, escalated or resolved.' },
    BREAK_GLASS: { description: 'A break-glass session opened or closed.' },
    PM_REPORT: { description: 'The project-manager report.' },
    DELIVERY_FAILURE: { description: 'Another channel failed to deliver.' },
  } as const,
});

const AttemptOutcomeEnum = builder.enumType('DeliveryAttemptOutcome', {
  description: 'How a try ended.',
  values: {
    OK: { description: 'Delivered.' },
    ERROR: { description: 'Failed.' },
  } as const,
});

const NotificationRef = builder.objectRef<Notification>('Notification').implement({
  description: 'Something operations told its channels, once, whatever the channels it went to.',
  fields: (t) => ({
    kind: t.field({ type: NotificationKindEnum, description: 'What it is about.', resolve: (n) => n.kind }),
    subject: t.exposeString('subject', { description: 'Its one-line subject (mail subject, issue title).' }),
  }),
});

const DeliveryAttemptRef = builder.objectRef<DeliveryAttempt>('DeliveryAttempt').implement({
  description: 'One try of a delivery and how it ended.',
  fields: (t) => ({
    attempt: t.exposeInt('attempt', { description: '1 for the first try.' }),
    startedAt: t.field({ type: 'DateTime', description: 'When it started.', resolve: (a) => a.startedAt }),
    finishedAt: t.field({ type: 'DateTime', description: 'When it ended.', resolve: (a) => a.finishedAt }),
    durationMs: t.exposeInt('durationMs', { description: 'How long it took, in milliseconds.' }),
    outcome: t.field({ type: AttemptOutcomeEnum, description: 'How it ended.', resolve: (a) => a.outcome }),
    statusCode: t.int({
      nullable: true,
      description: 'The HTTP status or SMTP reply code, when the peer answered.',
      resolve: (a) => a.statusCode ?? null,
    }),
    error: t.string({
      nullable: true,
      description: 'Why it failed, with URLs cut to their host and secrets removed.',
      resolve: (a) => a.error ?? null,
    }),
  }),
});

const DeliveryRef = builder.objectRef<DeliveryView>('Delivery').implement({
  description: 'One notification to one channel: sent by a job, retried with backoff, every try recorded.',
  fields: (t) => ({
    id: t.id({ description: 'Stable identifier (UUID).', resolve: (v) => v.delivery.id }),
    status: t.field({
      type: DeliveryStatusEnum,
      description: 'Where it stands.',
      resolve: (v) => v.delivery.status,
    }),
    attempts: t.int({ description: 'Tries so far.', resolve: (v) => v.delivery.attempts }),
    lastError: t.string({
      nullable: true,
      description: 'Why the last try failed (URLs cut to their host, secrets removed); null once delivered.',
      resolve: (v) => v.delivery.lastError ?? null,
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When it was asked for.',
      resolve: (v) => v.delivery.createdAt,
    }),
    deliveredAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the channel took it.',
      resolve: (v) => v.delivery.deliveredAt ?? null,
    }),
    externalRef: t.string({
      nullable: true,
      description: 'What the channel calls it: the GitHub issue number, the mail’s Message-ID.',
      resolve: (v) => v.delivery.externalRef ?? null,
    }),
    channel: t.field({ type: ChannelRef, description: 'Where it goes.', resolve: (v) => v.channel }),
    notification: t.field({
      type: NotificationRef,
      description: 'What it says.',
      resolve: (v) => v.notification,
    }),
    attemptsLog: t.field({
      type: [DeliveryAttemptRef],
      description: 'Every try, first first.',
      resolve: (v) => v.attempts,
    }),
  }),
});

builder.queryFields((t) => ({
  deliveries: t.connection(
    {
      type: DeliveryRef,
      description: 'Deliveries of notifications to channels, newest first (operators, admins and analysts).',
      resolve: (_root, args, ctx) =>
        withPagingErrors(() =>
          resolveCursorConnection(
            {
              args,
              toCursor: (v: DeliveryView) => DeliveryService.cursorOf(v),
              defaultSize: 20,
              maxSize: 100,
            },
            (page: ResolveCursorConnectionArgs) => ctx.deliveries.list(page),
          ),
        ),
    },
    { name: 'DeliveryConnection', description: 'A page of deliveries.' },
    { name: 'DeliveryEdge', description: 'A delivery and its cursor.' },
  ),
}));
