import { ForbiddenError, NotFoundError, OutOfRangeError } from '@ecp/errors/errors';
import type { Principal } from '@ecp/identity/principal';
import { formatProofBundle } from '@ecp/merkle/proof-bundle';
import {
  consistencyProof,
  consistencyProofNodes,
  inclusionProof,
  inclusionProofNodes,
} from '@ecp/merkle/proofs';
import type { NodeAccessor } from '@ecp/merkle/tree';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PoolClient } from 'pg';
import { CheckpointEntity, type CheckpointRow, type Entry, EntryEntity } from './ledger.entities';
import { ledgerStore, nodeKey } from './ledger-store';
import { parseLedgerNumber } from './numbers';
import { withPgClient } from './pg-client';
import { entryOwner, mayReadContents } from './visibility';

export interface InclusionProofView {
  index: bigint;
  treeSize: bigint;
  hashes: Uint8Array[];
}

export interface ConsistencyProofView {
  fromSize: bigint;
  toSize: bigint;
  hashes: Uint8Array[];
}

/**
 * What auditors ask of the ledger: entries, signed checkpoints, inclusion and consistency proofs (from
 * stored nodes, never by rebuilding the tree) and self-contained proof bundles. Readable by any
 * authenticated caller, but for entries' bytes (see visibility.ts); the checks themselves need
 * nothing but the log's public key.
 */
export class ProofService {
  constructor(private readonly deps: { em: EntityManager; principal: Principal }) {}

  async entry(indexText: string): Promise<Entry | null> {
    const index = parseLedgerNumber(indexText, 'index');
    return this.deps.em.findOne(EntryEntity, { index: index.toString() });
  }

  /** Entries in index order from `fromIndex`, for exports. */
  async entries(fromIndex: bigint, limit: number): Promise<Entry[]> {
    return this.deps.em.find(
      EntryEntity,
      { index: { $gte: fromIndex.toString() } },
      { orderBy: { index: 'asc' }, limit },
    );
  }

  async checkpoints(fromSize: bigint, limit: number): Promise<CheckpointRow[]> {
    return this.deps.em.find(
      CheckpointEntity,
      { treeSize: { $gte: fromSize.toString() } },
      { orderBy: { treeSize: 'asc' }, limit },
    );
  }

  /** The latest checkpoint, or the one at exactly `treeSize` (null when none was published at that size). */
  async checkpoint(treeSizeText?: string | null): Promise<CheckpointRow | null> {
    if (treeSizeText == null) {
      const [latest] = await this.deps.em.find(
        CheckpointEntity,
        {},
        { orderBy: { treeSize: 'desc' }, limit: 1 },
      );
      return latest ?? null;
    }
    const size = parseLedgerNumber(treeSizeText, 'treeSize');
    return this.deps.em.findOne(CheckpointEntity, { treeSize: size.toString() });
  }

  /** Proof that entry `index` is in the tree of `treeSize` (default: the latest checkpoint's size). */
  async inclusion(indexText: string, treeSizeText?: string | null): Promise<InclusionProofView> {
    const index = parseLedgerNumber(indexText, 'index');
    return withPgClient(this.deps.em, async (db) => {
      const treeSize = await this.resolveSize(db, treeSizeText, 'treeSize');
      if (index >= treeSize) {
        throw new OutOfRangeError(`Entry ${index} is not in a tree of size ${treeSize}.`, [
          { path: 'index', reason: `must be below the tree size ${treeSize}` },
        ]);
      }
      const hashes = inclusionProof(
        index,
        treeSize,
        await this.accessor(db, inclusionProofNodes(index, treeSize).flat()),
      );
      return { index, treeSize, hashes };
    });
  }

  /** Proof that the tree of `fromSize` is a prefix of the tree of `toSize` (default: the latest checkpoint's size). */
  async consistency(fromText: string, toText?: string | null): Promise<ConsistencyProofView> {
    const fromSize = parseLedgerNumber(fromText, 'fromSize');
    return withPgClient(this.deps.em, async (db) => {
      const toSize = await this.resolveSize(db, toText, 'toSize');
      if (fromSize < 1n || fromSize > toSize) {
        throw new OutOfRangeError(
          `A consistency proof needs 0 < fromSize ≤ toSize (got ${fromSize} and ${toSize}).`,
          [{ path: 'fromSize', reason: `must be between 1 and ${toSize}` }],
        );
      }
      const hashes = consistencyProof(
        fromSize,
        toSize,
        await this.accessor(db, consistencyProofNodes(fromSize, toSize).flat()),
      );
      return { fromSize, toSize, hashes };
    });
  }

  /**
   * One text file with everything needed to check that entry `index` is in the log offline: the
   * entry's canonical bytes, its index, the inclusion path and the latest signed checkpoint.
   */
  async bundle(indexText: string): Promise<string> {
    const checkpoint = await this.checkpoint();
    if (!checkpoint) throw new NotFoundError('No checkpoint has been published yet.');
    const entry = await this.entry(indexText);
    if (!entry)
      throw new OutOfRangeError(`No entry has index ${indexText}.`, [
        { path: 'index', reason: 'beyond the tree' },
      ]);
    if (!mayReadContents(this.deps.principal, entryOwner(entry))) {
      throw new ForbiddenError(
        `Entry ${indexText} is another agent's record: its bytes (and so its bundle) are for that agent and for people. Its inclusion proof needs only its leaf hash: ask for inclusionProof.`,
      );
    }
    const proof = await this.inclusion(indexText, checkpoint.treeSize);
    return formatProofBundle({
      index: proof.index,
      treeSize: proof.treeSize,
      entry: new Uint8Array(entry.canonical),
      proof: proof.hashes,
      checkpoint: checkpoint.note,
    });
  }

  private async resolveSize(db: PoolClient, text: string | null | undefined, path: string): Promise<bigint> {
    const current = await ledgerStore.size(db);
    if (text == null) {
      const latest = await ledgerStore.latestCheckpoint(db);
      return latest?.treeSize ?? current;
    }
    const size = parseLedgerNumber(text, path);
    if (size > current) {
      throw new OutOfRangeError(
        `The ledger holds ${current} entries; there is no tree of size ${size} yet.`,
        [{ path, reason: `must be at most ${current}` }],
      );
    }
    return size;
  }

  private async accessor(
    db: PoolClient,
    ids: Parameters<typeof ledgerStore.nodes>[1],
  ): Promise<NodeAccessor> {
    const nodes = await ledgerStore.nodes(db, ids);
    return (level, index) => {
      const hash = nodes.get(nodeKey(level, index));
      if (!hash) throw new Error(`stored tree is missing node ${level}/${index}`);
      return hash;
    };
  }
}
