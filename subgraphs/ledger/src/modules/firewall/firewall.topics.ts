import { defineTopic } from '@ecp/events/topic';
import decisionHeld from '@ecp/schema/events/decisionHeld.v1.schema.json' with { type: 'json' };
import decisionStatusChanged from '@ecp/schema/events/decisionStatusChanged.v1.schema.json' with {
  type: 'json',
};

/** Every change of a decision's firewall status: written in the transaction of the change. */
export const DECISION_STATUS_CHANGED = defineTopic(decisionStatusChanged);

/** A decision was held for review, for operations to route to operators: written with the hold. */
export const DECISION_HELD = defineTopic(decisionHeld);
