import { withPagingErrors } from '@ecp/service-kit/paging-errors';
import { SUBSCRIPTION_ALLOWED, servedByGateway } from '@ecp/service-kit/subscription-fields';
import { type ResolveCursorConnectionArgs, resolveCursorConnection } from '@pothos/plugin-relay';
import { builder } from '../../builder';
import type {
  EscalationLevel,
  EscalationPolicy,
  Incident,
  IncidentAlert,
  IncidentEvent,
} from './incident.entities';
import { type IncidentEscalation, IncidentService } from './incident.service';

const IncidentSeverityEnum = builder.enumType('IncidentSeverity', {
  description: 'How bad an incident is, SEV1 the worst.',
  values: {
    SEV1: {
      description:
        'Critical: ECP or an environment is down, or data is at risk. Critical alerts open incidents at SEV1.',
    },
    SEV2: { description: 'Major: an important function is degraded for many.' },
    SEV3: { description: 'Minor: a function is degraded for some, with a workaround.' },
    SEV4: { description: 'Low: cosmetic, or a risk to look at during working hours.' },
  } as const,
});

const IncidentStatusEnum = builder.enumType('IncidentStatus', {
  description: 'Where an incident is: escalation runs only while it is OPEN.',
  values: {
    OPEN: { description: 'Nobody has acknowledged it yet: its escalation policy keeps telling more people.' },
    ACKNOWLEDGED: { description: 'Someone is on it; escalation stopped.' },
    RESOLVED: { description: 'Over (by hand, or with its last linked alert). Final.' },
  } as const,
});

const IncidentEventKindEnum = builder.enumType('IncidentEventKind', {
  description: 'What an entry of an incident’s timeline records.',
  values: {
    OPENED: { description: 'The incident opened.' },
    ALERT_LINKED: { description: 'An alert was linked to it (again, when it fired anew).' },
    ALERT_RESOLVED: { description: 'A linked alert resolved.' },
    ACKNOWLEDGED: { description: 'Someone acknowledged it.' },
    ESCALATED: { description: 'Nobody acknowledged in time: the next level of its policy was told.' },
    NOTIFIED: { description: 'A notice about it went to channels (its detail names them).' },
    RESOLVED: { description: 'Someone resolved it.' },
    AUTO_RESOLVED: { description: 'It resolved by itself: every linked alert had resolved.' },
    POSTMORTEM: { description: 'Its postmortem was written or rewritten.' },
    NOTE: { description: 'Someone added a note.' },
  } as const,
});

const IncidentEventRef = builder.objectRef<IncidentEvent>('IncidentEvent').implement({
  description: 'One entry of an incident’s timeline.',
  fields: (t) => ({
    at: t.field({ type: 'DateTime', description: 'When it happened.', resolve: (e) => e.at }),
    kind: t.field({ type: IncidentEventKindEnum, description: 'What happened.', resolve: (e) => e.kind }),
    actor: t.exposeString('actor', {
      description: 'Who did it: a person’s principal id, or `system` (alerts and escalation timers).',
    }),
    detail: t.string({
      description:
        'Its details as JSON text: e.g. `{"level":1,"round":0,"channels":["ops-slack"]}` for ESCALATED, the alert for ALERT_LINKED, the text of a NOTE.',
      resolve: (e) => JSON.stringify(e.detail ?? {}),
    }),
  }),
});

const IncidentAlertRef = builder.objectRef<IncidentAlert>('IncidentAlert').implement({
  description: 'An alert linked to an incident: the incident resolves by itself when all of its alerts have.',
  fields: (t) => ({
    alertId: t.id({ description: 'The alert’s id.', resolve: (a) => a.alertId }),
    fingerprint: t.exposeString('fingerprint', {
      description: 'The alert’s fingerprint (SHA-256 of its rule and labels).',
    }),
    rule: t.exposeString('rule', { description: 'The rule that raised it, e.g. `environment-down`.' }),
    linkedAt: t.field({ type: 'DateTime', description: 'When it was linked.', resolve: (a) => a.linkedAt }),
    resolvedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it resolved; null while it fires.',
      resolve: (a) => a.resolvedAt ?? null,
    }),
  }),
});

const IncidentEscalationRef = builder.objectRef<IncidentEscalation>('IncidentEscalation').implement({
  description: 'Where an incident’s escalation is.',
  fields: (t) => ({
    policy: t.exposeString('policy', { description: 'The escalation policy’s name.' }),
    level: t.int({
      nullable: true,
      description: 'The last level told (0 is the first); null before the first was told.',
      resolve: (e) => e.level,
    }),
    round: t.exposeInt('round', { description: 'The round it is in: 0 the first pass, then each repeat.' }),
    nextEscalationAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'When the next level is told if nobody acknowledges; null when nothing more will be (acknowledged, resolved, or the policy ran out).',
      resolve: (e) => e.nextEscalationAt,
    }),
  }),
});

export const IncidentRef = builder.objectRef<Incident>('Incident');

IncidentRef.implement({
  description:
    'Something wrong that people work on: opened by an operator or by a critical alert, acknowledged, escalated while nobody does, resolved, and written up. Visible to analysts, operators and admins.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    title: t.exposeString('title', { description: 'One line saying what is wrong.' }),
    severity: t.field({
      type: IncidentSeverityEnum,
      description: 'How bad it is.',
      resolve: (i) => i.severity,
    }),
    status: t.field({
      type: IncidentStatusEnum,
      description: 'OPEN, ACKNOWLEDGED or RESOLVED.',
      resolve: (i) => i.status,
    }),
    summary: t.string({
      nullable: true,
      description: 'What is known (Markdown).',
      resolve: (i) => i.summary ?? null,
    }),
    openedAt: t.field({ type: 'DateTime', description: 'When it opened.', resolve: (i) => i.openedAt }),
    openedBy: t.exposeString('openedBy', {
      description: 'Who opened it: a principal id, or `system` when an alert did.',
    }),
    acknowledgedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was acknowledged.',
      resolve: (i) => i.acknowledgedAt ?? null,
    }),
    acknowledgedBy: t.string({
      nullable: true,
      description: 'Who acknowledged it first.',
      resolve: (i) => i.acknowledgedBy ?? null,
    }),
    resolvedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was resolved.',
      resolve: (i) => i.resolvedAt ?? null,
    }),
    resolvedBy: t.string({
      nullable: true,
      description: 'Who resolved it: a principal id, or `system` when its last alert resolved.',
      resolve: (i) => i.resolvedBy ?? null,
    }),
    resolutionNote: t.string({
      nullable: true,
      description: 'What the resolver said.',
      resolve: (i) => i.resolutionNote ?? null,
    }),
    postmortem: t.string({
      nullable: true,
      description: 'The postmortem (Markdown), once written.',
      resolve: (i) => i.postmortem ?? null,
    }),
    timeline: t.field({
      type: [IncidentEventRef],
      description: 'Everything that happened to it, oldest first.',
      resolve: (i, _a, ctx) => ctx.incidents.timeline(i),
    }),
    alerts: t.field({
      type: [IncidentAlertRef],
      description: 'The alerts linked to it, in the order linked.',
      resolve: (i, _a, ctx) => ctx.incidents.alerts(i),
    }),
    escalation: t.field({
      type: IncidentEscalationRef,
      nullable: true,
      description: 'Its escalation; null when it has no escalation policy (nobody is told).',
      resolve: (i, _a, ctx) => ctx.incidents.escalation(i),
    }),
  }),
});

builder.asEntity(IncidentRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: ({ id }, ctx) => ctx.incidents.findForReference(id),
});

const EscalationLevelRef = builder.objectRef<EscalationLevel>('EscalationLevel').implement({
  description: 'One level of an escalation policy.',
  fields: (t) => ({
    afterMinutes: t.exposeInt('afterMinutes', {
      description:
        'Minutes after its round began (the incident opened, for the first round) when this level is told.',
    }),
    channels: t.exposeStringList('channels', { description: 'The channels told, by name.' }),
  }),
});

const EscalationPolicyRef = builder.objectRef<EscalationPolicy>('EscalationPolicy').implement({
  description:
    'Who is told about an open incident, and when, while nobody acknowledges it (PagerDuty’s escalation policy). Never edited: define a new one under another name.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    name: t.exposeString('name', {
      description: 'Its unique name, as `openIncident` and `ESCALATION_DEFAULT_POLICY` name it.',
    }),
    levels: t.field({
      type: [EscalationLevelRef],
      description: 'Its levels, told in order.',
      resolve: (p) => p.levels,
    }),
    repeat: t.exposeInt('repeat', { description: 'How many times it starts over after its last level.' }),
    repeatAfterMinutes: t.exposeInt('repeatAfterMinutes', {
      description: 'Minutes after the last level before a repeat starts over at the first.',
    }),
    createdBy: t.exposeString('createdBy', { description: 'Who defined it.' }),
    createdAt: t.field({ type: 'DateTime', description: 'When.', resolve: (p) => p.createdAt }),
  }),
});

const IncidentFilterRef = builder.inputType('IncidentFilter', {
  description: 'Narrows a list (or a stream) of incidents; all given conditions must hold.',
  fields: (t) => ({
    status: t.field({ type: IncidentStatusEnum, required: false, description: 'Only incidents in it.' }),
    severity: t.field({ type: IncidentSeverityEnum, required: false, description: 'Only incidents of it.' }),
  }),
});

const OpenIncidentInput = builder.inputType('OpenIncidentInput', {
  description: 'An incident to open by hand.',
  fields: (t) => ({
    title: t.string({ required: true, description: 'One line, 1 to 200 characters.' }),
    severity: t.field({ type: IncidentSeverityEnum, required: true, description: 'How bad it is.' }),
    summary: t.string({ required: false, description: 'What is known (Markdown, up to 10000 characters).' }),
    alertIds: t.idList({ required: false, description: 'Alerts to link (each must exist; at most 100).' }),
    escalationPolicy: t.string({
      required: false,
      description:
        'An escalation policy’s name or id; omitted: the `ESCALATION_DEFAULT_POLICY` setting’s, or none.',
    }),
  }),
});

const EscalationLevelInput = builder.inputType('EscalationLevelInput', {
  description: 'One level of an escalation policy.',
  fields: (t) => ({
    afterMinutes: t.int({
      required: true,
      description:
        'Minutes after its round began when this level is told: 0 or more, rising strictly level by level.',
    }),
    channels: t.stringList({ required: true, description: 'Channel names (1 to 20), each defined.' }),
  }),
});

const DefineEscalationPolicyInput = builder.inputType('DefineEscalationPolicyInput', {
  description: 'An escalation policy to define.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique, 1 to 100 characters.' }),
    levels: t.field({ type: [EscalationLevelInput], required: true, description: '1 to 10 levels.' }),
    repeat: t.int({
      required: false,
      description: 'Times to start over after the last level (0 to 10; 0 by default).',
    }),
    repeatAfterMinutes: t.int({
      required: false,
      description: 'Minutes after the last level before starting over (30 by default).',
    }),
  }),
});

builder.queryFields((t) => ({
  incident: t.field({
    type: IncidentRef,
    description: 'An incident by id (ANALYST, OPERATOR, ADMIN). An unknown id is NOT_FOUND.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.incidents.get(String(id)),
  }),
  incidents: t.connection(
    {
      type: IncidentRef,
      description: 'Incidents, newest first (ANALYST, OPERATOR, ADMIN; Relay connection).',
      args: { filter: t.arg({ type: IncidentFilterRef, required: false }) },
      resolve: (_root, args, ctx) =>
        withPagingErrors(() =>
          resolveCursorConnection(
            { args, toCursor: (i: Incident) => IncidentService.cursorOf(i), defaultSize: 20, maxSize: 100 },
            (page: ResolveCursorConnectionArgs) =>
              ctx.incidents.list({ status: args.filter?.status, severity: args.filter?.severity }, page),
          ),
        ),
    },
    { name: 'IncidentConnection', description: 'A page of incidents.' },
    { name: 'IncidentEdge', description: 'An incident and its cursor.' },
  ),
  escalationPolicies: t.field({
    type: [EscalationPolicyRef],
    description: 'Every escalation policy, by name (ANALYST, OPERATOR, ADMIN).',
    resolve: (_root, _args, ctx) => ctx.escalationPolicies.list(),
  }),
}));

builder.mutationFields((t) => ({
  openIncident: t.field({
    type: IncidentRef,
    description:
      'Opens an incident (OPERATOR, ADMIN): the first level of its escalation policy is told at once. Unknown alerts or policy: BAD_USER_INPUT.',
    args: { input: t.arg({ type: OpenIncidentInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.incidents.open({ ...input, alertIds: input.alertIds?.map(String) ?? null }),
  }),
  acknowledgeIncident: t.field({
    type: IncidentRef,
    description:
      'Acknowledges an incident (OPERATOR, ADMIN): its escalation stops. Already acknowledged: answered as it is; resolved: CONFLICT.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.incidents.acknowledge(String(id)),
  }),
  resolveIncident: t.field({
    type: IncidentRef,
    description:
      'Resolves an incident (OPERATOR, ADMIN), with an optional note; its thread is closed on the channels told. Already resolved: CONFLICT.',
    args: {
      id: t.arg.id({ required: true }),
      note: t.arg.string({ required: false, description: 'What was done (up to 10000 characters).' }),
    },
    resolve: (_root, { id, note }, ctx) => ctx.incidents.resolve(String(id), note),
  }),
  writePostmortem: t.field({
    type: IncidentRef,
    description:
      'Writes or rewrites an incident’s postmortem (OPERATOR, ADMIN; Markdown, up to 100000 characters).',
    args: { id: t.arg.id({ required: true }), text: t.arg.string({ required: true }) },
    resolve: (_root, { id, text }, ctx) => ctx.incidents.writePostmortem(String(id), text),
  }),
  addIncidentNote: t.field({
    type: IncidentRef,
    description: 'Adds a note to an incident’s timeline (OPERATOR, ADMIN; up to 10000 characters).',
    args: { id: t.arg.id({ required: true }), text: t.arg.string({ required: true }) },
    resolve: (_root, { id, text }, ctx) => ctx.incidents.addNote(String(id), text),
  }),
  defineEscalationPolicy: t.field({
    type: EscalationPolicyRef,
    description:
      'Defines an escalation policy (OPERATOR, ADMIN). Unknown channels or levels out of order: BAD_USER_INPUT; a name taken: CONFLICT.',
    args: { input: t.arg({ type: DefineEscalationPolicyInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.escalationPolicies.define(input),
  }),
}));

builder.subscriptionFields((t) => ({
  incidentUpdated: t.field({
    type: IncidentRef,
    description:
      'Each change of an incident (opened, linked, acknowledged, escalated, notified, resolved, annotated), as `incident` reads it (ANALYST, OPERATOR, ADMIN).',
    args: {
      id: t.arg.id({ required: false, description: 'Follow one incident.' }),
      filter: t.arg({
        type: IncidentFilterRef,
        required: false,
        description: 'Conditions the incident must meet after the change.',
      }),
    },
    directives: { topic: { name: 'incidentUpdated' } },
    subscribe: servedByGateway,
    resolve: (_root, _args, ctx) => {
      ctx.incidents.requireReader();
      return SUBSCRIPTION_ALLOWED;
    },
  }),
}));
