import { builder } from '../../builder';
import { LabelRef } from '../alerts/alert.schema';
import type { Silence } from './silence.entity';

export const SilenceRef = builder.objectRef<Silence>('Silence').implement({
  description:
    'A silence: alerts matching all its labels (and its rule, when it names one) are not notified while it is in force.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    matchers: t.field({
      type: [LabelRef],
      description: 'The labels an alert must have (each name with this value).',
      resolve: (s) => s.matchers,
    }),
    rule: t.string({
      nullable: true,
      description: 'The rule its alerts must be of; null for any rule.',
      resolve: (s) => s.rule ?? null,
    }),
    author: t.id({ description: 'The person who set it.', resolve: (s) => s.author }),
    reason: t.exposeString('reason', { description: 'Why.' }),
    startsAt: t.field({
      type: 'DateTime',
      description: 'When it starts muting.',
      resolve: (s) => s.startsAt,
    }),
    endsAt: t.field({ type: 'DateTime', description: 'When it stops.', resolve: (s) => s.endsAt }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was set.', resolve: (s) => s.createdAt }),
    expiredAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When an operator ended it early, if one did.',
      resolve: (s) => s.expiredAt ?? null,
    }),
    active: t.boolean({
      description: 'Whether it is in force now (started, not ended, not expired).',
      resolve: (s, _args, ctx) => ctx.silences.isActive(s),
    }),
  }),
});

const LabelMatcherInput = builder.inputType('LabelMatcherInput', {
  description: 'A label an alert must have: its name and value.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'A label name, e.g. `environment`.' }),
    value: t.string({ required: true, description: 'Its value (1–500 characters).' }),
  }),
});

const SilenceInput = builder.inputType('SilenceInput', {
  description: 'A silence to set.',
  fields: (t) => ({
    matchers: t.field({
      type: [LabelMatcherInput],
      required: true,
      description: 'At least one label; an alert is muted when it has all of them.',
    }),
    rule: t.string({
      required: false,
      description: 'Only alerts of this rule (a rule id); any rule when omitted.',
    }),
    startsAt: t.field({ type: 'DateTime', required: false, description: 'Now when omitted.' }),
    endsAt: t.field({
      type: 'DateTime',
      required: false,
      description: 'Required (a silence always ends): after startsAt, in the future.',
    }),
    reason: t.string({ required: true, description: 'Why (1–2000 characters).' }),
  }),
});

builder.queryFields((t) => ({
  silences: t.field({
    type: [SilenceRef],
    description: `Silences, newest first (at most 500), for analysts, operators and admins: those in force now (\`active: true\`), the others (\`false\`), or all.`,
    args: { active: t.arg.boolean({ required: false, description: 'In force now, or not.' }) },
    resolve: (_root, { active }, ctx) => ctx.silences.list(active),
  }),
}));

builder.mutationFields((t) => ({
  silence: t.field({
    type: SilenceRef,
    description: 'Mutes the alerts matching some labels for a time window (operators and admins).',
    args: { input: t.arg({ type: SilenceInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.silences.create(input),
  }),
  expireSilence: t.field({
    type: SilenceRef,
    description:
      'Ends a silence now (operators and admins); its alerts still firing are notified at their group’s next flush.',
    args: { id: t.arg.id({ required: true, description: 'The silence.' }) },
    resolve: (_root, { id }, ctx) => ctx.silences.expire(String(id)),
  }),
}));
