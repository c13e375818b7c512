import { AgentEntity } from './modules/agents/agent.entity';
import { ApiKeyEntity } from './modules/api-keys/api-key.entity';
import {
  AgentKeyEntity,
  CheckpointEntity,
  DecisionEntity,
  EntryEntity,
} from './modules/ledger/ledger.entities';
import { LiabilityRulesEntity } from './modules/liability/liability-rules.entity';

export const LEDGER_ENTITIES = [
  AgentEntity,
  ApiKeyEntity,
  AgentKeyEntity,
  EntryEntity,
  CheckpointEntity,
  DecisionEntity,
  LiabilityRulesEntity,
];

/** The role the ledger works as: SELECT and INSERT only on the append-only tables. */
export const LEDGER_SERVICE_ROLE = 'ecp_ledger_writer';

/** What the ledger keeps and where, as its GraphQL assembly and its jobs both open it. */
export const LEDGER_STORAGE = {
  dbSchema: 'ledger',
  entities: LEDGER_ENTITIES,
  sessionRole: LEDGER_SERVICE_ROLE,
};
