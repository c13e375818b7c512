import type { Role } from '@ecp/identity/principal';
import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** A registered principal: a software agent or a person, with the roles they hold. */
export const AgentEntity = defineEntity({
  name: 'Agent',
  tableName: 'agent',
  properties: (p) => ({
    id: p.uuid().primary(),
    name: p.text(),
    roles: p.array<Role>().columnType('text[]'),
    jurisdictions: p.array().columnType('text[]').default('{}'),
    /** The agent's operator organisation, which shares its decisions' liability; null if none. */
    organisation: p.text().nullable(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    createdBy: p.uuid().nullable(),
  }),
});

export type Agent = InferEntity<typeof AgentEntity>;
