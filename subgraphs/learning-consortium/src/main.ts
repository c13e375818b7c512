import { runSubgraph } from '@ecp/service-kit/subgraph-runtime';
import { loadLearningConfig } from './env';
import { learningSubgraph } from './subgraph';

await runSubgraph(learningSubgraph(), loadLearningConfig());
