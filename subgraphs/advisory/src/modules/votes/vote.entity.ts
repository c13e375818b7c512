import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** One agent's vote in one Network Opinion Poll. */
export const VoteEntity = defineEntity({
  name: 'Vote',
  tableName: 'vote',
  properties: (p) => ({
    id: p.uuid().primary(),
    pollId: p.uuid(),
    agentId: p.uuid(),
    option: p.text(),
    confidence: p.float().columnType('double precision'),
    rationale: p.text().default(''),
    castAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    /** The voter's key and Ed25519 signature over the vote (`voteSigningMessage`), when signed. */
    signatureKeyId: p.uuid().nullable(),
    signature: p.text().nullable(),
    /** The voter's calibration weight when it voted, in [0, 1]: what the vote counts in a REPUTATION poll. */
    reputation: p.float().columnType('double precision').nullable(),
  }),
});

export type Vote = InferEntity<typeof VoteEntity>;
