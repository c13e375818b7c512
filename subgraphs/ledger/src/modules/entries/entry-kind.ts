import type { OutboxEvent } from '@ecp/events/outbox';
import { registerEntrySchema } from '@ecp/ledger-format/entry-schemas';
import type { PoolClient } from 'pg';

/** An append already recorded under an idempotency key. */
export interface EarlierAppend {
  index: bigint;
  leafHash: Uint8Array;
  treeSize: bigint;
  /** The id of the record the entry projects (a decision's id), when it has one. */
  recordId?: string;
}

/** A key a retry is recognised by: whose it is (an agent, a service) and the key itself. */
export interface IdempotencyKey {
  owner: string;
  key: string;
}

/**
 * Where one family of kinds keeps its idempotency keys. Looked up and written in the batch's
 * transaction, under the tree lock, so two appends with one key can never both be appended.
 */
export interface IdempotencyStore {
  readonly name: string;
  lookup(db: PoolClient, keys: readonly IdempotencyKey[]): Promise<Map<string, EarlierAppend>>;
  record(db: PoolClient, rows: readonly (IdempotencyKey & { index: bigint })[]): Promise<void>;
}

/** An entry of a kind as it was appended in a batch, with what the kind projects from it. */
export interface Appended<P> {
  index: bigint;
  recordedAt: string;
  projection: P;
  /** The traceparent of the request that appended it, for the events it emits (`OutboxEvent.trace`). */
  trace: string | undefined;
}

/**
 * An entry kind the ledger accepts: its published JSON Schema (registered with the validator every
 * append and `ecp verify export` use), who appends it, where retries are recognised, what it projects
 * into queryable tables and which events it emits — all in the transaction of the batch that appends it.
 */
export interface EntryKind<P = undefined> {
  /** `ecp.decision/v2`, `ecp.outcome-report/v1`, …: what its new entries are written as. */
  readonly kind: string;
  /**
   * Earlier versions of the kind (`ecp.decision/v1`): still in the ledger, no longer written, and
   * known as this kind, so that nobody else may append them.
   */
  readonly earlierKinds?: readonly string[];
  /**
   * `recordDecision` for decisions (agents, their own command); `service` for the append command;
   * `ledger` for what the ledger appends of its own accord (firewall approvals), which nobody else may.
   */
  readonly appendedBy: 'recordDecision' | 'service' | 'ledger';
  readonly idempotency: IdempotencyStore;
  /** Writes the kind's rows for these entries and returns the events they emit. */
  project(db: PoolClient, appended: readonly Appended<P>[]): Promise<OutboxEvent[]>;
}

/** The map key of an idempotency key. */
export function keyOf({ owner, key }: IdempotencyKey): string {
  return `${owner}\n${key}`;
}

/** Idempotency keys of service-appended entries, by issuing service, in the append-only `ledger.entry_key`. */
export const serviceIdempotency: IdempotencyStore = {
  name: 'entry_key',
  async lookup(db, keys) {
    const found = new Map<string, EarlierAppend>();
    if (keys.length === 0) return found;
    const { rows } = await db.query<{
      issuer: string;
      idempotency_key: string;
      index: string;
      leaf_hash: Buffer;
      tree_size: string;
    }>(
      `select k.issuer, k.idempotency_key, e.index::text, e.leaf_hash, e.tree_size::text
         from ledger.entry_key k
         join unnest($1::text[], $2::text[]) as want(issuer, idempotency_key)
           on k.issuer = want.issuer and k.idempotency_key = want.idempotency_key
         join ledger.entry e on e.index = k.entry_index`,
      [keys.map((k) => k.owner), keys.map((k) => k.key)],
    );
    for (const r of rows) {
      found.set(keyOf({ owner: r.issuer, key: r.idempotency_key }), {
        index: BigInt(r.index),
        leafHash: new Uint8Array(r.leaf_hash),
        treeSize: BigInt(r.tree_size),
      });
    }
    return found;
  },
  async record(db, rows) {
    if (rows.length === 0) return;
    await db.query(
      'insert into ledger.entry_key (issuer, idempotency_key, entry_index) select * from unnest($1::text[], $2::text[], $3::bigint[])',
      [rows.map((r) => r.owner), rows.map((r) => r.key), rows.map((r) => r.index.toString())],
    );
  },
};

/**
 * A kind appended by a service: its schema (which refines `service-entry.v1.schema.json`) is
 * registered for validation; it projects nothing and emits nothing unless told to.
 */
export function serviceEntryKind(
  schema: Parameters<typeof registerEntrySchema>[0],
  options: { project?: EntryKind['project'] } = {},
): EntryKind {
  return {
    kind: registerEntrySchema(schema),
    appendedBy: 'service',
    idempotency: serviceIdempotency,
    project: options.project ?? (async () => []),
  };
}

/** The kinds a ledger accepts, by name. */
export class EntryKinds {
  private readonly byName: ReadonlyMap<string, EntryKind<unknown>>;

  constructor(kinds: readonly EntryKind<never>[]) {
    this.byName = new Map(
      kinds.flatMap((k) =>
        [k.kind, ...(k.earlierKinds ?? [])].map((name) => [name, k as EntryKind<unknown>]),
      ),
    );
  }

  /** The kind `kind` names, be it the version it writes or an earlier one. */
  get(kind: string): EntryKind<unknown> | undefined {
    return this.byName.get(kind);
  }

  /** Those a service may append through the append command. */
  appendableByServices(): string[] {
    return [...new Set(this.byName.values())].filter((k) => k.appendedBy === 'service').map((k) => k.kind);
  }
}
