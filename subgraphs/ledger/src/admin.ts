import { openOrm } from '@ecp/db/orm';
import type { Logger } from '@ecp/logging/logger';
import { AgentEntity } from './modules/agents/agent.entity';
import {
  type AdminRecovery,
  type AdminRecoveryRequest,
  bootstrapAdmin,
  recoverAdmin,
} from './modules/agents/agent.service';
import { ApiKeyEntity } from './modules/api-keys/api-key.entity';

/** The first admin, as the operator gets it: who it is and its API key, which is shown only this once. */
export interface FirstAdmin {
  agentId: string;
  name: string;
  apiKey: string;
}

/**
 * The ledger's operator task, run by `ecp start` and `ecp bootstrap-admin` before any service answers:
 * creates the first admin when the ledger has none, and returns it with its key; returns null when an
 * admin exists already. Safe to run from several processes at once (they agree on one admin). Opens
 * and closes its own connection, so the caller needs nothing of the ledger but this function.
 */
export async function ensureFirstAdmin(databaseUrl: string, logger: Logger): Promise<FirstAdmin | null> {
  const orm = await openOrm({
    databaseUrl,
    schema: 'ledger',
    entities: [AgentEntity, ApiKeyEntity],
    logger,
    poolMax: 1,
  });
  try {
    const created = await bootstrapAdmin(orm.em.fork());
    return created && { agentId: created.agent.id, name: created.agent.name, apiKey: created.apiKey };
  } finally {
    await orm.close(true);
  }
}

/**
 * `ecp admin recover`: a new admin and its key when every admin key is lost, recorded in
 * `ledger.admin_recovery` with the reason and who ran it. Needs only the database (whoever holds it
 * holds the ledger's data anyway); opens and closes its own connection.
 */
export async function recoverAdminWithDatabase(
  databaseUrl: string,
  request: AdminRecoveryRequest,
  logger: Logger,
): Promise<AdminRecovery> {
  const orm = await openOrm({
    databaseUrl,
    schema: 'ledger',
    entities: [AgentEntity, ApiKeyEntity],
    logger,
    poolMax: 1,
  });
  try {
    return await recoverAdmin(orm.em.fork(), request);
  } finally {
    await orm.close(true);
  }
}
