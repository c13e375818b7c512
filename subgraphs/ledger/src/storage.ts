import { AgentEntity } from './modules/agents/agent.entity';
import { ApiKeyEntity } from './modules/api-keys/api-key.entity';
import { DecisionReviewEntity, HeldDecisionEntity } from './modules/firewall/held-decision.entity';
import {
  AgentKeyEntity,
  CheckpointEntity,
  DecisionEntity,
  EntryEntity,
} from './modules/ledger/ledger.entities';
import { LiabilityRulesEntity } from './modules/liability/liability-rules.entity';
import { PersonEntity, PersonSessionEntity } from './modules/people/person.entity';

export const LEDGER_ENTITIES = [
  AgentEntity,
  ApiKeyEntity,
  AgentKeyEntity,
  EntryEntity,
  CheckpointEntity,
  DecisionEntity,
  HeldDecisionEntity,
  DecisionReviewEntity,
  LiabilityRulesEntity,
  PersonEntity,
  PersonSessionEntity,
];

/** The role the ledger works as: SELECT and INSERT only on the append-only tables (UPDATE on the registry and on held decisions). */
export const LEDGER_SERVICE_ROLE = 'ecp_ledger_writer';

/** What the ledger keeps and where, as its GraphQL assembly and its jobs both open it. */
export const LEDGER_STORAGE = {
  dbSchema: 'ledger',
  entities: LEDGER_ENTITIES,
  sessionRole: LEDGER_SERVICE_ROLE,
};
