import { defineConsumer } from '@ecp/jobs/job-definition';
import { DECISION_RECORDED } from '../../topics';
import { scoreCommittedDecision } from './divergence-scoring';

/** Scores every committed decision's divergence from its advice, once. */
export const DIVERGENCE_CONSUMER = defineConsumer({
  name: 'advisory.divergence',
  topics: [DECISION_RECORDED],
  async handle(event, { em, outbox, services, logger }) {
    if (!outbox) throw new Error('the advisory work publishes divergenceScored: its outbox is missing');
    await scoreCommittedDecision(event.key.id!, { em, outbox, services, logger });
  },
});
