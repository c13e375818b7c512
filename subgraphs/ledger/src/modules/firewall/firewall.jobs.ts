import { defineJob } from '@ecp/jobs/job-definition';
import { defineOperation } from '@ecp/service-kit/service-operation';
import { z } from 'zod';

/**
 * Expiry runs in the ledger subgraph, which owns the append path: the jobs (hosted by the workers,
 * which call as the ledger service) ask it to reject what is past its time, as the system.
 */
const EXPIRE_HELD_DECISIONS = defineOperation<{ expireHeldDecisions: number }, { id?: string }>(`
  mutation LedgerExpireHeldDecisions($id: ID) { expireHeldDecisions(id: $id) }
`);

/** A held decision's timer: enqueued when it is held, delayed to its expiry (job id `expire-<decision id>`). */
export const EXPIRE_DECISION_JOB = defineJob({
  queue: 'ledger.expire-decision',
  data: z.object({ decisionId: z.string().uuid() }),
  async process({ decisionId }, { services, logger }) {
    const { expireHeldDecisions } = await services
      .client('ledger')
      .request(EXPIRE_HELD_DECISIONS, { id: decisionId }, { logger });
    // Zero when it was decided meanwhile, or when this clock ran ahead of the ledger's: the sweep
    // behind the timers rejects it then.
    if (expireHeldDecisions > 0) logger.info({ decisionId }, 'held decision expired at its time');
    return { expired: expireHeldDecisions };
  },
  retry: { attempts: 10, backoff: { type: 'exponential', delayMs: 1_000 } },
});

/** How often the sweep looks for held decisions past their time (a timer lost with its Redis, say). */
export const EXPIRE_DUE_DECISIONS_EVERY_MS = 60_000;

/** The safety net behind the timers: rejects every held decision whose time has passed. */
export const EXPIRE_DUE_DECISIONS_JOB = defineJob({
  queue: 'ledger.expire-due-decisions',
  data: z.object({}),
  async process(_data, { services, logger }) {
    const { expireHeldDecisions } = await services
      .client('ledger')
      .request(EXPIRE_HELD_DECISIONS, {}, { logger });
    if (expireHeldDecisions > 0)
      logger.warn({ expired: expireHeldDecisions }, 'expired held decisions whose timers had not fired');
    return { expired: expireHeldDecisions };
  },
  scheduler: { id: 'ledger.expire-due-decisions', everyMs: EXPIRE_DUE_DECISIONS_EVERY_MS, data: {} },
});
