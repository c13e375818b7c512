import { builder } from '../../builder';
import type { Channel } from './channel.entity';
import { shownTarget } from './channel-targets';

export const ChannelKindEnum = builder.enumType('ChannelKind', {
  description: 'How a channel delivers notifications.',
  values: {
    EMAIL: { description: 'A mail to an address, over the configured SMTP server.' },
    SLACK: { description: 'A post to a Slack incoming webhook.' },
    GITHUB: {
      description:
        'Issues in a GitHub repository: a thread opens an issue, later notices comment on it and its close closes it.',
    },
  } as const,
});

export const ChannelRef = builder.objectRef<Channel>('Channel').implement({
  description: 'Where operations notifications (alerts, incidents, break glass, reports) are delivered.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    name: t.exposeString('name', { description: 'Its unique name, used to address it.' }),
    kind: t.field({ type: ChannelKindEnum, description: 'How it delivers.', resolve: (c) => c.kind }),
    target: t.string({
      description:
        'An email address, a GitHub `owner/repo`, or for Slack the webhook’s scheme and host only (`https://hooks.slack.com/…`): the webhook URL is a secret.',
      resolve: (c) => shownTarget(c),
    }),
    enabled: t.exposeBoolean('enabled', { description: 'Whether new notifications go to it.' }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When it was defined.',
      resolve: (c) => c.createdAt,
    }),
  }),
});

const DefineChannelInput = builder.inputType('DefineChannelInput', {
  description: 'A channel to deliver notifications to.',
  fields: (t) => ({
    name: t.string({ required: true, description: '1–100 characters, unique.' }),
    kind: t.field({ type: ChannelKindEnum, required: true, description: 'How it delivers.' }),
    target: t.string({
      required: true,
      description:
        'EMAIL: an email address; SLACK: the incoming webhook URL (https; http only on loopback); GITHUB: `owner/repo`.',
    }),
  }),
});

builder.queryFields((t) => ({
  channels: t.field({
    type: [ChannelRef],
    description: 'Every notification channel, by name (operators, admins and analysts).',
    resolve: (_root, _args, ctx) => ctx.channels.list(),
  }),
}));

builder.mutationFields((t) => ({
  defineChannel: t.field({
    type: ChannelRef,
    description:
      'Defines a notification channel (ADMIN). A name in use is a CONFLICT; a target wrong for its kind is BAD_USER_INPUT.',
    args: { input: t.arg({ type: DefineChannelInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.channels.define(input),
  }),
  setChannelEnabled: t.field({
    type: ChannelRef,
    description: 'Switches a channel on or off (ADMIN); a channel that is off is sent nothing new.',
    args: {
      id: t.arg.id({ required: true, description: 'The channel.' }),
      enabled: t.arg.boolean({ required: true, description: 'On or off.' }),
    },
    resolve: (_root, { id, enabled }, ctx) => ctx.channels.setEnabled(String(id), enabled),
  }),
}));
