import type { SubgraphWork } from '@ecp/jobs/job-definition';
import { EXPIRE_DECISION_JOB, EXPIRE_DUE_DECISIONS_JOB } from './modules/firewall/firewall.jobs';
import { LEDGER_TOPICS } from './modules/ledger/ledger.topics';
import { LEDGER_STORAGE } from './storage';

/**
 * The work this subgraph does outside requests (BullMQ jobs and schedulers, event consumers), for
 * `workers/` to host: the one part of a subgraph the workers may import. Held decisions expiring at
 * their time (a delayed job per held decision, and a sweep behind them).
 */
export const work: SubgraphWork = {
  subgraph: 'ledger',
  ...LEDGER_STORAGE,
  topics: LEDGER_TOPICS,
  jobs: [EXPIRE_DECISION_JOB, EXPIRE_DUE_DECISIONS_JOB],
  consumers: [],
};
