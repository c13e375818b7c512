import { defineTopic, type Topic } from '@ecp/events/topic';
import breakGlassChanged from '@ecp/schema/events/breakGlassChanged.v1.schema.json' with { type: 'json' };

/** A break-glass session opened, closed, expired or was reviewed. */
export const BREAK_GLASS_CHANGED = defineTopic(breakGlassChanged);

/** Every topic the operations subgraph publishes (its outbox may write only these). */
export const OPERATIONS_TOPICS: readonly Topic[] = [BREAK_GLASS_CHANGED];
