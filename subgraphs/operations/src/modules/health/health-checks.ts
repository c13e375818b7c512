import { newId } from '@ecp/db/ids';
import type { Outbox } from '@ecp/events/outbox';
import type { Logger } from '@ecp/logging/logger';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import pLimit from 'p-limit';
import type { OperationsRuntime } from '../../runtime';
import { HEALTH_CHANGED } from '../../topics';
import { fireAlert, resolveAlert } from '../alerts/alert-sink';
import { type Environment, EnvironmentEntity, type HealthRun, HealthRunEntity } from './health.entities';
import { judge, nextHealthState } from './health-judgement';
import { caPemOf, HealthProber, type ProbeResult } from './health-probe';

/** What a check run needs, in a request (`checkEnvironmentsNow`) or in the scheduled job. */
export interface HealthCheckWork {
  /** An EntityManager to fork from: each environment's result is written in its own transaction. */
  em: EntityManager;
  outbox: Outbox;
  runtime: OperationsRuntime;
  logger: Logger;
}

/**
 * Checks every environment now, at most HEALTH_CHECK_CONCURRENCY at once, and records each result as
 * soon as it comes (so memory holds the checks in flight, not the run): the run, the environment's
 * counters and status, a `healthChanged` event when the status changed, and the alerts — all in one
 * transaction per environment. Answers the runs written, by environment name.
 */
export async function checkAllEnvironments(work: HealthCheckWork): Promise<HealthRun[]> {
  const { settings } = work.runtime;
  const environments = await work.em
    .fork()
    .find(EnvironmentEntity, {}, { fields: ['id', 'url', 'method'], orderBy: { name: 'asc' } });
  const prober = new HealthProber({
    timeoutMs: settings.HEALTH_CHECK_TIMEOUT_MS,
    maxBodyBytes: settings.HEALTH_MAX_BODY_BYTES,
    extraCaPem: caPemOf(settings.HEALTH_TLS_CA_FILE),
  });
  const limit = pLimit(settings.HEALTH_CHECK_CONCURRENCY);
  try {
    const runs = await Promise.all(
      environments.map((environment) =>
        limit(async () => recordCheck(work, environment.id, await prober.probe(environment))),
      ),
    );
    return runs.filter((run): run is HealthRun => run !== null);
  } finally {
    await prober.close();
  }
}

/**
 * Records one probe of an environment (locked, so that two runs at once count each check once).
 * Null when the environment was removed meanwhile.
 */
export async function recordCheck(
  work: HealthCheckWork,
  environmentId: string,
  probe: ProbeResult,
): Promise<HealthRun | null> {
  const { runtime, outbox } = work;
  const { settings } = runtime;
  return work.em.fork().transactional(async (tx) => {
    const environment = await tx.findOne(
      EnvironmentEntity,
      { id: environmentId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    if (!environment) return null;
    const now = runtime.now();
    const verdict = judge(environment, probe, {
      now,
      certificateWarningDays: settings.HEALTH_CERT_WARNING_DAYS,
      maxBodyBytes: settings.HEALTH_MAX_BODY_BYTES,
    });
    const run = tx.create(HealthRunEntity, {
      id: newId(),
      environmentId,
      at: now,
      statusCode: probe.statusCode,
      latencyMs: probe.latencyMs,
      ok: verdict.ok,
      slow: verdict.slow,
      failures: verdict.failures,
      certificateExpiresAt: probe.certificateExpiresAt,
    });
    const previousStatus = environment.status;
    Object.assign(environment, nextHealthState(environment, verdict.ok), { lastCheckedAt: now });
    if (probe.certificateExpiresAt) environment.certificateExpiresAt = probe.certificateExpiresAt;
    await tx.flush();
    if (environment.status !== previousStatus) {
      await outbox.write(tx, [
        {
          topic: HEALTH_CHANGED,
          key: { id: environment.id },
          attributes: { name: environment.name, status: environment.status, previousStatus },
        },
      ]);
      work.logger.info(
        { environment: environment.name, status: environment.status, previousStatus },
        'environment health changed',
      );
    }
    await raiseAlerts({ tx, outbox, runtime }, environment, previousStatus, run, verdict.certificateExpiring);
    return run;
  });
}

/** The alert rules health checks raise, each labelled `{ environment: <name> }`. */
export const HEALTH_ALERT_RULES = ['environment-down', 'environment-slow', 'certificate-expiring'] as const;

/**
 * The alerts a check raises or resolves: `environment-down` while UNHEALTHY (resolved when it turns HEALTHY),
 * `environment-slow` while answering later than its objective, `certificate-expiring` while the
 * certificate is within its warning window. Firing again refreshes the same alert (its fingerprint).
 */
async function raiseAlerts(
  w: { tx: EntityManager; outbox: Outbox; runtime: OperationsRuntime },
  environment: Environment,
  previousStatus: Environment['status'],
  run: HealthRun,
  certificateExpiring: boolean,
): Promise<void> {
  const labels = { environment: environment.name };
  if (environment.status === 'UNHEALTHY') {
    await fireAlert(w, {
      rule: 'environment-down',
      labels,
      summary: `${environment.name} is down: ${run.failures.join('; ')}`,
      value: environment.consecutiveFailures,
    });
  } else if (environment.status === 'HEALTHY' && previousStatus !== 'HEALTHY') {
    // Raised and resolved only in these transactions: a HEALTHY environment has none firing.
    await resolveAlert(w, 'environment-down', labels);
  }
  if (run.statusCode !== null && environment.latencyObjectiveMs != null) {
    if (run.slow) {
      await fireAlert(w, {
        rule: 'environment-slow',
        labels,
        summary: `${environment.name} answered in ${run.latencyMs} ms, over its ${environment.latencyObjectiveMs} ms objective`,
        value: run.latencyMs,
      });
    } else {
      await resolveAlert(w, 'environment-slow', labels);
    }
  }
  if (run.certificateExpiresAt) {
    if (certificateExpiring) {
      const days = (run.certificateExpiresAt.getTime() - run.at.getTime()) / (24 * 3600 * 1000);
      await fireAlert(w, {
        rule: 'certificate-expiring',
        labels,
        summary: `${environment.name}'s certificate expires ${run.certificateExpiresAt.toISOString()} (in ${Math.floor(days)} days)`,
        value: days,
      });
    } else {
      await resolveAlert(w, 'certificate-expiring', labels);
    }
  }
}

/**
 * Bounds the history: runs older than HEALTH_HISTORY_DAYS go, and each environment keeps its newest
 * HEALTH_HISTORY_MAX_RUNS. Answers how many runs were deleted.
 */
export async function pruneHealthHistory(em: EntityManager, runtime: OperationsRuntime): Promise<number> {
  const { settings } = runtime;
  const connection = em.getConnection();
  const cutoff = new Date(runtime.now().getTime() - settings.HEALTH_HISTORY_DAYS * 24 * 3600 * 1000);
  const old = await connection.execute<{ affectedRows?: number }>(
    'delete from operations.health_run where at < ?',
    [cutoff],
    'run',
  );
  const beyond = await connection.execute<{ affectedRows?: number }>(
    `delete from operations.health_run where id in (
       select id from (
         select id, row_number() over (partition by environment_id order by at desc, id desc) as place
         from operations.health_run) ranked
       where place > ?)`,
    [settings.HEALTH_HISTORY_MAX_RUNS],
    'run',
  );
  return (old.affectedRows ?? 0) + (beyond.affectedRows ?? 0);
}
