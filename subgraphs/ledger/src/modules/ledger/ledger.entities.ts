import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** An entry of the Transparency Ledger: its canonical bytes, leaf hash and position. Insert-only. */
export const EntryEntity = defineEntity({
  name: 'Entry',
  tableName: 'entry',
  properties: (p) => ({
    index: p.bigint('string').primary(),
    kind: p.text(),
    leafHash: p.blob(),
    canonical: p.blob(),
    payload: p.json<Record<string, unknown>>(),
    recordedAt: p.datetime().columnType('timestamptz'),
    treeSize: p.bigint('string'),
  }),
});
export type Entry = InferEntity<typeof EntryEntity>;

/** A signed checkpoint: the tree's size and root, in the C2SP signed-note text. Insert-only. */
export const CheckpointEntity = defineEntity({
  name: 'Checkpoint',
  tableName: 'checkpoint',
  properties: (p) => ({
    treeSize: p.bigint('string').primary(),
    rootHash: p.blob(),
    note: p.text(),
    publishedAt: p.datetime().columnType('timestamptz'),
  }),
});
export type CheckpointRow = InferEntity<typeof CheckpointEntity>;

/**
 * A decision's queryable columns; the record itself is its entry. Insert-only. The table also holds
 * the full-text documents the precedent search reads (`search`, `rationale_search`), which only SQL uses.
 */
export const DecisionEntity = defineEntity({
  name: 'Decision',
  tableName: 'decision',
  properties: (p) => ({
    id: p.uuid().primary(),
    ledgerIndex: p.bigint('string').unique(),
    agentId: p.uuid(),
    jurisdiction: p.text(),
    category: p.text(),
    chosenOption: p.text(),
    confidence: p.float().columnType('double precision'),
    idempotencyKey: p.text(),
    signingKeyId: p.uuid().nullable(),
    recordedAt: p.datetime().columnType('timestamptz'),
    tags: p.array().columnType('text[]'),
    rationale: p.text(),
  }),
});
export type DecisionRecord = InferEntity<typeof DecisionEntity>;

/** An agent's Ed25519 public key, for signed records. */
export const AgentKeyEntity = defineEntity({
  name: 'AgentKey',
  tableName: 'agent_key',
  properties: (p) => ({
    id: p.uuid().primary(),
    agentId: p.uuid(),
    publicKey: p.blob().unique(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    revokedAt: p.datetime().columnType('timestamptz').nullable(),
  }),
});
export type AgentKey = InferEntity<typeof AgentKeyEntity>;
