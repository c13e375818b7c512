import { defineJob } from '@ecp/jobs/job-definition';
import { z } from 'zod';
import { DeliveryEntity } from './delivery.entity';

/** A delivery row not committed yet (the job was enqueued inside its transaction): tried again. */
class DeliveryNotYetVisibleError extends Error {}

/**
 * Sends one delivery (a notification to one channel). Its data is the delivery's id only: what to
 * send is read from the database, and secrets from the settings.
 */
export const DELIVER_JOB = defineJob({
  queue: 'operations.deliver',
  data: z.object({ deliveryId: z.uuid() }),
  async process({ deliveryId }, { orm, logger }) {
    const delivery = await orm.em.fork().findOne(DeliveryEntity, { id: deliveryId });
    if (!delivery) throw new DeliveryNotYetVisibleError(`delivery ${deliveryId} is not visible yet`);
    logger.warn({ deliveryId }, 'no sender for deliveries yet: left pending');
    return { status: delivery.status };
  },
});
