import { newId } from '@ecp/db/ids';
import { BadUserInputError, UnauthenticatedError } from '@ecp/errors/errors';
import type { Principal } from '@ecp/identity/principal';
import { generateSessionToken, hashToken } from '@ecp/identity/session-token';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AgentEntity } from '../agents/agent.entity';
import { principalOf } from '../agents/agent.service';
import { assertAcceptablePassword, hashPassword, passwordMatches } from './password';
import { PersonEntity, PersonSessionEntity } from './person.entity';

/** How long sessions live: at most `ttlMs` after sign-in, and `idleMs` after they were last used. */
export interface SessionSettings {
  ttlMs: number;
  idleMs: number;
}

export interface OpenedSession {
  /** Given to the browser once (as the cookie); ECP keeps its SHA-256. */
  token: string;
  sessionId: string;
  expiresAt: Date;
  principal: Principal;
  email: string;
}

const WRONG = 'Wrong email or password.';

/** Emails compare as written, trimmed and lowercased. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Sets a person's password with the one-time setup token an admin handed them: the token is spent,
 * and every session the person had is ended (a reset is how a lost or leaked password is replaced).
 */
export async function setPassword(em: EntityManager, setupToken: string, password: string): Promise<string> {
  assertAcceptablePassword(password);
  const passwordHash = await hashPassword(password);
  return em.transactional(async (tx) => {
    const person = await tx.findOne(
      PersonEntity,
      { setupTokenHash: hashToken(setupToken) },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (!person?.setupTokenExpiresAt || person.setupTokenExpiresAt <= new Date()) {
      throw new UnauthenticatedError(
        'This password setup link is unknown, used or expired: ask an admin for a new one.',
      );
    }
    person.passwordHash = passwordHash;
    person.passwordSetAt = new Date();
    person.setupTokenHash = null;
    person.setupTokenExpiresAt = null;
    await endSessionsOf(tx, person.agentId);
    return person.email;
  });
}

/**
 * Signs a person in by email and password and opens a session. Every failure — unknown email, no
 * password set yet, wrong password — is the same UNAUTHENTICATED answer, taking the same time.
 */
export async function signIn(
  em: EntityManager,
  credentials: { email: unknown; password: unknown },
  meta: { address?: string | undefined; userAgent?: string | undefined },
  settings: SessionSettings,
): Promise<OpenedSession> {
  const { email, password } = credentials;
  if (typeof email !== 'string' || email.length === 0 || email.length > 254) {
    throw new BadUserInputError('Give the email you were registered with.', [
      { path: 'email', reason: 'required, at most 254 characters' },
    ]);
  }
  if (typeof password !== 'string' || password.length === 0 || password.length > 1024) {
    throw new BadUserInputError('Give your password.', [{ path: 'password', reason: 'required' }]);
  }
  const person = await em.findOne(PersonEntity, { email: normaliseEmail(email) });
  const matches = await passwordMatches(person?.passwordHash ?? null, password);
  const agent = matches && person ? await em.findOne(AgentEntity, { id: person.agentId }) : null;
  if (!person || !agent) throw new UnauthenticatedError(WRONG);
  const token = generateSessionToken();
  const now = new Date();
  const session = em.create(PersonSessionEntity, {
    id: newId(),
    agentId: agent.id,
    tokenHash: hashToken(token),
    createdAt: now,
    expiresAt: new Date(now.getTime() + settings.ttlMs),
    lastSeenAt: now,
    revokedAt: null,
    address: meta.address?.slice(0, 64) ?? null,
    userAgent: meta.userAgent?.slice(0, 256) ?? null,
  });
  await em.flush();
  return {
    token,
    sessionId: session.id,
    expiresAt: session.expiresAt,
    principal: principalOf(agent),
    email: person.email,
  };
}

/** Ends the session whose token hashes to `tokenHash` (sign-out); nothing when there is none. */
export async function endSession(em: EntityManager, tokenHash: string): Promise<void> {
  await em
    .getConnection()
    .execute(
      'update ledger.person_session set revoked_at = now() where token_hash = ? and revoked_at is null',
      [tokenHash],
    );
}

/** Ends every live session of a person (password set or reset, roles changed by an admin). */
export async function endSessionsOf(em: EntityManager, agentId: string): Promise<void> {
  await em
    .getConnection()
    .execute(
      'update ledger.person_session set revoked_at = now() where agent_id = ? and revoked_at is null',
      [agentId],
      'all',
      em.getTransactionContext(),
    );
}

/**
 * Who holds the live session with this token hash, if any — the gateway's question about every
 * request with a session cookie. Records its use in the same statement: a session unused for
 * `idleMs` has ended.
 */
export async function resolveLiveSession(
  em: EntityManager,
  tokenHash: string,
  settings: SessionSettings,
): Promise<{ principal: Principal; sessionId: string } | null> {
  const rows = (await em.getConnection().execute(
    `update ledger.person_session set last_seen_at = now()
      where token_hash = ? and revoked_at is null and expires_at > now()
        and last_seen_at > now() - make_interval(secs => ?)
      returning id, agent_id`,
    [tokenHash, settings.idleMs / 1000],
  )) as { id: string; agent_id: string }[];
  const row = rows[0];
  if (!row) return null;
  const agent = await em.findOne(AgentEntity, { id: row.agent_id });
  return agent ? { principal: principalOf(agent), sessionId: row.id } : null;
}
