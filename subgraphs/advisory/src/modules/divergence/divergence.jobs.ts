import type { EventEnvelope } from '@ecp/events/event';
import { defineConsumer } from '@ecp/jobs/job-definition';
import type { LedgerDecision } from '../../ledger/ledger-operations';
import { DECISION_RECORDED } from '../../topics';
import { fetchDecisions, scoreCommittedDecision } from './divergence-scoring';

/** The decisions of each job's batch, fetched once for all its events. */
const fetched = new WeakMap<readonly EventEnvelope[], Promise<Map<string, LedgerDecision | null>>>();

/** Scores every committed decision's divergence from its advice, once. */
export const DIVERGENCE_CONSUMER = defineConsumer({
  name: 'advisory.divergence',
  topics: [DECISION_RECORDED],
  async handle(event, { em, outbox, services, logger, batch }) {
    if (!outbox) throw new Error('the advisory work publishes divergenceScored: its outbox is missing');
    let decisions = fetched.get(batch);
    if (!decisions) {
      decisions = fetchDecisions(
        batch.map((e) => e.key.id!),
        services,
        logger,
      );
      fetched.set(batch, decisions);
    }
    await scoreCommittedDecision(event.key.id!, { em, outbox, decisions: await decisions, logger });
  },
});
