import { writeSubgraphSdl } from '@ecp/service-kit/print-sdl';
import { operationsSchema } from './schema';

writeSubgraphSdl('operations', operationsSchema);
