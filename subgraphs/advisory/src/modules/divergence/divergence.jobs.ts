import type { EventEnvelope } from '@ecp/events/event';
import { defineConsumer } from '@ecp/jobs/job-definition';
import { DECISION_RECORDED } from '../../topics';
import { type ScoringInputs, scoreCommittedDecision, scoringInputs } from './divergence-scoring';

/** What each job's batch is scored from, read once for all its events. */
const prepared = new WeakMap<readonly EventEnvelope[], Promise<ScoringInputs>>();

/** Scores every committed decision's divergence from its advice, once. */
export const DIVERGENCE_CONSUMER = defineConsumer({
  name: 'advisory.divergence',
  topics: [DECISION_RECORDED],
  async handle(event, { em, outbox, services, logger, batch }) {
    if (!outbox) throw new Error('the advisory work publishes divergenceScored: its outbox is missing');
    let inputs = prepared.get(batch);
    if (!inputs) {
      inputs = scoringInputs(
        batch.map((e) => e.key.id!),
        { em, services, logger },
      );
      prepared.set(batch, inputs);
    }
    await scoreCommittedDecision(event.key.id!, { em, outbox, inputs: await inputs });
  },
});
