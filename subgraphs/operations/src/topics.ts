import { defineTopic, type Topic } from '@ecp/events/topic';
import incidentUpdated from '@ecp/schema/events/incidentUpdated.v1.schema.json' with { type: 'json' };

/** An incident changed (opened, linked, acknowledged, escalated, resolved, annotated). */
export const INCIDENT_UPDATED = defineTopic(incidentUpdated);

/** Every topic the operations subgraph publishes (its outbox may write only these). */
export const OPERATIONS_TOPICS: readonly Topic[] = [INCIDENT_UPDATED];
