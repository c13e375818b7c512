import type { Outbox } from '@ecp/events/outbox';
import { defineJob, type JobContext } from '@ecp/jobs/job-definition';
import { z } from 'zod';
import { type OperationsRuntime, runtimeOf } from '../../runtime';
import {
  type BreakGlassWork,
  dueSessionIds,
  expireIfDue,
  recordClosedEntry,
  unrecordedSessionIds,
} from './break-glass-lifecycle';

class SessionNotDueError extends Error {}

/** How often the sweep looks for sessions past their expiry whose timer was lost. */
export const EXPIRE_DUE_BREAK_GLASS_EVERY_MS = 60_000;

function workOf(context: JobContext, runtime: OperationsRuntime): BreakGlassWork {
  const outbox: Outbox | undefined = context.outbox;
  if (!outbox) throw new Error('the operations work publishes breakGlassChanged: its outbox is missing');
  return { em: context.orm.em.fork(), outbox, services: context.services, runtime, logger: context.logger };
}

/** The job id of a session's timer: enqueuing it twice schedules one. */
export function expiryJobId(sessionId: string): string {
  return `expire-break-glass-${sessionId}`;
}

/**
 * A session's timer, delayed to its expiry when it opens: ends it (`EXPIRED`) with its ledger entry,
 * review and notices. `runtimeFor` gives the clock and queues (the workers': the process's own; tests
 * give another clock).
 */
export function expireBreakGlassJob(runtimeFor: (context: JobContext) => OperationsRuntime = runtimeOf) {
  return defineJob({
    queue: 'operations.expire-break-glass',
    data: z.object({ sessionId: z.uuid() }),
    async process({ sessionId }, context) {
      const outcome = await expireIfDue(workOf(context, runtimeFor(context)), sessionId);
      // A clock running behind the web process's: try again shortly.
      if (outcome === 'not-due') throw new SessionNotDueError(`session ${sessionId} is not due yet`);
      return outcome;
    },
    retry: { attempts: 20, backoff: { type: 'fixed', delayMs: 1_000 } },
  });
}

export const EXPIRE_BREAK_GLASS_JOB = expireBreakGlassJob();

/**
 * The safety net behind the timers: ends every unclosed session past its expiry, and appends the
 * closed entries a down ledger kept from being appended.
 */
export function expireDueBreakGlassJob(runtimeFor: (context: JobContext) => OperationsRuntime = runtimeOf) {
  return defineJob({
    queue: 'operations.expire-due-break-glass',
    data: z.object({}),
    async process(_data, context) {
      const runtime = runtimeFor(context);
      const due = await dueSessionIds(context.orm.em.fork(), runtime.now());
      let expired = 0;
      for (const id of due) {
        if ((await expireIfDue(workOf(context, runtime), id)) === 'expired') expired++;
      }
      if (expired > 0)
        context.logger.warn({ expired }, 'expired break-glass sessions whose timers had not fired');
      // Closes whose ledger entry could not be appended then (the ledger was down): appended now.
      let recorded = 0;
      for (const id of await unrecordedSessionIds(context.orm.em.fork())) {
        if ((await recordClosedEntry(workOf(context, runtime), id))?.closedEntryIndex) recorded++;
      }
      if (recorded > 0) context.logger.warn({ recorded }, 'recorded break-glass closes in the ledger late');
      return { expired, recorded };
    },
    scheduler: {
      id: 'operations.expire-due-break-glass',
      everyMs: EXPIRE_DUE_BREAK_GLASS_EVERY_MS,
      data: {},
    },
  });
}

export const EXPIRE_DUE_BREAK_GLASS_JOB = expireDueBreakGlassJob();
