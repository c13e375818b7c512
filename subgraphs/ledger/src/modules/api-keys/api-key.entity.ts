import { defineEntity, type InferEntity } from '@mikro-orm/core';

/**
 * An API key of an agent or person. Only its SHA-256 is stored; the key itself is shown once, at
 * creation. A key works until `revokedAt` (which may lie in the future, while a rotation overlaps).
 */
export const ApiKeyEntity = defineEntity({
  name: 'ApiKey',
  tableName: 'api_key',
  properties: (p) => ({
    id: p.uuid().primary(),
    agentId: p.uuid(),
    keyHash: p.character().length(64).unique(),
    hint: p.text(),
    name: p.text().nullable(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    lastUsedAt: p.datetime().columnType('timestamptz').nullable(),
    revokedAt: p.datetime().columnType('timestamptz').nullable(),
    revokedBy: p.uuid().nullable(),
  }),
});

export type ApiKey = InferEntity<typeof ApiKeyEntity>;
