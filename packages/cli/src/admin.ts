import { openOrm } from '@ecp/db/orm';
import type { Logger } from '@ecp/logging/logger';
import { AgentEntity } from '@ecp/subgraph-ledger/modules/agents/agent.entity';
import { bootstrapAdmin, type RegisteredAgent } from '@ecp/subgraph-ledger/modules/agents/agent.service';
import { ApiKeyEntity } from '@ecp/subgraph-ledger/modules/api-keys/api-key.entity';

/** Creates the first admin if there is none; returns its key (shown this once) or null. */
export async function ensureFirstAdmin(databaseUrl: string, logger: Logger): Promise<RegisteredAgent | null> {
  const orm = await openOrm({
    databaseUrl,
    schema: 'ledger',
    entities: [AgentEntity, ApiKeyEntity],
    logger,
    poolMax: 1,
  });
  try {
    return await bootstrapAdmin(orm.em.fork());
  } finally {
    await orm.close(true);
  }
}
