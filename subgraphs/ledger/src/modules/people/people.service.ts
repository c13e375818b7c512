import { isUuid, newId } from '@ecp/db/ids';
import { ConflictError, ForbiddenError, NotFoundError } from '@ecp/errors/errors';
import { hasRole, type Principal, type Role } from '@ecp/identity/principal';
import { generateSetupToken, hashToken } from '@ecp/identity/session-token';
import type { Logger } from '@ecp/logging/logger';
import { parseOrRefuse } from '@ecp/service-kit/input-problems';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { type Agent, AgentEntity } from '../agents/agent.entity';
import { jurisdictionSchema } from '../agents/agent.service';
import { PersonEntity, type PersonSession, PersonSessionEntity } from './person.entity';
import { endSessionsOf, normaliseEmail } from './sign-in';

const PERSON_ROLES = ['ANALYST', 'OPERATOR', 'ADMIN'] as const;

const createPersonSchema = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  email: z
    .string()
    .trim()
    .max(254, 'must be at most 254 characters')
    .pipe(z.email('must be an email address'))
    .transform(normaliseEmail),
  roles: z
    .array(z.enum(PERSON_ROLES, 'people hold ANALYST, OPERATOR or ADMIN (AGENT is for software agents)'))
    .min(1, 'must name at least one role')
    .transform((r) => [...new Set(r)] as Role[]),
  jurisdictions: z
    .array(jurisdictionSchema)
    .max(50, 'at most 50 jurisdictions')
    .nullish()
    .transform((j) => [...new Set(j ?? [])]),
});

/** As the schema takes it: roles are checked here, so AGENT arrives and is refused with BAD_USER_INPUT. */
export type CreatePersonInput = Omit<z.input<typeof createPersonSchema>, 'roles'> & {
  roles: readonly string[];
};

/** A one-time token with which a person sets their password; shown once, only its hash is kept. */
export interface PasswordSetup {
  person: Agent;
  email: string;
  setupToken: string;
  setupTokenExpiresAt: Date;
}

interface Deps {
  em: EntityManager;
  principal: Principal;
  logger: Logger;
  /** How long a setup token works. */
  setupTokenTtlMs: number;
}

/**
 * People who sign in with a password: an admin creates them (name, email, roles) and hands them a
 * one-time setup token; resets the password (a new token, every session ended); a person sees and
 * ends their own sessions, an admin anyone's.
 */
export class PeopleService {
  constructor(private readonly deps: Deps) {}

  async create(input: CreatePersonInput): Promise<PasswordSetup> {
    this.assertAdmin('create people');
    const { name, email, roles, jurisdictions } = parseOrRefuse(
      'Invalid person',
      createPersonSchema,
      input,
      'input',
    );
    const { em, principal } = this.deps;
    const setupToken = generateSetupToken();
    const setupTokenExpiresAt = new Date(Date.now() + this.deps.setupTokenTtlMs);
    try {
      const person = await em.transactional(async (tx) => {
        const agent = tx.create(AgentEntity, {
          id: newId(),
          name,
          roles,
          jurisdictions,
          organisation: null,
          createdAt: new Date(),
          createdBy: principal.kind === 'agent' ? principal.id : null,
        });
        await tx.flush();
        tx.create(PersonEntity, {
          agentId: agent.id,
          email,
          passwordHash: null,
          passwordSetAt: null,
          setupTokenHash: hashToken(setupToken),
          setupTokenExpiresAt,
          createdAt: new Date(),
        });
        await tx.flush();
        return agent;
      });
      this.deps.logger.info({ agentId: person.id, roles }, 'person created');
      return { person, email, setupToken, setupTokenExpiresAt };
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        throw new ConflictError(`A person with email ${email} already exists.`, [
          { path: 'input.email', reason: 'already registered' },
        ]);
      }
      throw err;
    }
  }

  /** A new setup token for a person; their password stops working and every session ends. */
  async resetPassword(personId: string): Promise<PasswordSetup> {
    this.assertAdmin('reset passwords');
    const { em } = this.deps;
    const setupToken = generateSetupToken();
    const setupTokenExpiresAt = new Date(Date.now() + this.deps.setupTokenTtlMs);
    const done = await em.transactional(async (tx) => {
      const person = isUuid(personId) ? await tx.findOne(PersonEntity, { agentId: personId }) : null;
      const agent = person ? await tx.findOne(AgentEntity, { id: person.agentId }) : null;
      if (!person || !agent) throw new NotFoundError(`No person has id ${personId}.`);
      person.passwordHash = null;
      person.passwordSetAt = null;
      person.setupTokenHash = hashToken(setupToken);
      person.setupTokenExpiresAt = setupTokenExpiresAt;
      await tx.flush();
      await endSessionsOf(tx, person.agentId);
      return { person: agent, email: person.email };
    });
    this.deps.logger.info({ agentId: personId }, 'password reset; sessions ended');
    return { ...done, setupToken, setupTokenExpiresAt };
  }

  /** The email of a person, to themselves and to admins; null for agents and for anyone else. */
  async emailOf(agentId: string): Promise<string | null> {
    if (!this.ownOrAdmin(agentId)) return null;
    return (await this.deps.em.findOne(PersonEntity, { agentId }))?.email ?? null;
  }

  /** The live sessions of a person, newest first: to themselves and to admins. */
  async sessionsOf(agentId: string): Promise<PersonSession[]> {
    if (!this.ownOrAdmin(agentId))
      throw new ForbiddenError('Only the person themselves or an admin may see their sessions.');
    return this.deps.em.find(
      PersonSessionEntity,
      { agentId, revokedAt: null, expiresAt: { $gt: new Date() } },
      { orderBy: { createdAt: 'desc' }, limit: 50 },
    );
  }

  /** Ends a session now: the person's own, or anyone's for an admin. Idempotent. */
  async revokeSession(id: string): Promise<PersonSession> {
    const { em } = this.deps;
    const session = isUuid(id) ? await em.findOne(PersonSessionEntity, { id }) : null;
    if (!session || !this.ownOrAdmin(session.agentId)) throw new NotFoundError(`No session has id ${id}.`);
    if (!session.revokedAt) {
      session.revokedAt = new Date();
      await em.flush();
      this.deps.logger.info({ sessionId: id, agentId: session.agentId }, 'session revoked');
    }
    return session;
  }

  /** Whether the caller is signed in with this session (to mark the current one in a list). */
  isCurrent(session: PersonSession): boolean {
    return this.deps.principal.credential?.sessionId === session.id;
  }

  private ownOrAdmin(agentId: string): boolean {
    const { principal } = this.deps;
    return (principal.kind === 'agent' && principal.id === agentId) || hasRole(principal, 'ADMIN');
  }

  private assertAdmin(what: string): void {
    if (!hasRole(this.deps.principal, 'ADMIN')) throw new ForbiddenError(`Only admins may ${what}.`);
  }
}
