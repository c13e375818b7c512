import { isUuid, newId } from '@ecp/db/ids';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '@ecp/errors/errors';
import { apiKeyHint, generateApiKey, hashApiKey } from '@ecp/identity/api-key';
import { hasRole, type Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { AgentEntity } from '../agents/agent.entity';
import { principalOf } from '../agents/agent.service';
import { type ApiKey, ApiKeyEntity } from './api-key.entity';

/** Live keys one principal may hold at once: enough to rotate and to keep one per deployment. */
export const MAX_LIVE_KEYS = 10;
/** How long a rotated key keeps working beside its successor, by default and at most. */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 3600;
export const MAX_ROTATION_OVERLAP_SECONDS = 7 * 24 * 3600;

const nameSchema = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

export interface IssuedApiKey {
  /** Shown once; only its hash is stored. */
  apiKey: string;
  key: ApiKey;
}

export interface RotatedApiKey extends IssuedApiKey {
  /** The key rotated out: it works until its `revokedAt`. */
  previous: ApiKey;
}

interface Deps {
  em: EntityManager;
  principal: Principal;
  logger: Logger;
}

/**
 * API keys: listing them (hint and last use, never the key), issuing more, revoking and rotating.
 * A principal manages its own keys; an admin manages anyone's. Keys are created only with an API key,
 * never with an access token, so that a token cannot turn itself into a credential that outlives it.
 */
export class ApiKeyService {
  constructor(private readonly deps: Deps) {}

  /** The keys of `agentId`, oldest first: to the agent itself and to admins. */
  async forAgent(agentId: string): Promise<ApiKey[]> {
    this.assertManages(agentId, 'see the API keys of');
    return this.deps.em.find(ApiKeyEntity, { agentId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /** Issues another key for `agentId` (default: the caller). */
  async create(input: { agentId?: string | null; name?: string | null }): Promise<IssuedApiKey> {
    const { em, principal } = this.deps;
    const agentId = input.agentId ?? principal.id;
    if (!isUuid(agentId)) {
      throw new BadUserInputError(`"${agentId}" is not an agent id.`, [
        { path: 'input.agentId', reason: 'must be a UUID' },
      ]);
    }
    this.assertManages(agentId, 'create API keys for');
    this.assertNotViaToken('create API keys');
    const name = parseName(input.name, 'input.name');
    if (!(await em.findOne(AgentEntity, { id: agentId })))
      throw new NotFoundError(`No agent has id ${agentId}.`);
    const issued = await em.transactional(async (tx) => {
      await lockKeysOf(tx, agentId);
      await assertRoomForAnotherKey(tx, agentId);
      return issueApiKey(tx, agentId, name);
    });
    this.deps.logger.info({ keyId: issued.key.id, agentId }, 'API key created');
    return issued;
  }

  /** Revokes a key now (idempotent: a revoked key is returned as it is). */
  async revoke(id: string): Promise<ApiKey> {
    const { em, principal } = this.deps;
    const revoked = await em.transactional(async (tx) => {
      const key = await this.manageable(tx, id, 'revoke');
      const now = new Date();
      if (key.revokedAt && key.revokedAt <= now) return key;
      await assertNotLastAdminKey(tx, key);
      key.revokedAt = now;
      key.revokedBy = principal.kind === 'agent' ? principal.id : null;
      return key;
    });
    this.deps.logger.info({ keyId: revoked.id, agentId: revoked.agentId }, 'API key revoked');
    return revoked;
  }

  /**
   * Issues a successor beside `id` and revokes `id` after `overlapSeconds` (default one hour), so
   * that whatever uses the old key can move to the new one without an outage.
   */
  async rotate(id: string, overlapSeconds: number | null | undefined): Promise<RotatedApiKey> {
    const overlap = overlapSeconds ?? DEFAULT_ROTATION_OVERLAP_SECONDS;
    if (!Number.isInteger(overlap) || overlap < 0 || overlap > MAX_ROTATION_OVERLAP_SECONDS) {
      throw new BadUserInputError(`overlapSeconds must be between 0 and ${MAX_ROTATION_OVERLAP_SECONDS}.`, [
        { path: 'overlapSeconds', reason: `must be an integer in [0, ${MAX_ROTATION_OVERLAP_SECONDS}]` },
      ]);
    }
    this.assertNotViaToken('rotate API keys');
    const { em, principal } = this.deps;
    const rotated = await em.transactional(async (tx) => {
      const previous = await this.manageable(tx, id, 'rotate');
      if (previous.revokedAt) {
        throw new ConflictError(
          `API key ${id} is ${previous.revokedAt <= new Date() ? 'revoked' : 'already rotated'}; rotate a live key.`,
        );
      }
      await lockKeysOf(tx, previous.agentId);
      await assertRoomForAnotherKey(tx, previous.agentId);
      const issued = await issueApiKey(tx, previous.agentId, previous.name ?? null);
      previous.revokedAt = new Date(Date.now() + overlap * 1000);
      previous.revokedBy = principal.kind === 'agent' ? principal.id : null;
      return { ...issued, previous };
    });
    this.deps.logger.info(
      { keyId: rotated.key.id, previousKeyId: rotated.previous.id, overlapSeconds: overlap },
      'API key rotated',
    );
    return rotated;
  }

  private async manageable(em: EntityManager, id: string, verb: string): Promise<ApiKey> {
    const key = isUuid(id) ? await em.findOne(ApiKeyEntity, { id }) : null;
    if (!key) throw new NotFoundError(`No API key has id ${id}.`);
    this.assertManages(key.agentId, `${verb} the API keys of`);
    return key;
  }

  private assertManages(agentId: string, what: string): void {
    const { principal } = this.deps;
    const own = principal.kind === 'agent' && principal.id === agentId;
    if (!own && !hasRole(principal, 'ADMIN')) {
      throw new ForbiddenError(`Only the holder or an admin may ${what} an agent.`);
    }
  }

  private assertNotViaToken(what: string): void {
    if (this.deps.principal.credential?.expiresAt !== undefined) {
      throw new ForbiddenError(
        `Access tokens cannot ${what}: authenticate with an API key (a token must not outlive itself).`,
      );
    }
  }
}

/** Creates a key row for `agentId` in the caller's transaction and returns the key, shown this once. */
export async function issueApiKey(
  em: EntityManager,
  agentId: string,
  name: string | null,
): Promise<IssuedApiKey> {
  const apiKey = generateApiKey();
  const key = em.create(ApiKeyEntity, {
    id: newId(),
    agentId,
    keyHash: hashApiKey(apiKey),
    hint: apiKeyHint(apiKey),
    name,
    createdAt: new Date(),
    lastUsedAt: null,
    revokedAt: null,
    revokedBy: null,
  });
  await em.flush();
  return { apiKey, key };
}

/**
 * Who holds the live key with this hash or id, if any — the gateway's question about every credential
 * (a token names the key it descends from). Records the key's last use in the same statement.
 */
export async function resolveLiveApiKey(
  em: EntityManager,
  query: { keyHash: string } | { keyId: string },
): Promise<{ principal: Principal; apiKeyId: string } | null> {
  const [column, value] = 'keyHash' in query ? ['key_hash', query.keyHash] : ['id', query.keyId];
  const rows = (await em.getConnection().execute(
    `update ledger.api_key set last_used_at = now()
      where ${column} = ? and (revoked_at is null or revoked_at > now())
      returning id, agent_id`,
    [value],
  )) as { id: string; agent_id: string }[];
  const row = rows[0];
  if (!row) return null;
  const agent = await em.findOne(AgentEntity, { id: row.agent_id });
  return agent ? { principal: principalOf(agent), apiKeyId: row.id } : null;
}

function parseName(name: string | null | undefined, path: string): string | null {
  if (name == null) return null;
  const parsed = nameSchema.safeParse(name);
  if (!parsed.success) {
    throw new BadUserInputError(`Invalid key name: ${parsed.error.issues[0]!.message}.`, [
      { path, reason: parsed.error.issues[0]!.message },
    ]);
  }
  return parsed.data;
}

/** Serialises key changes of one agent, so that the live-key limit and the last-admin rule hold under races. */
async function lockKeysOf(em: EntityManager, agentId: string): Promise<void> {
  await em
    .getConnection()
    .execute(
      'select pg_advisory_xact_lock(hashtext(?))',
      [`ecp:api-keys:${agentId}`],
      'all',
      em.getTransactionContext(),
    );
}

async function assertRoomForAnotherKey(em: EntityManager, agentId: string): Promise<void> {
  const live = await em.count(ApiKeyEntity, {
    agentId,
    $or: [{ revokedAt: null }, { revokedAt: { $gt: new Date() } }],
  });
  if (live >= MAX_LIVE_KEYS) {
    throw new ConflictError(`An agent holds at most ${MAX_LIVE_KEYS} live API keys; revoke one first.`);
  }
}

/** Refuses to revoke the last live key of the last admin: nobody could manage the platform after. */
async function assertNotLastAdminKey(em: EntityManager, key: ApiKey): Promise<void> {
  const connection = em.getConnection();
  const ctx = em.getTransactionContext();
  await connection.execute("select pg_advisory_xact_lock(hashtext('ecp:api-keys:admins'))", [], 'all', ctx);
  const rows = (await connection.execute(
    `select
       (select 'ADMIN' = any (roles) from ledger.agent where id = ?) as is_admin,
       (select count(*)::int from ledger.api_key k join ledger.agent a on a.id = k.agent_id
         where 'ADMIN' = any (a.roles) and k.id <> ? and (k.revoked_at is null or k.revoked_at > now())) as others`,
    [key.agentId, key.id],
    'all',
    ctx,
  )) as { is_admin: boolean; others: number }[];
  if (rows[0]?.is_admin && rows[0].others === 0) {
    throw new ConflictError(
      'This is the last live API key of any admin: create another admin key first, or nobody could manage ECP.',
    );
  }
}
