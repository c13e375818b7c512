import type { SubgraphWork } from '@ecp/jobs/job-definition';
import { EXPIRE_BREAK_GLASS_JOB, EXPIRE_DUE_BREAK_GLASS_JOB } from './modules/break-glass/break-glass.jobs';
import { DELIVER_JOB, REDELIVER_PENDING_JOB } from './modules/delivery/delivery.jobs';
import { OPERATIONS_STORAGE } from './storage';
import { OPERATIONS_TOPICS } from './topics';

/**
 * The work this subgraph does outside requests, for `workers/` to host: the one part of a subgraph
 * the workers may import. Deliveries of notifications, one job per channel; break-glass expiry
 * (a timer per session and a sweep).
 */
export const work: SubgraphWork = {
  subgraph: 'operations',
  ...OPERATIONS_STORAGE,
  topics: OPERATIONS_TOPICS,
  jobs: [DELIVER_JOB, REDELIVER_PENDING_JOB, EXPIRE_BREAK_GLASS_JOB, EXPIRE_DUE_BREAK_GLASS_JOB],
  consumers: [],
};
