import { defineEntity, type InferEntity } from '@mikro-orm/core';
import type { PollResult, PollWeighting } from './poll-result';

export type PollStatus = 'OPEN' | 'CLOSED';
export type PollCloseReason = 'CLOSING_TIME' | 'ALL_VOTED' | 'CLOSED_BY_OPENER' | 'CLOSED_BY_OPERATOR';

/** A Network Opinion Poll on a draft decision. Its voters are fixed when it opens. */
export const PollEntity = defineEntity({
  name: 'Poll',
  tableName: 'poll',
  properties: (p) => ({
    id: p.uuid().primary(),
    openedBy: p.uuid(),
    jurisdiction: p.text(),
    category: p.text().nullable(),
    question: p.text(),
    options: p.json<{ id: string; description: string }[]>(),
    eligibleVoters: p.array().columnType('uuid[]'),
    eligibleBy: p.text().$type<'LIST' | 'JURISDICTION'>(),
    quorum: p.integer(),
    weighting: p.text().$type<PollWeighting>(),
    closesAt: p.datetime().columnType('timestamptz'),
    status: p.text().$type<PollStatus>().default('OPEN'),
    closedAt: p.datetime().columnType('timestamptz').nullable(),
    closeReason: p.text().$type<PollCloseReason>().nullable(),
    result: p.json<PollResult>().nullable(),
    ledgerIndex: p.bigint('string').nullable(),
    ledgerLeafHash: p.text().nullable(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  }),
});

export type Poll = InferEntity<typeof PollEntity>;
