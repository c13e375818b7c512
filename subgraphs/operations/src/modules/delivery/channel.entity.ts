import { defineEntity, type InferEntity } from '@mikro-orm/core';

export type ChannelKind = 'EMAIL' | 'SLACK' | 'GITHUB';

/**
 * Where notifications go: an email address (over the configured SMTP server), a Slack incoming
 * webhook, or a GitHub repository (`owner/repo`, issues through the configured token).
 */
export const ChannelEntity = defineEntity({
  name: 'Channel',
  tableName: 'channel',
  properties: (p) => ({
    id: p.uuid().primary(),
    name: p.text().unique(),
    kind: p.text().$type<ChannelKind>(),
    target: p.text(),
    enabled: p.boolean().default(true),
    createdBy: p.text(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  }),
});

export type Channel = InferEntity<typeof ChannelEntity>;
