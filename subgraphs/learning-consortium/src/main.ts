import { runSubgraph } from '@ecp/service-kit/subgraph-runtime';
import { learningSettingsOf, loadLearningConfig } from './env';
import { learningSubgraph } from './subgraph';

const config = loadLearningConfig();
await runSubgraph(learningSubgraph({ settings: learningSettingsOf(config) }), config);
