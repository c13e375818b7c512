import type { Environment, HealthStatus } from './health.entities';
import { conditionFailure, parseCondition } from './health-condition';
import type { ProbeResult } from './health-probe';

/** What a check found, judged against the environment's expectations. */
export interface CheckVerdict {
  /** No failure: the expected status, every condition held, a response in time. */
  ok: boolean;
  /** A response came, later than the latency objective (not a failure). */
  slow: boolean;
  failures: string[];
  /** The https certificate expires within the warning window. */
  certificateExpiring: boolean;
}

const DAY_MS = 24 * 3600 * 1000;

/** Judges a probe: failed on another status, a condition that does not hold, or no response. */
export function judge(
  environment: Pick<Environment, 'expectedStatus' | 'conditions' | 'latencyObjectiveMs'>,
  probe: ProbeResult,
  options: { now: Date; certificateWarningDays: number; maxBodyBytes: number },
): CheckVerdict {
  const failures: string[] = [];
  if (probe.statusCode === null) {
    failures.push(probe.error ?? 'no response');
  } else {
    if (probe.statusCode !== environment.expectedStatus) {
      failures.push(`status ${probe.statusCode}, expected ${environment.expectedStatus}`);
    }
    failures.push(...conditionFailures(environment.conditions, probe, options.maxBodyBytes));
  }
  const objective = environment.latencyObjectiveMs;
  const expiresAt = probe.certificateExpiresAt;
  return {
    ok: failures.length === 0,
    slow: probe.statusCode !== null && objective != null && probe.latencyMs > objective,
    failures,
    certificateExpiring:
      expiresAt !== null &&
      expiresAt.getTime() - options.now.getTime() < options.certificateWarningDays * DAY_MS,
  };
}

function conditionFailures(sources: readonly string[], probe: ProbeResult, maxBodyBytes: number): string[] {
  if (sources.length === 0) return [];
  if (probe.bodyTooLarge) return [`body larger than ${maxBodyBytes} bytes: conditions not evaluated`];
  let body: unknown;
  try {
    body = JSON.parse(probe.body ?? '');
  } catch {
    return sources.map((s) => `${s}: the body is not JSON`);
  }
  return sources.flatMap((s) => {
    const failure = conditionFailure(parseCondition(s), body);
    return failure ? [failure] : [];
  });
}

/** An environment's counters and status after one more check. */
export interface HealthState {
  status: HealthStatus;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
}

/**
 * The thresholds (Gatus's, Uptime Kuma's retries): `failThreshold` failed checks in a row make an
 * environment UNHEALTHY, `successThreshold` passed ones in a row make it HEALTHY; anything fewer
 * leaves its status as it was (UNKNOWN until the first threshold is reached).
 */
export function nextHealthState(
  environment: HealthState & { failThreshold: number; successThreshold: number },
  ok: boolean,
): HealthState {
  if (ok) {
    const consecutiveSuccesses = environment.consecutiveSuccesses + 1;
    return {
      status: consecutiveSuccesses >= environment.successThreshold ? 'HEALTHY' : environment.status,
      consecutiveFailures: 0,
      consecutiveSuccesses,
    };
  }
  const consecutiveFailures = environment.consecutiveFailures + 1;
  return {
    status: consecutiveFailures >= environment.failThreshold ? 'UNHEALTHY' : environment.status,
    consecutiveFailures,
    consecutiveSuccesses: 0,
  };
}
