import { isUuid, newId } from '@ecp/db/ids';
import { BadUserInputError, ForbiddenError, NotFoundError, UnauthenticatedError } from '@ecp/errors/errors';
import { AccessTokenError, type IssuedToken, issueAccessToken } from '@ecp/identity/access-token';
import { hasRole, type Principal, ROLES, type Role } from '@ecp/identity/principal';
import { ancestors, isJurisdiction, readJurisdiction } from '@ecp/jurisdictions/jurisdiction';
import type { Logger } from '@ecp/logging/logger';
import { type KeysetPage, timeIdCursor, timeIdKeyset } from '@ecp/service-kit/keyset';
import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { z } from 'zod';
import { issueApiKey } from '../api-keys/api-key.service';
import { type Agent, AgentEntity } from './agent.entity';

/** A jurisdiction path (`EU`, `EU/DE`, `US/CA/SF`); a refusal names the level at fault. */
export const jurisdictionSchema = z.string().superRefine((text, ctx) => {
  const reading = readJurisdiction(text);
  if (!reading.ok) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a jurisdiction path such as EU or EU/DE: ${reading.problem}`,
    });
  }
});

const registerInputSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
    roles: z
      .array(z.enum(ROLES))
      .min(1, 'must name at least one role')
      .nullish()
      .transform((r) => [...new Set(r ?? ['AGENT'])] as Role[]),
    jurisdictions: z
      .array(jurisdictionSchema)
      .max(50, 'at most 50 jurisdictions')
      .nullish()
      .transform((j) => [...new Set(j ?? [])]),
    organisation: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(128, 'must be at most 128 characters')
      .nullish()
      .transform((o) => o ?? null),
  })
  // An agent acts only where it is registered to: with no jurisdictions it could act nowhere.
  .refine((input) => !input.roles.includes('AGENT') || input.jurisdictions.length > 0, {
    path: ['jurisdictions'],
    message: 'an agent (role AGENT) must act in at least one jurisdiction, e.g. ["EU/DE"]',
  });

export type RegisterAgentInput = z.input<typeof registerInputSchema>;

export interface RegisteredAgent {
  agent: Agent;
  /** Shown once; only its hash is stored. */
  apiKey: string;
}

interface AgentServiceDeps {
  em: EntityManager;
  principal: Principal;
  logger: Logger;
  tokenSecret: string;
  accessTokenMaxTtlSeconds: number;
}

/** The registry of agents and people: who they are, what roles they hold, and their credentials. */
export class AgentService {
  private readonly byId: DataLoader<string, Agent | null>;

  constructor(private readonly deps: AgentServiceDeps) {
    this.byId = new DataLoader(async (ids) => {
      const rows = await deps.em.find(AgentEntity, { id: { $in: [...ids] } });
      const found = new Map(rows.map((a) => [a.id, a]));
      return ids.map((id) => found.get(id) ?? null);
    });
  }

  /** The calling agent, or null when the caller is one of ECP's own services. */
  async me(): Promise<Agent | null> {
    const { principal } = this.deps;
    if (principal.kind !== 'agent') return null;
    return this.byId.load(principal.id);
  }

  /** Any authenticated caller may look an agent up by id. Throws NOT_FOUND for an unknown one. */
  async get(id: string): Promise<Agent> {
    if (!isUuid(id))
      throw new BadUserInputError(`"${id}" is not an agent id.`, [{ path: 'id', reason: 'must be a UUID' }]);
    const agent = await this.byId.load(id);
    if (!agent) throw new NotFoundError(`No agent has id ${id}.`);
    return agent;
  }

  /** Resolves a federation reference; unknown ids resolve to null rather than failing the whole query. */
  async findForReference(id: string): Promise<Agent | null> {
    return isUuid(id) ? this.byId.load(id) : null;
  }

  /**
   * One page of agents in registration order, by keyset: rows after `after` and before `before`,
   * `limit` of them, walking backwards when `inverted` (for `last`). Analysts, operators and admins only.
   */
  async list(page: KeysetPage, filter: { actingIn?: string | null } = {}): Promise<Agent[]> {
    const { principal } = this.deps;
    // ECP's services may list the agents of a jurisdiction (the advisory service finds a poll's
    // voters so), and no more: the whole registry is for people.
    const serviceAskingForVoters = principal.kind === 'service' && Boolean(filter.actingIn);
    if (!serviceAskingForVoters && !hasRole(principal, 'ANALYST', 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError(
        'Listing agents needs the ANALYST, OPERATOR or ADMIN role (ECP services may list those acting in a jurisdiction).',
      );
    }
    const { where, orderBy } = timeIdKeyset('createdAt', page, 'oldest-first');
    if (filter.actingIn) {
      if (!isJurisdiction(filter.actingIn)) {
        throw new BadUserInputError(`"${filter.actingIn}" is not a jurisdiction.`, [
          { path: 'actingIn', reason: 'must be a jurisdiction path such as EU/DE' },
        ]);
      }
      // Software agents that may act there: registered for it or for a jurisdiction above it.
      where.push({
        roles: { $contains: ['AGENT'] },
        jurisdictions: { $overlap: [filter.actingIn, ...ancestors(filter.actingIn)] },
      });
    }
    return this.deps.em.find(AgentEntity, where.length ? { $and: where } : {}, {
      orderBy,
      limit: page.limit,
    });
  }

  static cursorOf(agent: Agent): string {
    return timeIdCursor(agent.createdAt, agent.id);
  }

  /** Registers an agent or person and returns its first API key. Admins only. */
  async register(input: RegisterAgentInput): Promise<RegisteredAgent> {
    if (!hasRole(this.deps.principal, 'ADMIN'))
      throw new ForbiddenError('Registering agents needs the ADMIN role.');
    const parsed = registerInputSchema.safeParse(input);
    if (!parsed.success) {
      const details = parsed.error.issues.map((i) => ({
        path: ['input', ...i.path].join('.'),
        reason: i.message,
      }));
      throw new BadUserInputError(
        `Invalid agent: ${details.map((d) => `${d.path} ${d.reason}`).join('; ')}.`,
        details,
      );
    }
    const createdBy = this.deps.principal.kind === 'agent' ? this.deps.principal.id : null;
    const registered = await createAgentWithKey(this.deps.em, { ...parsed.data, createdBy });
    this.deps.logger.info(
      { agentId: registered.agent.id, roles: registered.agent.roles },
      'agent registered',
    );
    return registered;
  }

  /**
   * Mints a short-lived bearer token for the caller itself, bound to the API key the caller used: it
   * stops working when that key is revoked, and a token minted with a token expires no later than it.
   */
  async issueAccessToken(ttlSeconds: number | null | undefined): Promise<IssuedToken> {
    const { principal, tokenSecret, accessTokenMaxTtlSeconds } = this.deps;
    if (principal.kind !== 'agent' || !principal.credential)
      throw new UnauthenticatedError('Only agents and people holding an API key can mint access tokens.');
    if (principal.credential.apiKeyId === undefined)
      throw new ForbiddenError(
        'A sign-in session cannot mint access tokens: tokens descend from an API key, so authenticate with one.',
      );
    const ttl = ttlSeconds ?? Math.min(900, accessTokenMaxTtlSeconds);
    if (!Number.isInteger(ttl) || ttl < 60 || ttl > accessTokenMaxTtlSeconds) {
      throw new BadUserInputError(`ttlSeconds must be between 60 and ${accessTokenMaxTtlSeconds}.`, [
        { path: 'ttlSeconds', reason: `must be an integer in [60, ${accessTokenMaxTtlSeconds}]` },
      ]);
    }
    const agent = await this.get(principal.id);
    try {
      return await issueAccessToken(
        { ...principalOf(agent), credential: principal.credential },
        tokenSecret,
        ttl,
      );
    } catch (err) {
      if (err instanceof AccessTokenError)
        throw new UnauthenticatedError('The access token used has expired.');
      throw err;
    }
  }
}

export function principalOf(agent: Agent): Principal {
  return {
    kind: 'agent',
    id: agent.id,
    name: agent.name,
    roles: agent.roles,
    jurisdictions: agent.jurisdictions,
  };
}

async function createAgentWithKey(
  em: EntityManager,
  fields: {
    name: string;
    roles: Role[];
    jurisdictions: string[];
    organisation: string | null;
    createdBy: string | null;
  },
): Promise<RegisteredAgent> {
  return em.transactional(async (tx) => {
    const agent = tx.create(AgentEntity, { id: newId(), ...fields, createdAt: new Date() });
    // The key references the agent; without a mapped relation the unit of work does not order them.
    await tx.flush();
    const { apiKey } = await issueApiKey(tx, agent.id, null);
    return { agent, apiKey };
  });
}

/** Who ran a recovery and why, as `ecp admin recover` was told and the machine saw it. */
export interface AdminRecoveryRequest {
  name: string;
  reason: string;
  /** `user@host` of whoever ran the command. */
  runBy: string;
}

export interface AdminRecovery extends RegisteredAgent {
  recoveryId: string;
  recoveredAt: Date;
}

/**
 * A new admin for a ledger whose admins have lost their keys: the way back for whoever holds the
 * database (nobody else can run it). Recorded in `ledger.admin_recovery` in the same transaction,
 * with the reason, who ran it and the database role used, so the recovery is visible afterwards.
 * The lost keys are left as they are: revoke them with the new admin (`revokeApiKey`).
 */
export async function recoverAdmin(em: EntityManager, request: AdminRecoveryRequest): Promise<AdminRecovery> {
  const reason = request.reason.trim();
  if (reason.length < 10 || reason.length > 1000) {
    throw new BadUserInputError('Say why the admin is recovered, in 10 to 1,000 characters.', [
      { path: 'reason', reason: 'between 10 and 1000 characters' },
    ]);
  }
  return em.transactional(async (tx) => {
    const created = await createAgentWithKey(tx, {
      name: request.name,
      roles: ['ADMIN'],
      jurisdictions: [],
      organisation: null,
      createdBy: null,
    });
    const recoveryId = newId();
    const [row] = await tx
      .getConnection()
      .execute<{ recovered_at: Date }[]>(
        'insert into ledger.admin_recovery (id, agent_id, reason, run_by, database_user) values (?, ?, ?, ?, current_user) returning recovered_at',
        [recoveryId, created.agent.id, reason, request.runBy],
        'all',
        tx.getTransactionContext(),
      );
    return { ...created, recoveryId, recoveredAt: new Date(row!.recovered_at) };
  });
}

/**
 * Creates the first admin when no admin exists yet, and returns its key (the only time it is shown).
 * Several processes starting at once agree on one admin: they serialise on an advisory lock.
 */
export async function bootstrapAdmin(em: EntityManager, name = 'admin'): Promise<RegisteredAgent | null> {
  return em.transactional(async (tx) => {
    const connection = tx.getConnection();
    const ctx = tx.getTransactionContext();
    await connection.execute("select pg_advisory_xact_lock(hashtext('ecp:bootstrap-admin'))", [], 'all', ctx);
    const admins = await connection.execute(
      "select 1 from ledger.agent where 'ADMIN' = any (roles) limit 1",
      [],
      'all',
      ctx,
    );
    if (admins.length > 0) return null;
    return createAgentWithKey(tx, {
      name,
      roles: ['ADMIN'],
      jurisdictions: [],
      organisation: null,
      createdBy: null,
    });
  });
}
