import type { Topic } from '@ecp/events/topic';

/** Every topic the operations subgraph publishes (its outbox may write only these). */
export const OPERATIONS_TOPICS: readonly Topic[] = [];
