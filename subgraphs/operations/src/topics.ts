import { defineTopic, type Topic } from '@ecp/events/topic';
import healthChanged from '@ecp/schema/events/healthChanged.v1.schema.json' with { type: 'json' };

/** An environment's health status changed. */
export const HEALTH_CHANGED = defineTopic(healthChanged);

/** Every topic the operations subgraph publishes (its outbox may write only these). */
export const OPERATIONS_TOPICS: readonly Topic[] = [HEALTH_CHANGED];
