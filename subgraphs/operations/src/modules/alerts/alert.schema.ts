import { withPagingErrors } from '@ecp/service-kit/paging-errors';
import { type ResolveCursorConnectionArgs, resolveCursorConnection } from '@pothos/plugin-relay';
import { builder } from '../../builder';
import type { Alert } from './alert.entity';
import { AlertService } from './alert.service';

/** A label: one name and its value. */
export const LabelRef = builder.objectRef<{ name: string; value: string }>('Label').implement({
  description: 'A label of an alert (or a label a silence matches): a name and its value.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The label’s name, e.g. `environment`.' }),
    value: t.exposeString('value', { description: 'Its value.' }),
  }),
});

/** Labels sorted by name, as the graph shows them. */
export function labelList(labels: Record<string, string>): { name: string; value: string }[] {
  return Object.keys(labels)
    .sort()
    .map((name) => ({ name, value: labels[name] ?? '' }));
}

const AlertStatusEnum = builder.enumType('AlertStatus', {
  description: 'Whether an alert’s condition holds.',
  values: {
    FIRING: { description: 'The condition holds (it was seen, and not resolved since).' },
    RESOLVED: { description: 'The condition cleared.' },
  } as const,
});

const AlertSeverityEnum = builder.enumType('AlertSeverity', {
  description: 'How urgent an alert’s rule is.',
  values: {
    CRITICAL: { value: 'critical', description: 'Something is broken: act now.' },
    WARNING: { value: 'warning', description: 'Something needs attention soon.' },
    INFO: { value: 'info', description: 'For information.' },
  } as const,
});

export const AlertRef = builder.objectRef<Alert>('Alert').implement({
  description:
    'An alert: one rule’s condition for one set of labels. Repeats of the same condition (same fingerprint) refresh it; alerts are grouped into notifications by rule and label values.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    fingerprint: t.exposeString('fingerprint', {
      description: 'SHA-256 (hex) of the rule and its labels sorted by name: its identity.',
    }),
    rule: t.exposeString('rule', { description: 'The rule that raised it, e.g. `environment-down`.' }),
    labels: t.field({
      type: [LabelRef],
      description: 'What it is about, sorted by name.',
      resolve: (a) => labelList(a.labels),
    }),
    severity: t.field({
      type: AlertSeverityEnum,
      description: 'Its rule’s severity.',
      resolve: (a) => a.severity,
    }),
    summary: t.exposeString('summary', { description: 'One line: what was found, last time it was seen.' }),
    value: t.float({
      nullable: true,
      description: 'The measured value, where the rule has one (e.g. the divergence score).',
      resolve: (a) => (a.value === null || a.value === undefined ? null : Number(a.value)),
    }),
    status: t.field({ type: AlertStatusEnum, description: 'FIRING or RESOLVED.', resolve: (a) => a.status }),
    startsAt: t.field({
      type: 'DateTime',
      description: 'When it (last) started firing.',
      resolve: (a) => a.startsAt,
    }),
    lastSeenAt: t.field({
      type: 'DateTime',
      description: 'When its condition was last seen.',
      resolve: (a) => a.lastSeenAt,
    }),
    endsAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it resolved; null while firing.',
      resolve: (a) => a.endsAt ?? null,
    }),
    runbook: t.exposeString('runbook', {
      description: 'Its rule’s runbook, a path in the repository (docs/runbooks/alert-<rule>.md).',
    }),
    silenced: t.boolean({
      description: 'Firing, and muted now by a silence in force: not notified.',
      resolve: async (a, _args, ctx) => (await ctx.alerts.mutingOf(a)).silencedBy.length > 0,
    }),
    inhibited: t.boolean({
      description:
        'Firing, and muted now by a firing alert that explains it (e.g. its environment is down): not notified.',
      resolve: async (a, _args, ctx) => (await ctx.alerts.mutingOf(a)).inhibitedBy.length > 0,
    }),
  }),
});

const AlertFilter = builder.inputType('AlertFilter', {
  description: 'Narrows a list of alerts; all given conditions must hold.',
  fields: (t) => ({
    status: t.field({ type: AlertStatusEnum, required: false, description: 'FIRING or RESOLVED.' }),
    rule: t.string({ required: false, description: 'A rule id, e.g. `environment-down`.' }),
    severity: t.field({ type: AlertSeverityEnum, required: false, description: 'A severity.' }),
  }),
});

builder.queryFields((t) => ({
  alerts: t.connection(
    {
      type: AlertRef,
      description:
        'Alerts, newest first (by when they started firing), for analysts, operators and admins (Relay connection).',
      args: { filter: t.arg({ type: AlertFilter, required: false, description: 'Which alerts.' }) },
      resolve: (_root, args, ctx) =>
        withPagingErrors(() =>
          resolveCursorConnection(
            { args, toCursor: (a: Alert) => AlertService.cursorOf(a), defaultSize: 20, maxSize: 100 },
            (page: ResolveCursorConnectionArgs) =>
              ctx.alerts.list(
                {
                  status: args.filter?.status,
                  rule: args.filter?.rule,
                  severity: args.filter?.severity,
                },
                page,
              ),
          ),
        ),
    },
    { name: 'AlertConnection', description: 'A page of alerts.' },
    { name: 'AlertEdge', description: 'An alert and its cursor.' },
  ),
}));
