import { BreakGlassSessionEntity } from './modules/break-glass/break-glass-session.entity';

/** What this subgraph keeps and where, as its GraphQL assembly and its jobs both open it. */
export const OPERATIONS_STORAGE = {
  dbSchema: 'operations',
  entities: [BreakGlassSessionEntity],
};
