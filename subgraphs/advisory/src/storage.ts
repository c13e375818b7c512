import { VoteEntity } from './modules/votes/vote.entity';

/** What this subgraph keeps and where, as its GraphQL assembly and its jobs both open it. */
export const ADVISORY_STORAGE = {
  dbSchema: 'advisory',
  entities: [VoteEntity],
};
