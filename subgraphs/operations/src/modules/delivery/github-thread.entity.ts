import { defineEntity, type InferEntity } from '@mikro-orm/core';

/**
 * The GitHub issue of a thread (an alert group, an incident) in one GITHUB channel: the thread's
 * OPEN notification opens it, UPDATEs comment on it, its CLOSE closes it.
 */
export const GithubThreadEntity = defineEntity({
  name: 'GithubThread',
  tableName: 'github_thread',
  properties: (p) => ({
    channelId: p.uuid().primary(),
    threadKey: p.text().primary(),
    issueNumber: p.integer(),
    openedAt: p.datetime().columnType('timestamptz'),
    closedAt: p.datetime().columnType('timestamptz').nullable(),
  }),
});

export type GithubThread = InferEntity<typeof GithubThreadEntity>;
