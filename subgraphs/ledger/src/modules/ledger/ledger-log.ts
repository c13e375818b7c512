import type { Outbox, OutboxEvent } from '@ecp/events/outbox';
import { canonicalJson } from '@ecp/ledger-format/canonical-json';
import type { Logger } from '@ecp/logging/logger';
import { signCheckpoint } from '@ecp/merkle/checkpoint';
import { leafHash } from '@ecp/merkle/hash';
import { Frontier } from '@ecp/merkle/tree';
import { currentTraceparent, outsideAnyTrace } from '@ecp/telemetry/trace-context';
import type { Knex } from '@mikro-orm/postgresql';
import type { PoolClient } from 'pg';
import { Registry } from 'prom-client';
import {
  type Appended,
  type EarlierAppend,
  type EntryKind,
  type IdempotencyKey,
  type IdempotencyStore,
  keyOf,
} from '../entries/entry-kind';
import { CHECKPOINT_PUBLISHED } from './ledger.topics';
import { createLedgerMetrics } from './ledger-metrics';
import { type EntryRow, ledgerStore, nodeKey } from './ledger-store';
import type { LogKeys } from './log-keys';

const encoder = new TextEncoder();

/** One entry to append, already validated; `entry` builds it once the batch's time is known. */
export interface AppendRequest<P = unknown> {
  /** Its kind: where retries are recognised, what it projects and which events it emits. */
  kind: EntryKind<P>;
  entry: (recordedAt: string) => object;
  /** A retry with the same owner (agent or service) and key returns the first append instead of appending again. */
  idempotency?: IdempotencyKey;
  /**
   * The id of the record the entry projects (a decision's id), for kinds that have one: a retry queued
   * in the same batch is answered with it, as a later one is by the kind's idempotency store.
   */
  recordId?: string;
  /** What the kind projects for this entry (a decision's row and citations), written in the batch. */
  projection: P;
}

export interface AppendResult {
  index: bigint;
  leafHash: Uint8Array;
  /** Size of the tree once the batch holding the entry was appended: a proof against it exists at once. */
  treeSize: bigint;
  /** The id of the record the entry projects, for replays of kinds that have one (a decision's id). */
  recordId?: string;
  /** True when an earlier append with the same idempotency key was returned. */
  replayed: boolean;
  /** The entry's canonical JSON, for fresh appends (so callers need not canonicalise it again). */
  canonicalJson?: string;
}

interface Pending {
  request: AppendRequest<unknown>;
  /** The traceparent of the request that asked for the append: its events carry it, not the batch's. */
  trace: string | undefined;
  resolve: (result: AppendResult) => void;
  reject: (err: unknown) => void;
}

export interface LedgerLogOptions {
  knex: Knex;
  /** The ledger's outbox: events are written in each batch's transaction. */
  outbox: Outbox;
  keys: LogKeys;
  logger: Logger;
  batchMax: number;
  checkpointIntervalMs: number;
  checkpointEveryEntries: number;
  registry?: Registry;
  /** Called after every commit that wrote events (e.g. to wake the outbox relay at once). */
  onEvents?: () => void;
}

/** A key as a batch knows it: the store's name before the store's own key, so two stores never collide. */
function batchKey(store: IdempotencyStore, key: string): string {
  return `${store.name}\n${key}`;
}

/**
 * The Transparency Ledger's append path. Appends from all concurrent requests queue here and are
 * written in batches, one transaction each (group commit), under one tree-state lock shared by every
 * ledger process: indexes stay gapless and ordered, a batch is all or nothing, and throughput is not
 * bound to one fsync per entry. The frontier (the tree's right edge) lives in memory and is rebuilt
 * from the stored nodes at start, after a failed batch, or when another process appended meanwhile.
 * Signed checkpoints are published with a batch when one is due, and by a timer when the log idles.
 */
export class LedgerLog {
  private frontier = Frontier.empty();
  private queue: Pending[] = [];
  private flushing = false;
  private closed = false;
  private lastCheckpoint = { size: -1n, at: 0 };
  private timer: NodeJS.Timeout | undefined;
  private idle: Promise<void> = Promise.resolve();
  private readonly metrics;

  constructor(private readonly options: LedgerLogOptions) {
    this.metrics = createLedgerMetrics(options.registry ?? new Registry());
  }

  /** Loads the tree state, publishes a checkpoint if the latest is behind, and starts the checkpoint timer. */
  async start(): Promise<void> {
    await this.inTransaction(async (db) => {
      await ledgerStore.lockTree(db);
      await this.syncFrontier(db);
      const latest = await ledgerStore.latestCheckpoint(db);
      this.lastCheckpoint = { size: latest?.treeSize ?? -1n, at: latest?.publishedAt.getTime() ?? 0 };
      if (this.lastCheckpoint.size !== this.frontier.size) await this.publishCheckpoint(db);
    });
    this.timer = setInterval(() => void this.publishIfBehind(), this.options.checkpointIntervalMs);
    this.timer.unref();
    this.options.logger.info({ treeSize: this.frontier.size.toString() }, 'ledger log ready');
  }

  /** Stops taking appends, finishes what is queued, and stops the timer. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    while (this.flushing || this.queue.length > 0) await this.idle;
  }

  get size(): bigint {
    return this.frontier.size;
  }

  /** Appends one entry; resolves once it is committed. */
  append<P>(request: AppendRequest<P>): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('the ledger log is shutting down'));
    return new Promise((resolve, reject) => {
      this.queue.push({
        request: request as AppendRequest<unknown>,
        trace: currentTraceparent(),
        resolve,
        reject,
      });
      this.metrics.queueDepth.set(this.queue.length);
      if (!this.flushing) this.kick();
    });
  }

  private kick(): void {
    this.flushing = true;
    // The loop serves every request queued while it runs, not the one whose append started it.
    this.idle = outsideAnyTrace(async () => {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.options.batchMax);
        this.metrics.queueDepth.set(this.queue.length);
        await this.flush(batch);
      }
      this.flushing = false;
    });
  }

  private async flush(batch: Pending[]): Promise<void> {
    const started = performance.now();
    const before = this.frontier.clone();
    try {
      const results = await this.inTransaction((db) => this.appendBatch(db, batch));
      for (const [i, p] of batch.entries()) p.resolve(results[i]!);
      this.options.onEvents?.();
      const appended = results.filter((r) => !r.replayed).length;
      this.metrics.appends.inc(appended);
      this.metrics.replays.inc(results.length - appended);
      this.metrics.batchSize.observe(batch.length);
      this.metrics.batchSeconds.observe((performance.now() - started) / 1000);
      this.metrics.treeSize.set(Number(this.frontier.size));
    } catch (err) {
      // Nothing of the batch was committed: forget what it did to the frontier.
      this.frontier = before;
      if (batch.length > 1 && causedByAnEntry(err)) {
        // One entry's content failed the whole insert. Appends come from many callers, and no caller's
        // input may fail another's: halve the batch and retry each half, so only the culprit fails
        // (about 2·log2(n) more transactions for one bad entry among n).
        this.metrics.batchSplits.inc();
        this.options.logger.warn(
          { err, entries: batch.length },
          'ledger batch failed on an entry; retrying it in halves',
        );
        const half = Math.ceil(batch.length / 2);
        await this.flush(batch.slice(0, half));
        await this.flush(batch.slice(half));
        return;
      }
      this.options.logger.error(
        { err, entries: batch.length },
        'ledger batch failed; nothing of it was committed',
      );
      for (const p of batch) p.reject(err);
    }
  }

  private async appendBatch(db: PoolClient, batch: Pending[]): Promise<AppendResult[]> {
    await ledgerStore.lockTree(db);
    await this.syncFrontier(db);
    const recorded = await this.earlierAppends(db, batch);
    const recordedAt = new Date().toISOString();
    const entries: EntryRow[] = [];
    const byKind = new Map<EntryKind<unknown>, Appended<unknown>[]>();
    const keys = new Map<IdempotencyStore, (IdempotencyKey & { index: bigint })[]>();
    const results: (AppendResult | { sameAs: string })[] = [];
    const inBatch = new Map<string, number>();
    let next = this.frontier.size;
    for (const { request, trace } of batch) {
      const key = request.idempotency
        ? batchKey(request.kind.idempotency, keyOf(request.idempotency))
        : undefined;
      const earlier = key ? recorded.get(key) : undefined;
      if (earlier) {
        results.push({ ...earlier, replayed: true });
        continue;
      }
      if (key && inBatch.has(key)) {
        results.push({ sameAs: key });
        continue;
      }
      const index = next++;
      let json: string;
      try {
        json = canonicalJson(request.entry(recordedAt));
      } catch (err) {
        throw new EntryError(err);
      }
      const canonical = encoder.encode(json);
      const hash = leafHash(canonical);
      entries.push({
        index,
        kind: request.kind.kind,
        leafHash: hash,
        canonical,
        payload: json,
        recordedAt,
        treeSize: 0n,
      });
      const ofKind = byKind.get(request.kind) ?? [];
      ofKind.push({ index, recordedAt, projection: request.projection, trace });
      byKind.set(request.kind, ofKind);
      if (request.idempotency) {
        const store = request.kind.idempotency;
        let rows = keys.get(store);
        if (!rows) {
          rows = [];
          keys.set(store, rows);
        }
        rows.push({ ...request.idempotency, index });
      }
      if (key) inBatch.set(key, results.length);
      results.push({
        index,
        leafHash: hash,
        treeSize: 0n,
        replayed: false,
        canonicalJson: json,
        ...(request.recordId !== undefined ? { recordId: request.recordId } : {}),
      });
    }
    const appended = this.frontier.appendAll(entries.map((e) => e.leafHash));
    for (const e of entries) e.treeSize = appended.size;
    await ledgerStore.insertEntries(db, entries);
    await ledgerStore.insertNodes(db, appended.completed);
    for (const [store, rows] of keys) await store.record(db, rows);
    const events: OutboxEvent[] = [];
    for (const [kind, items] of byKind) events.push(...(await kind.project(db, items)));
    await this.options.outbox.write(db, events);
    if (this.checkpointDue()) await this.publishCheckpoint(db);
    return results.map((r) => {
      if (!('sameAs' in r)) return r.replayed ? r : { ...r, treeSize: appended.size };
      const first = results[inBatch.get(r.sameAs)!] as AppendResult;
      return { ...first, treeSize: appended.size, replayed: true };
    });
  }

  /** Appends already recorded under the batch's idempotency keys, asked of each kind's store once. */
  private async earlierAppends(
    db: PoolClient,
    batch: readonly Pending[],
  ): Promise<Map<string, EarlierAppend>> {
    const wanted = new Map<IdempotencyStore, IdempotencyKey[]>();
    for (const { request } of batch) {
      if (!request.idempotency) continue;
      const store = request.kind.idempotency;
      let keys = wanted.get(store);
      if (!keys) {
        keys = [];
        wanted.set(store, keys);
      }
      keys.push(request.idempotency);
    }
    const found = new Map<string, EarlierAppend>();
    for (const [store, keys] of wanted) {
      for (const [key, earlier] of await store.lookup(db, keys)) found.set(batchKey(store, key), earlier);
    }
    return found;
  }

  /** Makes the in-memory frontier match the stored tree (another process may have appended). */
  private async syncFrontier(db: PoolClient): Promise<void> {
    const size = await ledgerStore.size(db);
    if (size === this.frontier.size) return;
    const ids = Frontier.nodeIds(size);
    const nodes = await ledgerStore.nodes(db, ids);
    this.frontier = Frontier.fromNodes(size, (level, index) => {
      const hash = nodes.get(nodeKey(level, index));
      if (!hash) throw new Error(`stored tree is missing node ${level}/${index} at size ${size}`);
      return hash;
    });
    this.options.logger.info({ treeSize: size.toString() }, 'ledger frontier loaded from the database');
  }

  private checkpointDue(): boolean {
    const grown = this.frontier.size - (this.lastCheckpoint.size < 0n ? 0n : this.lastCheckpoint.size);
    return (
      grown >= BigInt(this.options.checkpointEveryEntries) ||
      (grown > 0n && Date.now() - this.lastCheckpoint.at >= this.options.checkpointIntervalMs)
    );
  }

  private async publishCheckpoint(db: PoolClient): Promise<void> {
    const { keys } = this.options;
    const size = this.frontier.size;
    const root = this.frontier.root();
    const note = signCheckpoint({ origin: keys.origin, size, rootHash: root }, [keys.signer]);
    await ledgerStore.insertCheckpoint(db, size, root, note);
    await this.options.outbox.write(db, [
      { topic: CHECKPOINT_PUBLISHED, key: { treeSize: size.toString() } },
    ]);
    this.lastCheckpoint = { size, at: Date.now() };
    this.metrics.checkpoints.inc();
  }

  /** The timer's job: when appends stopped after the last checkpoint, sign the tree as it is now. */
  private async publishIfBehind(): Promise<void> {
    if (this.flushing || this.closed || this.frontier.size === this.lastCheckpoint.size) return;
    // Going through the queue keeps the timer and the batches from interleaving.
    this.flushing = true;
    this.idle = (async () => {
      try {
        await this.inTransaction(async (db) => {
          await ledgerStore.lockTree(db);
          await this.syncFrontier(db);
          const latest = await ledgerStore.latestCheckpoint(db);
          if (!latest || latest.treeSize < this.frontier.size) await this.publishCheckpoint(db);
          else this.lastCheckpoint = { size: latest.treeSize, at: latest.publishedAt.getTime() };
        });
        this.options.onEvents?.();
      } catch (err) {
        this.options.logger.error({ err }, 'publishing a checkpoint failed; will retry');
      } finally {
        this.flushing = false;
        if (this.queue.length > 0) this.kick();
      }
    })();
    await this.idle;
  }

  /** Runs `fn` in one transaction on one pooled connection: committed if it returns, rolled back if it throws. */
  private inTransaction<T>(fn: (db: PoolClient) => Promise<T>): Promise<T> {
    return this.withConnection(async (db) => {
      await db.query('begin');
      try {
        const result = await fn(db);
        await db.query('commit');
        return result;
      } catch (err) {
        await db.query('rollback').catch(() => {});
        throw err;
      }
    });
  }

  private async withConnection<T>(fn: (db: PoolClient) => Promise<T>): Promise<T> {
    const { client } = this.options.knex;
    const connection = (await client.acquireConnection()) as PoolClient;
    try {
      return await fn(connection);
    } finally {
      await client.releaseConnection(connection);
    }
  }
}

/** An entry that could not be built or canonicalised: its own fault, not the batch's. */
class EntryError extends Error {
  constructor(cause: unknown) {
    super(`an entry could not be built: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'EntryError';
  }
}

/**
 * Whether a failed batch may have failed because of what one entry holds, rather than because the
 * database is unreachable or the transaction was interrupted: PostgreSQL's data exceptions (class 22,
 * e.g. 22P05 for U+0000 in jsonb) and integrity violations (class 23), and entries that could not be built.
 */
function causedByAnEntry(err: unknown): boolean {
  if (err instanceof EntryError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}
