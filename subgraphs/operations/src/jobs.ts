import type { SubgraphWork } from '@ecp/jobs/job-definition';
import { DELIVER_JOB, REDELIVER_PENDING_JOB } from './modules/delivery/delivery.jobs';
import { CHECK_ENVIRONMENTS_JOB } from './modules/health/health.jobs';
import { OPERATIONS_STORAGE } from './storage';
import { OPERATIONS_TOPICS } from './topics';

/**
 * The work this subgraph does outside requests, for `workers/` to host: the one part of a subgraph
 * the workers may import. Deliveries of notifications, one job per channel; environments' health
 * checks on a schedule.
 */
export const work: SubgraphWork = {
  subgraph: 'operations',
  ...OPERATIONS_STORAGE,
  topics: OPERATIONS_TOPICS,
  jobs: [DELIVER_JOB, REDELIVER_PENDING_JOB, CHECK_ENVIRONMENTS_JOB],
  consumers: [],
};
