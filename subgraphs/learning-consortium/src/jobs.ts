import type { SubgraphWork } from '@ecp/jobs/job-definition';
import { LESSONS_CONSUMER } from './modules/lessons/lesson.jobs';
import { LEARNING_STORAGE } from './storage';
import { LEARNING_TOPICS } from './topics';

/**
 * The work this subgraph does outside requests, for `workers/` to host: every outcome report learned
 * from by the lessons, exactly once.
 */
export const work: SubgraphWork = {
  subgraph: 'learning-consortium',
  ...LEARNING_STORAGE,
  topics: LEARNING_TOPICS,
  jobs: [],
  consumers: [LESSONS_CONSUMER],
};
