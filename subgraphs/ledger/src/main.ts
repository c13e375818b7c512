import { runSubgraph } from '@ecp/service-kit/subgraph-runtime';
import { loadLedgerConfig } from './env';
import { ledgerSubgraph } from './subgraph';

const config = loadLedgerConfig();
await runSubgraph(ledgerSubgraph(config), config);
