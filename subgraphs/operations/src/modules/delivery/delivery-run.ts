import { newId } from '@ecp/db/ids';
import type { Outbox } from '@ecp/events/outbox';
import type { Logger } from '@ecp/logging/logger';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { OperationsRuntime } from '../../runtime';
import { fireAlert, resolveAlert } from '../alerts/alert-sink';
import { type Channel, ChannelEntity } from './channel.entity';
import { type Delivery, DeliveryEntity, type DeliveryStatus } from './delivery.entity';
import { DeliveryAttemptEntity } from './delivery-attempt.entity';
import { GithubThreadEntity } from './github-thread.entity';
import { type Notification, NotificationEntity } from './notification.entity';
import { notify } from './notifier';
import { scrubbed, secretsOf } from './secret-scrubbing';
import { sendEmail } from './senders/email-sender';
import { githubClient, sendGithub } from './senders/github-sender';
import { SendFailure, type Sent } from './senders/send-failure';
import { sendSlack } from './senders/slack-sender';

/** What a delivery job works with: the subgraph's database and outbox, its runtime, a logger. */
export interface DeliveryWork {
  orm: MikroORM;
  outbox: Outbox;
  runtime: OperationsRuntime;
  logger: Logger;
}

/** The delivery row is not committed yet (its job was enqueued inside the transaction): tried again. */
export class DeliveryNotYetVisibleError extends Error {}

/** A try failed and will be tried again; its message holds no secret (it is logged). */
export class DeliveryRetryError extends Error {
  override name = 'DeliveryRetryError';
}

/** A try failed for good (permanent, or the last try): the delivery is FAILED. */
export class DeliveryFailedError extends Error {
  override name = 'DeliveryFailedError';
}

export interface DeliveryOutcome {
  status: DeliveryStatus;
  /** Nothing was sent: the delivery had ended before this job ran. */
  skipped?: boolean;
}

/**
 * One try of a delivery: sends its notification to its channel and records the try. A success marks
 * it DELIVERED and resolves the channel's `delivery-failed` alert; a failure is thrown to be tried
 * again, unless it is permanent or `jobAttempt` is the last: then the delivery is FAILED, the
 * `delivery-failed` alert fires and every other channel is told (a failure notice that fails is only
 * recorded, so failures never cascade). A delivery to a channel switched off since is FAILED quietly;
 * deliveries that ended already are left alone.
 */
export async function runDelivery(
  work: DeliveryWork,
  deliveryId: string,
  jobAttempt: number,
): Promise<DeliveryOutcome> {
  const { orm, runtime } = work;
  const em = orm.em.fork();
  const delivery = await em.findOne(DeliveryEntity, { id: deliveryId });
  if (!delivery) throw new DeliveryNotYetVisibleError(`delivery ${deliveryId} is not visible yet`);
  if (delivery.status !== 'PENDING') return { status: delivery.status, skipped: true };
  const notification = await em.findOneOrFail(NotificationEntity, { id: delivery.notificationId });
  const channel = await em.findOneOrFail(ChannelEntity, { id: delivery.channelId });

  const startedAt = runtime.now();
  const started = performance.now();
  let sent: Sent;
  try {
    if (!channel.enabled) throw new SendFailure('the channel is disabled', true);
    sent = await send(work, channel, notification);
  } catch (err) {
    const failure =
      err instanceof SendFailure
        ? err
        : new SendFailure(err instanceof Error ? err.message : String(err), false);
    const message = scrubbed(failure.message, secretsOf(runtime.settings, channel));
    const durationMs = Math.round(performance.now() - started);
    const final = failure.permanent || jobAttempt >= runtime.settings.DELIVERY_ATTEMPTS;
    const recorded = await recordFailure(work, delivery.id, {
      // An admin switched the channel off: its pending deliveries end quietly.
      quiet: !channel.enabled,
      startedAt,
      durationMs,
      statusCode: failure.statusCode,
      message,
      final,
      channel,
      notification,
    });
    if (recorded === 'FAILED') {
      work.logger.warn(
        {
          deliveryId,
          channel: channel.name,
          kind: channel.kind,
          statusCode: failure.statusCode,
          error: message,
        },
        'delivery failed for good',
      );
      throw new DeliveryFailedError(`delivery to ${channel.name} failed: ${message}`);
    }
    throw new DeliveryRetryError(`delivery to ${channel.name} failed, to be tried again: ${message}`);
  }
  await recordSuccess(work, delivery.id, {
    startedAt,
    durationMs: Math.round(performance.now() - started),
    sent,
    channel,
  });
  work.logger.info({ deliveryId, channel: channel.name, kind: channel.kind }, 'delivered');
  return { status: 'DELIVERED' };
}

async function send(work: DeliveryWork, channel: Channel, notification: Notification): Promise<Sent> {
  const { settings } = work.runtime;
  switch (channel.kind) {
    case 'EMAIL':
      return sendEmail(settings, channel.target, notification);
    case 'SLACK':
      return sendSlack(channel.target, notification, settings.DELIVERY_TIMEOUT_MS);
    case 'GITHUB':
      return sendToGithubThread(work, channel, notification);
  }
}

/**
 * GitHub through the thread's issue. Deliveries of one thread to one channel are sent one at a time
 * (an advisory lock, held while GitHub is called) so that two of them never open two issues.
 */
async function sendToGithubThread(
  work: DeliveryWork,
  channel: Channel,
  notification: Notification,
): Promise<Sent> {
  const client = githubClient(work.runtime.settings);
  const threadKey = notification.threadKey;
  if (!threadKey) {
    const sent = await sendGithub(client, channel.target, notification, null);
    return { statusCode: sent.statusCode, externalRef: String(sent.issueNumber) };
  }
  return work.orm.em.fork().transactional(async (tx) => {
    await tx
      .getConnection()
      .execute(
        'select pg_advisory_xact_lock(hashtextextended(?, 0))',
        [`github-thread:${channel.id}:${threadKey}`],
        'run',
        tx.getTransactionContext(),
      );
    const thread = await tx.findOne(GithubThreadEntity, { channelId: channel.id, threadKey });
    const sent = await sendGithub(client, channel.target, notification, thread?.issueNumber ?? null);
    const now = work.runtime.now();
    if (sent.opened || !thread) {
      await tx.getConnection().execute(
        `insert into operations.github_thread (channel_id, thread_key, issue_number, opened_at, closed_at)
           values (?, ?, ?, ?, ?)
           on conflict (channel_id, thread_key) do update
             set issue_number = excluded.issue_number, opened_at = excluded.opened_at, closed_at = excluded.closed_at`,
        [channel.id, threadKey, sent.issueNumber, now, sent.closed ? now : null],
        'run',
        tx.getTransactionContext(),
      );
    } else if (sent.closed) {
      thread.closedAt = now;
    }
    return { statusCode: sent.statusCode, externalRef: String(sent.issueNumber) };
  });
}

async function lockPending(tx: EntityManager, deliveryId: string): Promise<Delivery | null> {
  const delivery = await tx.findOne(
    DeliveryEntity,
    { id: deliveryId },
    { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
  );
  return delivery?.status === 'PENDING' ? delivery : null;
}

function attemptRow(
  tx: EntityManager,
  delivery: Delivery,
  tried: { startedAt: Date; durationMs: number },
  outcome: { outcome: 'OK' | 'ERROR'; statusCode: number | null; error: string | null },
) {
  delivery.attempts += 1;
  tx.create(DeliveryAttemptEntity, {
    id: newId(),
    deliveryId: delivery.id,
    attempt: delivery.attempts,
    startedAt: tried.startedAt,
    finishedAt: new Date(tried.startedAt.getTime() + tried.durationMs),
    durationMs: tried.durationMs,
    ...outcome,
  });
}

async function recordSuccess(
  work: DeliveryWork,
  deliveryId: string,
  tried: { startedAt: Date; durationMs: number; sent: Sent; channel: Channel },
): Promise<void> {
  await work.orm.em.fork().transactional(async (tx) => {
    const delivery = await lockPending(tx, deliveryId);
    if (!delivery) return;
    attemptRow(tx, delivery, tried, { outcome: 'OK', statusCode: tried.sent.statusCode, error: null });
    delivery.status = 'DELIVERED';
    delivery.deliveredAt = work.runtime.now();
    delivery.lastError = null;
    delivery.externalRef = tried.sent.externalRef;
    await tx.flush();
    await resolveAlert({ tx, outbox: work.outbox, runtime: work.runtime }, 'delivery-failed', {
      channel: tried.channel.name,
    });
  });
}

/**
 * Records a failed try. On the last one (or a permanent failure) the delivery is FAILED, the
 * channel's alert fires and the other channels are told, in the same transaction; a failure notice
 * that fails is only recorded. Returns the delivery's status afterwards.
 */
async function recordFailure(
  work: DeliveryWork,
  deliveryId: string,
  tried: {
    startedAt: Date;
    durationMs: number;
    statusCode: number | null;
    message: string;
    final: boolean;
    /** Record the failure only: no alert, no notice to the other channels. */
    quiet?: boolean;
    channel: Channel;
    notification: Notification;
  },
): Promise<DeliveryStatus> {
  const { runtime, outbox } = work;
  return work.orm.em.fork().transactional(async (tx) => {
    const delivery = await lockPending(tx, deliveryId);
    if (!delivery) return 'FAILED';
    attemptRow(tx, delivery, tried, { outcome: 'ERROR', statusCode: tried.statusCode, error: tried.message });
    delivery.lastError = tried.message;
    const final = tried.final || delivery.attempts >= runtime.settings.DELIVERY_ATTEMPTS;
    if (!final) {
      await tx.flush();
      return 'PENDING';
    }
    delivery.status = 'FAILED';
    await tx.flush();
    const { channel, notification } = tried;
    if (tried.quiet || notification.kind === 'DELIVERY_FAILURE') return 'FAILED';
    await fireAlert(
      { tx, outbox, runtime },
      {
        rule: 'delivery-failed',
        labels: { channel: channel.name },
        summary: `${channel.kind} channel ${channel.name} failed to deliver "${notification.subject}": ${tried.message}`,
        value: delivery.attempts,
      },
    );
    await notify(
      { tx, runtime },
      {
        kind: 'DELIVERY_FAILURE',
        subject: `Delivery to ${channel.name} failed: ${notification.subject}`,
        markdown: [
          `The ${channel.kind} channel **${channel.name}** could not deliver a notification after ${delivery.attempts} ${delivery.attempts === 1 ? 'try' : 'tries'}.`,
          '',
          `- Notification: ${notification.kind} "${notification.subject}"`,
          `- Last error: ${tried.message}`,
          '',
          'Runbook: docs/runbooks/alert-delivery-failed.md',
        ].join('\n'),
        excludeChannels: [channel.name],
        idempotencyKey: `delivery-failure:${delivery.id}`,
      },
    );
    return 'FAILED';
  });
}
