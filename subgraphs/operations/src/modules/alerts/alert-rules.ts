import type { AlertSeverity } from './alert.entity';

/** What raises an alert: each is a rule with a runbook in `docs/runbooks/`. */
export type AlertRuleId =
  | 'environment-down'
  | 'environment-slow'
  | 'certificate-expiring'
  | 'divergence-threshold-exceeded'
  | 'decision-held-waiting'
  | 'pm-report-missing'
  | 'queue-backing-up'
  | 'delivery-failed';

export interface AlertRule {
  /** One line naming the condition, for notifications and the graph. */
  title: string;
  severity: AlertSeverity;
  /** The labels whose values split this rule's alerts into groups (one notification per group). */
  groupBy: readonly string[];
  /** The runbook, a path in the repository. */
  runbook: string;
}

const runbook = (id: AlertRuleId) => `docs/runbooks/alert-${id}.md`;

/** Every rule operations knows, by id. */
export const ALERT_RULES: Readonly<Record<AlertRuleId, AlertRule>> = {
  'environment-down': {
    title: 'An environment fails its health checks',
    severity: 'critical',
    groupBy: ['environment'],
    runbook: runbook('environment-down'),
  },
  'environment-slow': {
    title: 'An environment answers slower than its latency objective',
    severity: 'warning',
    groupBy: ['environment'],
    runbook: runbook('environment-slow'),
  },
  'certificate-expiring': {
    title: "An environment's TLS certificate expires soon",
    severity: 'warning',
    groupBy: ['environment'],
    runbook: runbook('certificate-expiring'),
  },
  'divergence-threshold-exceeded': {
    title: "A decision diverged from its advice beyond its jurisdiction's threshold",
    severity: 'warning',
    groupBy: ['jurisdiction'],
    runbook: runbook('divergence-threshold-exceeded'),
  },
  'decision-held-waiting': {
    title: 'A decision held by the Liability Firewall waits for approval',
    severity: 'warning',
    groupBy: ['jurisdiction'],
    runbook: runbook('decision-held-waiting'),
  },
  'pm-report-missing': {
    title: 'The project-manager report is missing',
    severity: 'warning',
    groupBy: [],
    runbook: runbook('pm-report-missing'),
  },
  'queue-backing-up': {
    title: 'A queue is backing up',
    severity: 'warning',
    groupBy: ['queue'],
    runbook: runbook('queue-backing-up'),
  },
  'delivery-failed': {
    title: 'A notification channel failed to deliver',
    severity: 'warning',
    groupBy: ['channel'],
    runbook: runbook('delivery-failed'),
  },
};

export const ALERT_RULE_IDS = Object.keys(ALERT_RULES) as AlertRuleId[];

export function isAlertRuleId(value: string): value is AlertRuleId {
  return Object.hasOwn(ALERT_RULES, value);
}
