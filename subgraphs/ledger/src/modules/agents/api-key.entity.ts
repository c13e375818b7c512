import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** An API key of an agent. Only its SHA-256 is stored; the key itself is shown once, at creation. */
export const ApiKeyEntity = defineEntity({
  name: 'ApiKey',
  tableName: 'api_key',
  properties: (p) => ({
    id: p.uuid().primary(),
    agentId: p.uuid(),
    keyHash: p.character().length(64).unique(),
    hint: p.text(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    revokedAt: p.datetime().columnType('timestamptz').nullable(),
  }),
});

export type ApiKey = InferEntity<typeof ApiKeyEntity>;
