import { writeSubgraphSdl } from '@ecp/service-kit/print-sdl';
import { advisorySchema } from './schema';

writeSubgraphSdl('advisory', advisorySchema);
