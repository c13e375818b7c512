import { writeSubgraphSdl } from '@ecp/service-kit/print-sdl';
import { learningSchema } from './schema';

writeSubgraphSdl('learning-consortium', learningSchema);
