import { defineConsumer } from '@ecp/jobs/job-definition';
import { OUTCOME_REPORTED } from '../../topics';
import { learnFromReport } from './lesson-learning';

/**
 * Learns from every outcome report, once: its effect on the lessons and the event's id commit in one
 * transaction. Reports of one category apply in order (they share lessons, and links join
 * jurisdictions), so each lesson's versions follow the reports' order.
 */
export const LESSONS_CONSUMER = defineConsumer({
  name: 'learning.lessons',
  topics: [OUTCOME_REPORTED],
  partitionKey: (event) => `category:${event.attributes.category}`,
  async handle(event, { em, outbox, logger }) {
    if (!outbox) throw new Error('the learning work publishes lessonUpdated: its outbox is missing');
    await learnFromReport(em, outbox, event.key.id!, logger);
  },
});
