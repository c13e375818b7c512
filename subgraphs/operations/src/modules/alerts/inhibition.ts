import type { AlertRuleId } from './alert-rules';

/**
 * An inhibition, as Alertmanager declares them: while an alert of `source` fires, alerts of the
 * `targets` rules with the same values of the `equal` labels are muted (not notified; shown as
 * inhibited), because the source explains them.
 */
export interface InhibitionRule {
  source: AlertRuleId;
  targets: readonly AlertRuleId[];
  equal: readonly string[];
}

/** An environment that is down is also slow and its certificate checks fail: say it once. */
export const INHIBITION_RULES: readonly InhibitionRule[] = [
  {
    source: 'environment-down',
    targets: ['environment-slow', 'certificate-expiring'],
    equal: ['environment'],
  },
];

/** The inhibitions whose targets include `rule`. */
export function inhibitionsOf(rule: string): InhibitionRule[] {
  return INHIBITION_RULES.filter((r) => (r.targets as readonly string[]).includes(rule));
}

/** The inhibitions `rule` is the source of. */
export function inhibitionsBy(rule: string): InhibitionRule[] {
  return INHIBITION_RULES.filter((r) => r.source === rule);
}

/** Whether a firing `source` alert inhibits `target` under `inhibition`. */
export function inhibits(
  inhibition: InhibitionRule,
  source: { rule: string; labels: Record<string, string> },
  target: { rule: string; labels: Record<string, string> },
): boolean {
  return (
    source.rule === inhibition.source &&
    (inhibition.targets as readonly string[]).includes(target.rule) &&
    inhibition.equal.every(
      (name) => source.labels[name] !== undefined && source.labels[name] === target.labels[name],
    )
  );
}
