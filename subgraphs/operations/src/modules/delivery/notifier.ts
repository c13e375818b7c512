import { newId } from '@ecp/db/ids';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { OperationsRuntime } from '../../runtime';
import { ChannelEntity } from './channel.entity';
import { DeliveryEntity } from './delivery.entity';
import { DELIVER_JOB } from './delivery.jobs';
import { NotificationEntity, type NotificationKind, type ThreadAction } from './notification.entity';

export type { NotificationKind } from './notification.entity';

/** What to tell, and to whom. */
export interface NotificationRequest {
  kind: NotificationKind;
  /** Email subject, Slack first line, GitHub issue title. */
  subject: string;
  markdown: string;
  /** One GitHub issue per thread: OPEN opens it, UPDATE comments, CLOSE comments and closes. */
  threadKey?: string | null;
  action?: ThreadAction;
  /** Channel names; every enabled channel by default. */
  channels?: readonly string[] | 'ALL';
  excludeChannels?: readonly string[];
  /** The same key is the same notification: a retried job or a redelivered event sends nothing twice. */
  idempotencyKey?: string;
}

export interface NotificationWritten {
  notificationId: string;
  deliveryIds: string[];
  /** The key had been used: nothing new was written or enqueued. */
  replayed: boolean;
}

/**
 * Writes a notification and one delivery per chosen channel in the caller's transaction, and
 * enqueues a delivery job for each. A job may run before the transaction commits: it then finds no
 * row and is retried; a transaction that rolls back leaves jobs that find nothing and end.
 */
export async function notify(
  w: { tx: EntityManager; runtime: OperationsRuntime },
  request: NotificationRequest,
): Promise<NotificationWritten> {
  const { tx, runtime } = w;
  if (request.idempotencyKey) {
    const earlier = await tx.findOne(NotificationEntity, { idempotencyKey: request.idempotencyKey });
    if (earlier) {
      const deliveries = await tx.find(DeliveryEntity, { notificationId: earlier.id }, { fields: ['id'] });
      return { notificationId: earlier.id, deliveryIds: deliveries.map((d) => d.id), replayed: true };
    }
  }
  const named = request.channels && request.channels !== 'ALL' ? [...request.channels] : null;
  const channels = (
    await tx.find(ChannelEntity, named ? { enabled: true, name: { $in: named } } : { enabled: true }, {
      orderBy: { name: 'asc' },
    })
  ).filter((c) => !request.excludeChannels?.includes(c.name));
  const notification = tx.create(NotificationEntity, {
    id: newId(),
    kind: request.kind,
    subject: request.subject,
    markdown: request.markdown,
    threadKey: request.threadKey ?? null,
    action: request.action ?? 'UPDATE',
    idempotencyKey: request.idempotencyKey ?? null,
    createdAt: runtime.now(),
  });
  // The delivery rows refer to it: written first (the ORM knows no relation between them).
  await tx.flush();
  const deliveries = channels.map((c) =>
    tx.create(DeliveryEntity, {
      id: newId(),
      notificationId: notification.id,
      channelId: c.id,
      status: 'PENDING',
      attempts: 0,
      createdAt: runtime.now(),
    }),
  );
  await tx.flush();
  for (const d of deliveries) {
    await runtime.jobs.enqueue(DELIVER_JOB, { deliveryId: d.id }, { jobId: `deliver-${d.id}` });
  }
  return { notificationId: notification.id, deliveryIds: deliveries.map((d) => d.id), replayed: false };
}
