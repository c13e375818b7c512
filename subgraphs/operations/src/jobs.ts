import type { SubgraphWork } from '@ecp/jobs/job-definition';
import { DELIVER_JOB } from './modules/delivery/delivery.jobs';
import { WATCH_QUEUES_JOB } from './modules/queues/watch-queues.jobs';
import { PM_REPORT_HEARTBEAT_JOB, PM_REPORT_JOB } from './modules/reports/pm-report.jobs';
import { OPERATIONS_STORAGE } from './storage';
import { OPERATIONS_TOPICS } from './topics';

/**
 * The work this subgraph does outside requests, for `workers/` to host: the one part of a subgraph
 * the workers may import. Deliveries of notifications, one job per channel.
 */
export const work: SubgraphWork = {
  subgraph: 'operations',
  ...OPERATIONS_STORAGE,
  topics: OPERATIONS_TOPICS,
  jobs: [DELIVER_JOB, PM_REPORT_JOB, PM_REPORT_HEARTBEAT_JOB, WATCH_QUEUES_JOB],
  consumers: [],
};
