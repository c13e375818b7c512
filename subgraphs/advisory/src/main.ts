import { runSubgraph } from '@ecp/service-kit/subgraph-runtime';
import { loadAdvisoryConfig } from './env';
import { advisorySubgraph } from './subgraph';

const config = loadAdvisoryConfig();
await runSubgraph(advisorySubgraph({ redisUrl: config.REDIS_URL, queuePrefix: config.QUEUE_PREFIX }), config);
