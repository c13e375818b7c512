import { isUuid, newId } from '@ecp/db/ids';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '@ecp/errors/errors';
import { hasRole, type Principal } from '@ecp/identity/principal';
import { type KeysetPage, timeIdCursor, timeIdKeyset } from '@ecp/service-kit/keyset';
import { LockMode } from '@mikro-orm/core';
import { z } from 'zod';
import type { OperationsServiceDeps } from '../../context';
import { notify } from '../delivery/notifier';
import { EXPIRE_BREAK_GLASS_JOB, expiryJobId } from './break-glass.jobs';
import {
  announce,
  appendSessionEntry,
  BREAK_GLASS_OPENED_KIND,
  type BreakGlassWork,
  endLockedSession,
  expireIfDue,
  isSessionActive,
  lockSession,
  openedNotice,
  recordClosedEntry,
} from './break-glass-lifecycle';
import {
  type BreakGlassReview,
  BreakGlassReviewEntity,
  type BreakGlassReviewStatus,
  type BreakGlassSession,
  BreakGlassSessionEntity,
} from './break-glass-session.entity';

/** A break-glass reason must say enough for a reviewer to judge it. */
export const MIN_REASON_LENGTH = 20;
export const MAX_REASON_LENGTH = 2000;
export const MAX_NOTE_LENGTH = 2000;

/** What `openBreakGlass` takes (the GraphQL input, unvalidated). */
export interface OpenBreakGlassInput {
  reason: string;
  incidentId?: string | null;
  durationMinutes?: number | null;
}

const problemsOf = (error: z.ZodError, prefix: string) =>
  error.issues.map((i) => ({ path: [prefix, ...i.path].join('.'), reason: i.message }));

/**
 * Break-glass sessions: an operator's time-boxed elevation past the Liability Firewall. Opening one
 * needs a reason, is capped per person (one open at a time, a few a day), is announced on every
 * channel and recorded in the ledger; it ends by itself at its expiry or by hand, and each end opens a
 * review that another operator must do.
 */
export class BreakGlassService {
  constructor(private readonly deps: OperationsServiceDeps) {}

  private work(): BreakGlassWork {
    const { em, outbox, services, runtime, logger, principal, requestId } = this.deps;
    return { em, outbox, services, runtime, logger, actingFor: principal, requestId };
  }

  /** Whether the session is open now, by this subgraph's clock. */
  isActive(session: BreakGlassSession): boolean {
    return isSessionActive(session, this.deps.runtime.now());
  }

  /** Seconds until it expires (0 once it is no longer active). */
  secondsLeft(session: BreakGlassSession): number {
    if (!this.isActive(session)) return 0;
    return Math.ceil((session.expiresAt.getTime() - this.deps.runtime.now().getTime()) / 1000);
  }

  /**
   * Opens a session for the caller (a person with OPERATOR or ADMIN): reason of at least 20
   * characters, an optional incident, at most `BREAK_GLASS_MAX_MINUTES` (15) minutes. CONFLICT when
   * the caller has one open or reached the daily cap. Recorded in the ledger
   * (`ecp.break-glass-opened/v1`), every channel notified, its expiry timer enqueued.
   */
  async open(input: OpenBreakGlassInput): Promise<BreakGlassSession> {
    const operator = this.requireOperator('Breaking the glass');
    const { settings } = this.deps.runtime;
    const parsed = z
      .object({
        reason: z
          .string()
          .trim()
          .min(MIN_REASON_LENGTH, `must be at least ${MIN_REASON_LENGTH} characters`)
          .max(MAX_REASON_LENGTH, `must be at most ${MAX_REASON_LENGTH} characters`),
        incidentId: z.uuid('must be an incident id (UUID)').nullish(),
        durationMinutes: z
          .number()
          .int('must be a whole number of minutes')
          .min(1, 'must be at least 1')
          .max(settings.BREAK_GLASS_MAX_MINUTES, `must be at most ${settings.BREAK_GLASS_MAX_MINUTES}`)
          .nullish(),
      })
      .safeParse(input);
    if (!parsed.success) {
      const problems = problemsOf(parsed.error, 'input');
      throw new BadUserInputError(
        `Invalid break glass: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
        problems,
      );
    }
    const { reason, incidentId, durationMinutes } = parsed.data;
    const minutes = Math.min(durationMinutes ?? settings.BREAK_GLASS_MAX_MINUTES, 15);
    const work = this.work();
    // A session of the caller's past its expiry whose timer has not run yet must not block a new one.
    for (const stale of await this.deps.em.find(
      BreakGlassSessionEntity,
      { operatorId: operator.id, closedAt: null, expiresAt: { $lte: this.deps.runtime.now() } },
      { fields: ['id'] },
    )) {
      await expireIfDue({ ...work, em: this.deps.em.fork() }, stale.id);
    }
    const session = await this.deps.em.transactional(async (tx) => {
      // One open at a time per person: the caller's opens are served one after the other.
      await tx
        .getConnection()
        .execute(
          'select pg_advisory_xact_lock(hashtext(?))',
          [`break-glass:${operator.id}`],
          'all',
          tx.getTransactionContext(),
        );
      const now = this.deps.runtime.now();
      const open = await tx.findOne(BreakGlassSessionEntity, { operatorId: operator.id, closedAt: null });
      if (open) {
        throw new ConflictError(
          `You already have break-glass session ${open.id} open until ${open.expiresAt.toISOString()}; close it first (sessions cannot be extended).`,
          [{ path: 'input', reason: `session ${open.id} is open` }],
        );
      }
      const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
      const today = await tx.count(BreakGlassSessionEntity, {
        operatorId: operator.id,
        openedAt: { $gte: dayStart },
      });
      if (today >= settings.BREAK_GLASS_DAILY_CAP) {
        throw new ConflictError(
          `You have opened ${today} break-glass sessions today (UTC), the most one person may (BREAK_GLASS_DAILY_CAP ${settings.BREAK_GLASS_DAILY_CAP}); ask another operator.`,
          [{ path: 'input', reason: `daily cap of ${settings.BREAK_GLASS_DAILY_CAP} reached` }],
        );
      }
      const row = tx.create(BreakGlassSessionEntity, {
        id: newId(),
        operatorId: operator.id,
        reason,
        incidentId: incidentId ?? null,
        openedAt: now,
        expiresAt: new Date(now.getTime() + minutes * 60_000),
        closedAt: null,
        closeReason: null,
        closedBy: null,
        openedEntryIndex: null,
        closedEntryIndex: null,
      });
      await tx.flush();
      row.openedEntryIndex = await appendSessionEntry({ ...work, em: tx }, BREAK_GLASS_OPENED_KIND, row, {
        sessionId: row.id,
        operatorId: row.operatorId,
        reason: row.reason,
        incidentId: row.incidentId ?? null,
        openedAt: row.openedAt.toISOString(),
        expiresAt: row.expiresAt.toISOString(),
      });
      await tx.flush();
      await notify({ tx, runtime: this.deps.runtime }, openedNotice(row, operator.name, now));
      await announce(tx, this.deps.outbox, row, 'OPENED');
      return row;
    });
    try {
      await this.deps.runtime.jobs.enqueue(
        EXPIRE_BREAK_GLASS_JOB,
        { sessionId: session.id },
        {
          delayMs: Math.max(0, session.expiresAt.getTime() - this.deps.runtime.now().getTime()),
          jobId: expiryJobId(session.id),
        },
      );
    } catch (err) {
      // The session is open either way; the sweep ends it at its time without the timer.
      this.deps.logger.warn({ err, sessionId: session.id }, 'could not schedule a break-glass expiry');
    }
    this.deps.logger.warn(
      { sessionId: session.id, expiresAt: session.expiresAt.toISOString(), incidentId: session.incidentId },
      'break glass opened',
    );
    return session;
  }

  /**
   * Closes an open session by hand: its operator, or an admin. A session already past its expiry is
   * ended as EXPIRED. CONFLICT when it was closed already. Its closed entry is appended once the close
   * commits; if the ledger cannot take it then, the sweep appends it later.
   */
  async close(id: string): Promise<BreakGlassSession> {
    const person = this.requireOperator('Closing a break-glass session');
    if (!isUuid(id)) {
      throw new BadUserInputError(`"${id}" is not a break-glass session id.`, [
        { path: 'id', reason: 'must be a UUID' },
      ]);
    }
    const closed = await this.deps.em.transactional(async (tx) => {
      const session = await lockSession(tx, id);
      if (!session) throw new NotFoundError(`No break-glass session has id ${id}.`);
      if (session.operatorId !== person.id && !hasRole(person, 'ADMIN')) {
        throw new ForbiddenError(
          'Only the operator who opened a break-glass session, or an admin, may close it.',
        );
      }
      if (session.closedAt) {
        throw new ConflictError(
          `Break-glass session ${id} was already ${session.closeReason === 'EXPIRED' ? 'expired' : 'closed'} at ${session.closedAt.toISOString()}.`,
          [{ path: 'id', reason: `the session is ${session.closeReason}` }],
        );
      }
      const expired = session.expiresAt.getTime() <= this.deps.runtime.now().getTime();
      return endLockedSession(
        tx,
        this.work(),
        session,
        expired ? { reason: 'EXPIRED' } : { reason: 'CLOSED', by: person.id },
      );
    });
    try {
      return (await recordClosedEntry(this.work(), id)) ?? closed;
    } catch (err) {
      // Closed either way (a ledger that is down never keeps a session open); the sweep appends it.
      this.deps.logger.warn({ err, sessionId: id }, 'could not record a break-glass close in the ledger yet');
      return closed;
    }
  }

  /**
   * Records the review of a closed session: by a person with OPERATOR or ADMIN other than the one who
   * broke the glass, with a note. CONFLICT when it is still open or was reviewed already.
   */
  async review(sessionId: string, note: string): Promise<BreakGlassSession> {
    const reviewer = this.requireOperator('Reviewing a break-glass session');
    const problems: { path: string; reason: string }[] = [];
    if (!isUuid(sessionId)) problems.push({ path: 'sessionId', reason: 'must be a UUID' });
    if (note.trim().length === 0) problems.push({ path: 'note', reason: 'must not be blank' });
    if (note.length > MAX_NOTE_LENGTH)
      problems.push({ path: 'note', reason: `must be at most ${MAX_NOTE_LENGTH} characters` });
    if (problems.length > 0) {
      throw new BadUserInputError(
        `Invalid review: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
        problems,
      );
    }
    return this.deps.em.transactional(async (tx) => {
      const session = await tx.findOne(BreakGlassSessionEntity, { id: sessionId });
      if (!session) throw new NotFoundError(`No break-glass session has id ${sessionId}.`);
      if (session.operatorId === reviewer.id) {
        throw new ForbiddenError('The operator who broke the glass may not review their own session.');
      }
      const review = await tx.findOne(
        BreakGlassReviewEntity,
        { sessionId },
        { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
      );
      if (!review) {
        throw new ConflictError(`Break-glass session ${sessionId} is still open; review it once it closes.`, [
          { path: 'sessionId', reason: 'the session is open' },
        ]);
      }
      if (review.status === 'REVIEWED') {
        throw new ConflictError(
          `Break-glass session ${sessionId} was reviewed by ${review.reviewerId} at ${review.reviewedAt?.toISOString()}.`,
          [{ path: 'sessionId', reason: 'already reviewed' }],
        );
      }
      review.status = 'REVIEWED';
      review.reviewerId = reviewer.id;
      review.note = note;
      review.reviewedAt = this.deps.runtime.now();
      await tx.flush();
      await announce(tx, this.deps.outbox, session, 'REVIEWED');
      return session;
    });
  }

  /** Sessions open now, soonest to expire first: the dashboard's banner. People only. */
  async active(): Promise<BreakGlassSession[]> {
    this.requirePerson();
    return this.deps.em.find(
      BreakGlassSessionEntity,
      { closedAt: null, expiresAt: { $gt: this.deps.runtime.now() } },
      { orderBy: { expiresAt: 'asc' }, limit: 100 },
    );
  }

  /** Reviews of closed sessions, oldest first, of one status or all (at most 100). Operators and admins. */
  async reviews(status: BreakGlassReviewStatus | null, limit: number): Promise<BreakGlassReview[]> {
    this.requireOperator('Listing break-glass reviews');
    return this.deps.em.find(BreakGlassReviewEntity, status ? { status } : {}, {
      orderBy: { createdAt: 'asc', sessionId: 'asc' },
      limit: Math.min(Math.max(limit, 1), 100),
    });
  }

  /** The review of a closed session; null while it is open. */
  async reviewOf(sessionId: string): Promise<BreakGlassReview | null> {
    return this.deps.em.findOne(BreakGlassReviewEntity, { sessionId });
  }

  /** A session by id for `_entities` (the gateway's subscription fetches): people only. */
  async findForReference(id: string): Promise<BreakGlassSession | null> {
    this.requirePerson();
    return isUuid(id) ? this.deps.em.findOne(BreakGlassSessionEntity, { id }) : null;
  }

  /** A session by id for the Liability Firewall's break-glass commit: ECP's services only. */
  async forUse(id: string): Promise<BreakGlassSession | null> {
    if (this.deps.principal.kind !== 'service') {
      throw new ForbiddenError('Only ECP services ask for a break-glass session for use.');
    }
    return isUuid(id) ? this.deps.em.findOne(BreakGlassSessionEntity, { id }) : null;
  }

  /** The sessions an operator opened, newest first. Visible to that operator, other operators and admins. */
  async listForOperator(operatorId: string, page: KeysetPage): Promise<BreakGlassSession[]> {
    const { principal } = this.deps;
    if (principal.id !== operatorId && !hasRole(principal, 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError(
        "Another agent's break-glass sessions are visible to operators and admins only.",
      );
    }
    const { where, orderBy } = timeIdKeyset('openedAt', page, 'newest-first');
    return this.deps.em.find(
      BreakGlassSessionEntity,
      { $and: [{ operatorId }, ...where] },
      { orderBy, limit: page.limit },
    );
  }

  /** Subscribing to `breakGlassChanged` is for the people who may read sessions. */
  checkSubscriber(): void {
    this.requirePerson();
  }

  static cursorOf(session: BreakGlassSession): string {
    return timeIdCursor(session.openedAt, session.id);
  }

  /** A person (not a service, not an agent's own identity) with OPERATOR or ADMIN. */
  private requireOperator(what: string): Principal {
    const { principal } = this.deps;
    if (principal.kind !== 'agent' || !hasRole(principal, 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError(`${what} needs the OPERATOR or ADMIN role.`);
    }
    return principal;
  }

  private requirePerson(): void {
    if (!hasRole(this.deps.principal, 'ANALYST', 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError('Break-glass sessions are visible to analysts, operators and admins.');
    }
  }
}
