import { defineTopic } from '@ecp/events/topic';
import decisionRecorded from '@ecp/schema/events/decisionRecorded.v1.schema.json' with { type: 'json' };
import divergenceScored from '@ecp/schema/events/divergenceScored.v1.schema.json' with { type: 'json' };
import divergenceThresholdExceeded from '@ecp/schema/events/divergenceThresholdExceeded.v1.schema.json' with {
  type: 'json',
};
import pollUpdated from '@ecp/schema/events/pollUpdated.v1.schema.json' with { type: 'json' };

/** A vote was cast in a poll, it closed, or its result was recorded in the ledger. */
export const POLL_UPDATED = defineTopic(pollUpdated);

/** A committed decision's divergence from its advice was scored. */
export const DIVERGENCE_SCORED = defineTopic(divergenceScored);

/** An alert for operations: a decision's divergence is above its jurisdiction's threshold. */
export const DIVERGENCE_THRESHOLD_EXCEEDED = defineTopic(divergenceThresholdExceeded);

/** Every topic the advisory subgraph publishes. */
export const ADVISORY_TOPICS = [POLL_UPDATED, DIVERGENCE_SCORED, DIVERGENCE_THRESHOLD_EXCEEDED];

/** The ledger's topic the divergence consumer reads: its contract is the published schema. */
export const DECISION_RECORDED = defineTopic(decisionRecorded);
