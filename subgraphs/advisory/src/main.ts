import { runSubgraph } from '@ecp/service-kit/subgraph-runtime';
import { loadAdvisoryConfig } from './env';
import { advisorySubgraph } from './subgraph';

await runSubgraph(advisorySubgraph(), loadAdvisoryConfig());
