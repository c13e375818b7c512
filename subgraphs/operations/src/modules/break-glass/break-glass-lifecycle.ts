import type { Outbox } from '@ecp/events/outbox';
import type { Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { ServiceDirectory } from '@ecp/service-kit/service-directory';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { APPEND_LEDGER_ENTRY } from '../../ledger/ledger-operations';
import type { OperationsRuntime } from '../../runtime';
import { BREAK_GLASS_CHANGED } from '../../topics';
import { notify } from '../delivery/notifier';
import {
  type BreakGlassCloseReason,
  BreakGlassReviewEntity,
  type BreakGlassSession,
  BreakGlassSessionEntity,
} from './break-glass-session.entity';

/** The ledger entry kinds operations records of a session. */
export const BREAK_GLASS_OPENED_KIND = 'ecp.break-glass-opened/v1';
export const BREAK_GLASS_CLOSED_KIND = 'ecp.break-glass-closed/v1';

/** What a change of a session needs, in a request or a job: its database, outbox, the ledger, the clock. */
export interface BreakGlassWork {
  em: EntityManager;
  outbox: Outbox;
  services: ServiceDirectory;
  runtime: OperationsRuntime;
  logger: Logger;
  /** The person the change is made for (their request); none for the system (expiry). */
  actingFor?: Principal;
  requestId?: string;
}

/** What `breakGlassChanged` says happened. */
export type BreakGlassChange = 'OPENED' | 'CLOSED' | 'EXPIRED' | 'REVIEWED';

/** Open means neither closed nor past its expiry. */
export function isSessionActive(session: BreakGlassSession, now: Date): boolean {
  return session.closedAt == null && session.expiresAt.getTime() > now.getTime();
}

/** The thread every notification about one session belongs to (one GitHub issue per session). */
export function sessionThread(id: string): string {
  return `break-glass:${id}`;
}

/** The idempotency key of a session's ledger entry and notification for one event. */
export function sessionEventKey(id: string, event: 'opened' | 'closed'): string {
  return `break-glass:${id}:${event}`;
}

/** Writes the `breakGlassChanged` event of a change, in the caller's transaction. */
export async function announce(
  tx: EntityManager,
  outbox: Outbox,
  session: BreakGlassSession,
  change: BreakGlassChange,
): Promise<void> {
  await outbox.write(tx, [
    {
      topic: BREAK_GLASS_CHANGED,
      key: { id: session.id },
      attributes: { change, operatorId: session.operatorId },
    },
  ]);
}

/**
 * Appends one of a session's ledger entries through the ledger's append command, as operations'
 * service identity (acting for the person, when there is one). Idempotent on the session and event:
 * a retried close or expiry appends once and gets the first entry's index back.
 */
export async function appendSessionEntry(
  w: BreakGlassWork,
  kind: typeof BREAK_GLASS_OPENED_KIND | typeof BREAK_GLASS_CLOSED_KIND,
  session: BreakGlassSession,
  body: Record<string, unknown>,
): Promise<string> {
  const { appendLedgerEntry } = await w.services.client('ledger').request(
    APPEND_LEDGER_ENTRY,
    {
      input: {
        kind,
        body,
        idempotencyKey: sessionEventKey(session.id, kind === BREAK_GLASS_OPENED_KIND ? 'opened' : 'closed'),
      },
    },
    {
      ...(w.actingFor ? { actingFor: w.actingFor } : {}),
      ...(w.requestId ? { requestId: w.requestId } : {}),
      logger: w.logger,
    },
  );
  return appendLedgerEntry.index;
}

/** A session's time left, in words, for notifications. */
function minutesLeft(session: BreakGlassSession, now: Date): string {
  const seconds = Math.max(0, Math.round((session.expiresAt.getTime() - now.getTime()) / 1000));
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** The notification every channel gets at once when a session opens. */
export function openedNotice(session: BreakGlassSession, operatorName: string, now: Date) {
  return {
    kind: 'BREAK_GLASS' as const,
    subject: `Break glass: ${operatorName} opened an emergency session`,
    markdown: [
      `**${operatorName}** (\`${session.operatorId}\`) broke the glass at ${session.openedAt.toISOString()}.`,
      '',
      `> ${session.reason}`,
      '',
      `- Session: \`${session.id}\``,
      `- Incident: ${session.incidentId ? `\`${session.incidentId}\`` : 'none'}`,
      `- Expires: ${session.expiresAt.toISOString()} (${minutesLeft(session, now)} left); it cannot be extended.`,
      `- Ledger entry: ${session.openedEntryIndex ?? 'pending'}`,
      '',
      'While it is open this operator may commit decisions the Liability Firewall holds. Another operator reviews the session once it closes.',
    ].join('\n'),
    threadKey: sessionThread(session.id),
    action: 'OPEN' as const,
    channels: 'ALL' as const,
    idempotencyKey: sessionEventKey(session.id, 'opened'),
  };
}

function closedNotice(session: BreakGlassSession) {
  const how =
    session.closeReason === 'EXPIRED'
      ? `expired at ${session.closedAt!.toISOString()}`
      : `was closed by \`${session.closedBy}\` at ${session.closedAt!.toISOString()}`;
  return {
    kind: 'BREAK_GLASS' as const,
    subject: `Break glass: session ${session.id} ${session.closeReason === 'EXPIRED' ? 'expired' : 'closed'}`,
    markdown: [
      `The break-glass session \`${session.id}\` of \`${session.operatorId}\` ${how}.`,
      '',
      `> ${session.reason}`,
      '',
      '- A review by another operator is now open (`reviewBreakGlass`).',
    ].join('\n'),
    threadKey: sessionThread(session.id),
    action: 'CLOSE' as const,
    channels: 'ALL' as const,
    idempotencyKey: sessionEventKey(session.id, 'closed'),
  };
}

/** The session, locked for the rest of the transaction: a close and an expiry of it happen one at a time. */
export async function lockSession(tx: EntityManager, id: string): Promise<BreakGlassSession | null> {
  return tx.findOne(BreakGlassSessionEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
}

/**
 * Ends a locked, unclosed session in the caller's transaction: closed by a person (`CLOSED`), or by
 * itself (`EXPIRED`, at its expiry time). Opens the review, notifies every channel and announces the
 * change. Its ledger entry is appended once this commits (`recordClosedEntry`), from the stored row:
 * a retry appends the very same entry once, and a ledger that is down never keeps a session open.
 */
export async function endLockedSession(
  tx: EntityManager,
  w: BreakGlassWork,
  session: BreakGlassSession,
  end: { reason: 'CLOSED'; by: string } | { reason: 'EXPIRED' },
): Promise<BreakGlassSession> {
  const now = w.runtime.now();
  const reason: BreakGlassCloseReason = end.reason;
  session.closedAt = reason === 'EXPIRED' ? session.expiresAt : now;
  session.closeReason = reason;
  session.closedBy = end.reason === 'CLOSED' ? end.by : null;
  tx.create(BreakGlassReviewEntity, {
    sessionId: session.id,
    status: 'OPEN',
    reviewerId: null,
    note: null,
    createdAt: now,
    reviewedAt: null,
  });
  await tx.flush();
  await notify({ tx, runtime: w.runtime }, closedNotice(session));
  await announce(tx, w.outbox, session, reason);
  w.logger.info({ sessionId: session.id, closeReason: reason }, 'break-glass session ended');
  return session;
}

/**
 * Appends the `ecp.break-glass-closed/v1` entry of a closed session that has none yet and records its
 * index; the session as it is then (unchanged when it is open or already recorded). Idempotent: the
 * body is the stored row's and the key the session's, so any number of tries append one entry.
 */
export async function recordClosedEntry(w: BreakGlassWork, id: string): Promise<BreakGlassSession | null> {
  const em = w.em.fork();
  const session = await em.findOne(BreakGlassSessionEntity, { id });
  if (!session?.closedAt || session.closedEntryIndex) return session;
  const index = await appendSessionEntry(w, BREAK_GLASS_CLOSED_KIND, session, {
    sessionId: session.id,
    operatorId: session.operatorId,
    closeReason: session.closeReason,
    closedBy: session.closedBy ?? null,
    openedAt: session.openedAt.toISOString(),
    closedAt: session.closedAt.toISOString(),
  });
  await em.nativeUpdate(BreakGlassSessionEntity, { id, closedEntryIndex: null }, { closedEntryIndex: index });
  session.closedEntryIndex = index;
  return session;
}

/**
 * Expires a session whose time has come (its delayed job, the sweep, a new open by its operator), and
 * records its closed entry if that is still missing. Answers what it did: a session already closed, or
 * not due yet by the runtime's clock, is left as it is.
 */
export async function expireIfDue(
  w: BreakGlassWork,
  id: string,
): Promise<'expired' | 'already-closed' | 'not-due' | 'unknown'> {
  const outcome = await w.em.transactional(async (tx) => {
    const session = await lockSession(tx, id);
    if (!session) return 'unknown' as const;
    if (session.closedAt) return 'already-closed' as const;
    if (session.expiresAt.getTime() > w.runtime.now().getTime()) return 'not-due' as const;
    await endLockedSession(tx, w, session, { reason: 'EXPIRED' });
    return 'expired' as const;
  });
  if (outcome === 'expired' || outcome === 'already-closed') await recordClosedEntry(w, id);
  return outcome;
}

/** Closed sessions whose ledger entry is still missing (a ledger that was down), oldest first. */
export async function unrecordedSessionIds(em: EntityManager, limit = 500): Promise<string[]> {
  const rows = await em.find(
    BreakGlassSessionEntity,
    { closedAt: { $ne: null }, closedEntryIndex: null },
    { fields: ['id'], orderBy: { closedAt: 'asc' }, limit },
  );
  return rows.map((s) => s.id);
}

/** Unclosed sessions past their expiry, oldest first: what the sweep ends. */
export async function dueSessionIds(em: EntityManager, now: Date, limit = 500): Promise<string[]> {
  const due = await em.find(
    BreakGlassSessionEntity,
    { closedAt: null, expiresAt: { $lte: now } },
    { fields: ['id'], orderBy: { expiresAt: 'asc' }, limit },
  );
  return due.map((s) => s.id);
}
