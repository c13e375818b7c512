import type { SubgraphWork } from '@ecp/jobs/job-definition';
import { DIVERGENCE_CONSUMER } from './modules/divergence/divergence.jobs';
import { CLOSE_DUE_POLLS_JOB, CLOSE_POLL_JOB, POLL_RESULTS_CONSUMER } from './modules/polls/poll.jobs';
import { ADVISORY_STORAGE } from './storage';
import { ADVISORY_TOPICS } from './topics';

/**
 * The work this subgraph does outside requests, for `workers/` to host: polls closing at their time
 * (a delayed job per poll, and a sweep behind them), closed polls recorded in the ledger, and every
 * committed decision's divergence scored.
 */
export const work: SubgraphWork = {
  subgraph: 'advisory',
  ...ADVISORY_STORAGE,
  topics: ADVISORY_TOPICS,
  jobs: [CLOSE_POLL_JOB, CLOSE_DUE_POLLS_JOB],
  consumers: [POLL_RESULTS_CONSUMER, DIVERGENCE_CONSUMER],
};
