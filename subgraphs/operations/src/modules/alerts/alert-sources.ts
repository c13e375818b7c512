import type { EventEnvelope } from '@ecp/events/event';
import { Outbox } from '@ecp/events/outbox';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { OperationsRuntime } from '../../runtime';
import { OPERATIONS_TOPICS } from '../../topics';
import { type Alert, AlertEntity } from './alert.entity';
import { RESOLVE_STALE_ALERT_JOB } from './alert.jobs';
import type { AlertRuleId } from './alert-rules';
import { type AlertSignal, type AlertWrite, fireAlert, resolveAlert } from './alert-sink';
import { alertTimings } from './alert-timings';

/** What an event of another subgraph means for alerts: raise one, resolve one, or nothing. */
export type AlertSourceEffect =
  | { fire: AlertSignal; resolveWhenStale: boolean }
  | { resolve: { rule: AlertRuleId; labels: Record<string, string> } }
  | null;

/**
 * Maps a consumed event to its alert (the attributes are those of the topics' schemas in
 * `schema/events/`): a divergence above threshold fires its jurisdiction's alert, valued at the
 * score, resolved once no new exceedance came for a while; a held decision fires its own alert,
 * resolved when it is committed or rejected.
 */
export function alertSourceEffect(event: EventEnvelope): AlertSourceEffect {
  const a = event.attributes;
  const decision = event.key.id ?? '';
  switch (event.topic) {
    case 'divergenceThresholdExceeded':
      return {
        fire: {
          rule: 'divergence-threshold-exceeded',
          labels: { jurisdiction: a.jurisdiction ?? '' },
          summary: `Decision ${decision} (${a.category}, agent ${a.agentId}) diverged ${a.score} from its advice, above ${a.jurisdiction}'s threshold ${a.threshold} (${a.weightsVersion})`,
          value: Number(a.score),
        },
        resolveWhenStale: true,
      };
    case 'decisionHeld':
      return {
        fire: {
          rule: 'decision-held-waiting',
          labels: { jurisdiction: a.jurisdiction ?? '', decision },
          summary: `Decision ${decision} (${a.category}, agent ${a.agentId}) is held (${a.holdReasons}): it needs ${a.approvalsNeeded} approval(s) before ${a.expiresAt}`,
        },
        resolveWhenStale: false,
      };
    case 'decisionStatusChanged':
      if (a.status !== 'COMMITTED' && a.status !== 'REJECTED') return null;
      return {
        resolve: { rule: 'decision-held-waiting', labels: { jurisdiction: a.jurisdiction ?? '', decision } },
      };
    default:
      return null;
  }
}

/** The outbox alerts are written with where a job or consumer has none (operations publishes no topic yet). */
export function outboxOr(outbox: Outbox | undefined): Outbox {
  return outbox ?? new Outbox({ schema: 'operations', topics: OPERATIONS_TOPICS });
}

/**
 * Applies one event: fires or resolves its alert in the consumer's transaction; a fired divergence
 * alert gets its staleness timer (one job per alert and last sighting).
 */
export async function applyAlertSource(w: AlertWrite, event: EventEnvelope): Promise<Alert | null> {
  const effect = alertSourceEffect(event);
  if (!effect) return null;
  if ('resolve' in effect) return resolveAlert(w, effect.resolve.rule, effect.resolve.labels);
  const alert = await fireAlert(w, effect.fire);
  if (effect.resolveWhenStale) {
    const { divergenceResolveMs } = alertTimings(w.runtime.settings);
    await w.runtime.jobs.enqueue(
      RESOLVE_STALE_ALERT_JOB,
      { alertId: alert.id },
      { delayMs: divergenceResolveMs, jobId: `resolve-stale-${alert.id}-${alert.lastSeenAt.getTime()}` },
    );
  }
  return alert;
}

/**
 * Resolves a firing divergence alert that was not seen again for DIVERGENCE_ALERT_RESOLVE_MS; one
 * seen since is left firing (its later timer decides).
 */
export async function resolveIfStale(
  em: EntityManager,
  runtime: OperationsRuntime,
  alertId: string,
): Promise<'resolved' | 'fresh' | 'not-firing'> {
  return em.transactional(async (tx) => {
    const alert = await tx.findOne(
      AlertEntity,
      { id: alertId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    if (alert?.status !== 'FIRING') return 'not-firing';
    const { divergenceResolveMs } = alertTimings(runtime.settings);
    if (alert.lastSeenAt.getTime() + divergenceResolveMs > runtime.now().getTime()) return 'fresh';
    await resolveAlert({ tx, outbox: outboxOr(undefined), runtime }, alert.rule as AlertRuleId, alert.labels);
    return 'resolved';
  });
}
