import type { OperationsSettings } from '../../settings';

/** The grouping timers, in milliseconds. */
export interface AlertTimings {
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  divergenceResolveMs: number;
}

/**
 * The timers from the settings, each falling back to its default when a runtime was built with
 * partial settings (a test of another part), so that grouping never computes with NaN.
 */
export function alertTimings(settings: Partial<OperationsSettings>): AlertTimings {
  return {
    groupWaitMs: settings.ALERT_GROUP_WAIT_MS ?? 30_000,
    groupIntervalMs: settings.ALERT_GROUP_INTERVAL_MS ?? 300_000,
    repeatIntervalMs: settings.ALERT_REPEAT_INTERVAL_MS ?? 4 * 3600_000,
    divergenceResolveMs: settings.DIVERGENCE_ALERT_RESOLVE_MS ?? 3600_000,
  };
}
