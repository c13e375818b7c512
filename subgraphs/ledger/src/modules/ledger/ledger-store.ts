import type { NodeId } from '@ecp/merkle/tree';
import type { ClientBase } from 'pg';
import { keyOf } from '../entries/entry-kind';

/** One row of ledger.entry as the append path writes it. */
export interface EntryRow {
  index: bigint;
  kind: string;
  leafHash: Uint8Array;
  canonical: Uint8Array;
  payload: string;
  recordedAt: string;
  treeSize: bigint;
}

export interface DecisionRow {
  id: string;
  ledgerIndex: bigint;
  agentId: string;
  jurisdiction: string;
  category: string;
  chosenOption: string;
  confidence: number;
  idempotencyKey: string;
  signingKeyId: string | null;
  recordedAt: string;
  tags: readonly string[];
  rationale: string;
  /** Read for the search document (`ledger.decision_search_document`); the row does not keep it. */
  context: Record<string, unknown>;
}

/** A decision already recorded under an agent's idempotency key: where its entry is. */
export interface EarlierDecision {
  id: string;
  index: bigint;
  leafHash: Uint8Array;
  treeSize: bigint;
}

/** The SQL of the ledger's tables, for the append path and proofs (raw, batched, array-parameterised). */
export const ledgerStore = {
  /** Serialises every change of the tree, across processes: the tree-state lock. */
  async lockTree(db: ClientBase): Promise<void> {
    await db.query("select pg_advisory_xact_lock(hashtext('ecp:ledger:tree'))");
  },

  async size(db: ClientBase): Promise<bigint> {
    const { rows } = await db.query<{ size: string }>(
      'select coalesce(max(index) + 1, 0)::text as size from ledger.entry',
    );
    return BigInt(rows[0]!.size);
  },

  /** Node hashes by (level, index): level 0 from the entries' leaf hashes, higher levels from tree_node. */
  async nodes(db: ClientBase, ids: readonly NodeId[]): Promise<Map<string, Uint8Array>> {
    const found = new Map<string, Uint8Array>();
    const leaves = ids.filter((n) => n.level === 0).map((n) => n.index.toString());
    const inner = ids.filter((n) => n.level > 0);
    if (leaves.length > 0) {
      const { rows } = await db.query<{ index: string; leaf_hash: Buffer }>(
        'select index::text, leaf_hash from ledger.entry where index = any($1::bigint[])',
        [leaves],
      );
      for (const r of rows) found.set(nodeKey(0, BigInt(r.index)), new Uint8Array(r.leaf_hash));
    }
    if (inner.length > 0) {
      const { rows } = await db.query<{ level: number; idx: string; hash: Buffer }>(
        `select n.level, n.idx::text, n.hash from ledger.tree_node n
           join unnest($1::smallint[], $2::bigint[]) as want(level, idx) on n.level = want.level and n.idx = want.idx`,
        [inner.map((n) => n.level), inner.map((n) => n.index.toString())],
      );
      for (const r of rows) found.set(nodeKey(r.level, BigInt(r.idx)), new Uint8Array(r.hash));
    }
    return found;
  },

  async insertEntries(db: ClientBase, rows: readonly EntryRow[]): Promise<void> {
    await db.query(
      `insert into ledger.entry (index, kind, leaf_hash, canonical, payload, recorded_at, tree_size)
       select * from unnest($1::bigint[], $2::text[], $3::bytea[], $4::bytea[], $5::jsonb[], $6::timestamptz[], $7::bigint[])`,
      [
        rows.map((r) => r.index.toString()),
        rows.map((r) => r.kind),
        rows.map((r) => Buffer.from(r.leafHash)),
        rows.map((r) => Buffer.from(r.canonical)),
        rows.map((r) => r.payload),
        rows.map((r) => r.recordedAt),
        rows.map((r) => r.treeSize.toString()),
      ],
    );
  },

  async insertNodes(
    db: ClientBase,
    nodes: readonly { level: number; index: bigint; hash: Uint8Array }[],
  ): Promise<void> {
    if (nodes.length === 0) return;
    await db.query(
      'insert into ledger.tree_node (level, idx, hash) select * from unnest($1::smallint[], $2::bigint[], $3::bytea[])',
      [
        nodes.map((n) => n.level),
        nodes.map((n) => n.index.toString()),
        nodes.map((n) => Buffer.from(n.hash)),
      ],
    );
  },

  async insertDecisions(db: ClientBase, rows: readonly DecisionRow[]): Promise<void> {
    if (rows.length === 0) return;
    // Tags travel as one JSON array per row: unnest would flatten an array of arrays into one.
    await db.query(
      `insert into ledger.decision (id, ledger_index, agent_id, jurisdiction, category, chosen_option, confidence,
                                    idempotency_key, signing_key_id, recorded_at, tags, rationale, search)
       select d.id, d.ledger_index, d.agent_id, d.jurisdiction, d.category, d.chosen_option, d.confidence,
              d.idempotency_key, d.signing_key_id, d.recorded_at,
              array(select t.tag from jsonb_array_elements_text(d.tags) with ordinality as t(tag, n) order by t.n),
              d.rationale, ledger.decision_search_document(d.rationale, d.context)
         from unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::text[],
                     $7::float8[], $8::text[], $9::uuid[], $10::timestamptz[], $11::jsonb[], $12::text[], $13::jsonb[])
           as d(id, ledger_index, agent_id, jurisdiction, category, chosen_option, confidence,
                idempotency_key, signing_key_id, recorded_at, tags, rationale, context)`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.ledgerIndex.toString()),
        rows.map((r) => r.agentId),
        rows.map((r) => r.jurisdiction),
        rows.map((r) => r.category),
        rows.map((r) => r.chosenOption),
        rows.map((r) => r.confidence),
        rows.map((r) => r.idempotencyKey),
        rows.map((r) => r.signingKeyId),
        rows.map((r) => r.recordedAt),
        rows.map((r) => JSON.stringify(r.tags)),
        rows.map((r) => r.rationale),
        rows.map((r) => JSON.stringify(r.context)),
      ],
    );
  },

  async insertCitations(
    db: ClientBase,
    citations: readonly { citing: bigint; cited: bigint }[],
  ): Promise<void> {
    if (citations.length === 0) return;
    await db.query(
      'insert into ledger.citation (citing_index, cited_index) select * from unnest($1::bigint[], $2::bigint[]) on conflict do nothing',
      [citations.map((c) => c.citing.toString()), citations.map((c) => c.cited.toString())],
    );
  },

  /** Decisions already recorded under these (agent, idempotency key) pairs, by `keyOf` their key. */
  async recordedDecisions(
    db: ClientBase,
    keys: readonly { agentId: string; idempotencyKey: string }[],
  ): Promise<Map<string, EarlierDecision>> {
    const found = new Map<string, EarlierDecision>();
    if (keys.length === 0) return found;
    const { rows } = await db.query<{
      agent_id: string;
      idempotency_key: string;
      id: string;
      index: string;
      leaf_hash: Buffer;
      tree_size: string;
    }>(
      `select d.agent_id, d.idempotency_key, d.id, e.index::text, e.leaf_hash, e.tree_size::text
         from ledger.decision d
         join unnest($1::uuid[], $2::text[]) as k(agent_id, idempotency_key)
           on d.agent_id = k.agent_id and d.idempotency_key = k.idempotency_key
         join ledger.entry e on e.index = d.ledger_index`,
      [keys.map((k) => k.agentId), keys.map((k) => k.idempotencyKey)],
    );
    for (const r of rows) {
      found.set(keyOf({ owner: r.agent_id, key: r.idempotency_key }), {
        id: r.id,
        index: BigInt(r.index),
        leafHash: new Uint8Array(r.leaf_hash),
        treeSize: BigInt(r.tree_size),
      });
    }
    return found;
  },

  /** Leaf hashes of existing entries, for checking citations. */
  async leafHashes(db: ClientBase, indexes: readonly bigint[]): Promise<Map<bigint, Uint8Array>> {
    const found = new Map<bigint, Uint8Array>();
    if (indexes.length === 0) return found;
    const { rows } = await db.query<{ index: string; leaf_hash: Buffer }>(
      'select index::text, leaf_hash from ledger.entry where index = any($1::bigint[])',
      [indexes.map(String)],
    );
    for (const r of rows) found.set(BigInt(r.index), new Uint8Array(r.leaf_hash));
    return found;
  },

  async latestCheckpoint(db: ClientBase): Promise<{ treeSize: bigint; publishedAt: Date } | null> {
    const { rows } = await db.query<{ tree_size: string; published_at: Date | string }>(
      'select c.tree_size::text as tree_size, c.published_at from ledger.checkpoint c order by c.tree_size desc limit 1',
    );
    const row = rows[0];
    // The ORM's pool parses timestamps as strings; accept either.
    return row ? { treeSize: BigInt(row.tree_size), publishedAt: new Date(row.published_at) } : null;
  },

  async insertCheckpoint(
    db: ClientBase,
    treeSize: bigint,
    rootHash: Uint8Array,
    note: string,
  ): Promise<void> {
    await db.query(
      'insert into ledger.checkpoint (tree_size, root_hash, note) values ($1, $2, $3) on conflict (tree_size) do nothing',
      [treeSize.toString(), Buffer.from(rootHash), note],
    );
  },
};

export function nodeKey(level: number, index: bigint): string {
  return `${level}:${index}`;
}
