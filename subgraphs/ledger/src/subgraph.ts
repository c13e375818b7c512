import { identitySecrets } from '@ecp/service-kit/subgraph-env';
import type { SubgraphDefinition } from '@ecp/service-kit/subgraph-runtime';
import { createLedgerContext, type LedgerContext } from './context';
import type { LedgerConfig } from './env';
import { AgentEntity } from './modules/agents/agent.entity';
import { ApiKeyEntity } from './modules/agents/api-key.entity';
import { mountApiKeyLookup } from './modules/agents/api-key-lookup.route';
import { ledgerSchema } from './schema';

export const LEDGER_ENTITIES = [AgentEntity, ApiKeyEntity];

export function ledgerSubgraph(config: LedgerConfig): SubgraphDefinition<LedgerContext> {
  const settings = {
    tokenSecret: config.ECP_TOKEN_SECRET,
    accessTokenMaxTtlSeconds: config.ACCESS_TOKEN_MAX_TTL_SECONDS,
  };
  return {
    name: 'ledger',
    dbSchema: 'ledger',
    entities: LEDGER_ENTITIES,
    schema: ledgerSchema,
    createContext: (scope, orm) => createLedgerContext(scope, orm, settings),
    mount: (app, orm) => mountApiKeyLookup(app, orm, identitySecrets(config)),
  };
}
