import { defineConsumer, defineJob } from '@ecp/jobs/job-definition';
import { z } from 'zod';
import { runtimeOf } from '../../runtime';
import { DECISION_HELD, DECISION_STATUS_CHANGED, DIVERGENCE_THRESHOLD_EXCEEDED } from '../../topics';
import { dueGroups, flushAlertGroup } from './alert-groups';
import { applyAlertSource, outboxOr, resolveIfStale } from './alert-sources';

/**
 * A group's timer (group-wait, group-interval, repeat-interval, a silence's end): its data is the
 * group's id only; what to tell is recomputed from the rows when it runs, with the runtime's clock.
 */
export const FLUSH_ALERT_GROUP_JOB = defineJob({
  queue: 'operations.flush-alert-group',
  data: z.object({ groupId: z.uuid() }),
  async process({ groupId }, context) {
    const outcome = await flushAlertGroup(context.orm.em.fork(), runtimeOf(context), groupId);
    if (outcome.status === 'flushed' && outcome.action) {
      context.logger.info({ groupId, action: outcome.action }, 'alert group notified');
    }
    return outcome;
  },
});

/** How often the sweep looks for groups whose timer did not fire (lost with its Redis, say). */
export const FLUSH_DUE_ALERT_GROUPS_EVERY_MS = 60_000;

/** The safety net behind the group timers: flushes every group past its due time. */
export const FLUSH_DUE_ALERT_GROUPS_JOB = defineJob({
  queue: 'operations.flush-due-alert-groups',
  data: z.object({}),
  async process(_data, context) {
    const runtime = runtimeOf(context);
    const due = await dueGroups(context.orm.em.fork(), runtime.now(), 500);
    let notified = 0;
    for (const groupId of due) {
      const outcome = await flushAlertGroup(context.orm.em.fork(), runtime, groupId);
      if (outcome.status === 'flushed' && outcome.action) notified++;
    }
    if (due.length > 0)
      context.logger.warn({ due: due.length, notified }, 'flushed alert groups past their time');
    return { due: due.length, notified };
  },
  scheduler: { id: 'operations.flush-due-alert-groups', everyMs: FLUSH_DUE_ALERT_GROUPS_EVERY_MS, data: {} },
});

/** A divergence alert's staleness timer: resolves it when no exceedance came since. */
export const RESOLVE_STALE_ALERT_JOB = defineJob({
  queue: 'operations.resolve-stale-alert',
  data: z.object({ alertId: z.uuid() }),
  async process({ alertId }, context) {
    return resolveIfStale(context.orm.em.fork(), runtimeOf(context), alertId);
  },
});

/**
 * Alerts raised by other subgraphs' events: a divergence above threshold (advisory), a decision the
 * firewall holds and its end (ledger). Each event's alert commits with the event as applied.
 */
export const ALERT_SOURCES_CONSUMER = defineConsumer({
  name: 'operations.alert-sources',
  topics: [DIVERGENCE_THRESHOLD_EXCEEDED, DECISION_HELD, DECISION_STATUS_CHANGED],
  async handle(event, context) {
    await applyAlertSource(
      { tx: context.em, outbox: outboxOr(context.outbox), runtime: runtimeOf(context) },
      event,
    );
  },
});
