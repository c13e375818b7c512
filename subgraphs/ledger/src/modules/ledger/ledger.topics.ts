import { defineTopic } from '@ecp/events/topic';
import checkpointPublished from '@ecp/schema/events/checkpointPublished.v1.schema.json' with { type: 'json' };
import decisionRecorded from '@ecp/schema/events/decisionRecorded.v1.schema.json' with { type: 'json' };
import { DECISION_HELD, DECISION_STATUS_CHANGED } from '../firewall/firewall.topics';

/** A decision was appended: written with the batch that appended it. */
export const DECISION_RECORDED = defineTopic(decisionRecorded);

/** A checkpoint was signed: written with it. */
export const CHECKPOINT_PUBLISHED = defineTopic(checkpointPublished);

/** Every topic the ledger publishes. */
export const LEDGER_TOPICS = [
  DECISION_RECORDED,
  CHECKPOINT_PUBLISHED,
  DECISION_STATUS_CHANGED,
  DECISION_HELD,
];
