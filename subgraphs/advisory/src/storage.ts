import { DivergenceEntity } from './modules/divergence/divergence.entity';
import { FrictionAssessmentEntity } from './modules/friction/friction-assessment.entity';
import { PollEntity } from './modules/polls/poll.entity';
import { VoteEntity } from './modules/votes/vote.entity';
import { WeightSetEntity } from './modules/weights/weight-set.entity';

/** What this subgraph keeps and where, as its GraphQL assembly and its jobs both open it. */
export const ADVISORY_STORAGE = {
  dbSchema: 'advisory',
  entities: [VoteEntity, PollEntity, FrictionAssessmentEntity, WeightSetEntity, DivergenceEntity],
};
