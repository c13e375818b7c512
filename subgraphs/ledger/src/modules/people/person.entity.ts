import { defineEntity, type InferEntity } from '@mikro-orm/core';

/**
 * A person's sign-in: their email and argon2id password hash, beside the agent row that holds their
 * roles. Until they set a password (with the one-time setup token, of which only the SHA-256 is kept)
 * they cannot sign in.
 */
export const PersonEntity = defineEntity({
  name: 'Person',
  tableName: 'person',
  properties: (p) => ({
    agentId: p.uuid().primary(),
    email: p.text(),
    passwordHash: p.text().nullable(),
    passwordSetAt: p.datetime().columnType('timestamptz').nullable(),
    setupTokenHash: p.character().length(64).nullable(),
    setupTokenExpiresAt: p.datetime().columnType('timestamptz').nullable(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  }),
});

export type Person = InferEntity<typeof PersonEntity>;

/** A signed-in session of a person: the browser holds the token, ECP its SHA-256. */
export const PersonSessionEntity = defineEntity({
  name: 'PersonSession',
  tableName: 'person_session',
  properties: (p) => ({
    id: p.uuid().primary(),
    agentId: p.uuid(),
    tokenHash: p.character().length(64).unique(),
    createdAt: p.datetime().columnType('timestamptz'),
    expiresAt: p.datetime().columnType('timestamptz'),
    lastSeenAt: p.datetime().columnType('timestamptz'),
    revokedAt: p.datetime().columnType('timestamptz').nullable(),
    address: p.text().nullable(),
    userAgent: p.text().nullable(),
  }),
});

export type PersonSession = InferEntity<typeof PersonSessionEntity>;
