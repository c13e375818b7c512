import { runSubgraph } from '@ecp/service-kit/subgraph-runtime';
import { loadOperationsConfig } from './env';
import { operationsSubgraph } from './subgraph';

await runSubgraph(operationsSubgraph(), loadOperationsConfig());
