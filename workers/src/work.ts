import type { SubgraphWork } from '@ecp/jobs/job-definition';
import { work as advisory } from '@ecp/subgraph-advisory/jobs';
import { work as learning } from '@ecp/subgraph-learning-consortium/jobs';
import { work as ledger } from '@ecp/subgraph-ledger/jobs';
import { work as operations } from '@ecp/subgraph-operations/jobs';

/** What every subgraph gives the workers to run, from each one's `jobs.ts`. */
export const PLATFORM_WORK: readonly SubgraphWork[] = [ledger, advisory, learning, operations];
