import { runSubgraph } from '@ecp/service-kit/subgraph-runtime';
import { loadOperationsConfig } from './env';
import { operationsSubgraph } from './subgraph';

const config = loadOperationsConfig();
await runSubgraph(
  operationsSubgraph({ redisUrl: config.REDIS_URL, queuePrefix: config.QUEUE_PREFIX }),
  config,
);
