import { defineTopic, type Topic } from '@ecp/events/topic';
import breakGlassChanged from '@ecp/schema/events/breakGlassChanged.v1.schema.json' with { type: 'json' };
import decisionHeld from '@ecp/schema/events/decisionHeld.v1.schema.json' with { type: 'json' };
import decisionStatusChanged from '@ecp/schema/events/decisionStatusChanged.v1.schema.json' with {
  type: 'json',
};
import divergenceThresholdExceeded from '@ecp/schema/events/divergenceThresholdExceeded.v1.schema.json' with {
  type: 'json',
};
import healthChanged from '@ecp/schema/events/healthChanged.v1.schema.json' with { type: 'json' };
import incidentUpdated from '@ecp/schema/events/incidentUpdated.v1.schema.json' with { type: 'json' };

/** A break-glass session opened, closed, expired or was reviewed. */
export const BREAK_GLASS_CHANGED = defineTopic(breakGlassChanged);

/** An environment's health status changed. */
export const HEALTH_CHANGED = defineTopic(healthChanged);

/** An incident changed (opened, linked, acknowledged, escalated, resolved, annotated). */
export const INCIDENT_UPDATED = defineTopic(incidentUpdated);

/** Every topic the operations subgraph publishes (its outbox may write only these). */
export const OPERATIONS_TOPICS: readonly Topic[] = [HEALTH_CHANGED, INCIDENT_UPDATED, BREAK_GLASS_CHANGED];

// Consumed (the alert sources): their contracts are the publishers' schemas.
/** Advisory: a decision's divergence is above its jurisdiction's threshold. */
export const DIVERGENCE_THRESHOLD_EXCEEDED = defineTopic(divergenceThresholdExceeded);
/** Ledger: the Liability Firewall held a decision for a person's review. */
export const DECISION_HELD = defineTopic(decisionHeld);
/** Ledger: a held decision was approved, committed, rejected or expired. */
export const DECISION_STATUS_CHANGED = defineTopic(decisionStatusChanged);
