import { writeSubgraphSdl } from '@ecp/service-kit/print-sdl';
import { ledgerSchema } from './schema';

writeSubgraphSdl('ledger', ledgerSchema);
