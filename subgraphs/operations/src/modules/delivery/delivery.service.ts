import { ForbiddenError } from '@ecp/errors/errors';
import { hasRole } from '@ecp/identity/principal';
import { type KeysetPage, timeIdCursor, timeIdKeyset } from '@ecp/service-kit/keyset';
import type { OperationsServiceDeps } from '../../context';
import { type Channel, ChannelEntity } from './channel.entity';
import { type Delivery, DeliveryEntity } from './delivery.entity';
import { type DeliveryAttempt, DeliveryAttemptEntity } from './delivery-attempt.entity';
import { type Notification, NotificationEntity } from './notification.entity';

/** A delivery with what the graph shows beside it: its channel, its notification and its tries. */
export interface DeliveryView {
  delivery: Delivery;
  channel: Channel;
  notification: Notification;
  attempts: DeliveryAttempt[];
}

/** The record of deliveries: what was sent where, how many tries it took, and how each ended. */
export class DeliveryService {
  constructor(private readonly deps: Pick<OperationsServiceDeps, 'em' | 'principal'>) {}

  /**
   * A page of deliveries, newest first, each with its channel, notification and tries (OPERATOR,
   * ADMIN, ANALYST). The page's channels, notifications and tries are read in one query each.
   */
  async list(page: KeysetPage): Promise<DeliveryView[]> {
    const { em, principal } = this.deps;
    if (!hasRole(principal, 'OPERATOR', 'ADMIN', 'ANALYST')) {
      throw new ForbiddenError('Deliveries are visible to operators, admins and analysts.');
    }
    const { where, orderBy } = timeIdKeyset('createdAt', page, 'newest-first');
    const deliveries = await em.find(DeliveryEntity, where.length ? { $and: where } : {}, {
      orderBy,
      limit: page.limit,
    });
    if (deliveries.length === 0) return [];
    const [channels, notifications, attempts] = await Promise.all([
      em.find(ChannelEntity, { id: { $in: [...new Set(deliveries.map((d) => d.channelId))] } }),
      em.find(NotificationEntity, { id: { $in: [...new Set(deliveries.map((d) => d.notificationId))] } }),
      em.find(
        DeliveryAttemptEntity,
        { deliveryId: { $in: deliveries.map((d) => d.id) } },
        { orderBy: { attempt: 'asc' } },
      ),
    ]);
    const channelById = new Map(channels.map((c) => [c.id, c]));
    const notificationById = new Map(notifications.map((n) => [n.id, n]));
    return deliveries.map((delivery) => ({
      delivery,
      channel: channelById.get(delivery.channelId)!,
      notification: notificationById.get(delivery.notificationId)!,
      attempts: attempts.filter((a) => a.deliveryId === delivery.id),
    }));
  }

  static cursorOf(view: DeliveryView): string {
    return timeIdCursor(view.delivery.createdAt, view.delivery.id);
  }
}
