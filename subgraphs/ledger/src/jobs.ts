import type { SubgraphWork } from '@ecp/jobs/job-definition';
import { LEDGER_TOPICS } from './modules/ledger/ledger.topics';
import { LEDGER_STORAGE } from './storage';

/**
 * The work this subgraph does outside requests (BullMQ jobs and schedulers, event consumers), for
 * `workers/` to host: the one part of a subgraph the workers may import. None yet.
 */
export const work: SubgraphWork = {
  subgraph: 'ledger',
  ...LEDGER_STORAGE,
  topics: LEDGER_TOPICS,
  jobs: [],
  consumers: [],
};
