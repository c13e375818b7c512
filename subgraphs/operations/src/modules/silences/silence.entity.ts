import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** One label a silence matches: the alert's label `name` equals `value`. */
export interface LabelMatcher {
  name: string;
  value: string;
}

/**
 * A silence: alerts matching all its matchers (and its rule, when it names one) are not notified
 * between its start and its end, or until an operator expires it. Who set it and why are kept.
 */
export const SilenceEntity = defineEntity({
  name: 'Silence',
  tableName: 'silence',
  properties: (p) => ({
    id: p.uuid().primary(),
    matchers: p.json<LabelMatcher[]>(),
    rule: p.text().nullable(),
    /** The principal id of the person who set it. */
    author: p.text(),
    reason: p.text(),
    startsAt: p.datetime().columnType('timestamptz'),
    endsAt: p.datetime().columnType('timestamptz'),
    createdAt: p.datetime().columnType('timestamptz'),
    expiredAt: p.datetime().columnType('timestamptz').nullable(),
  }),
});

export type Silence = InferEntity<typeof SilenceEntity>;
