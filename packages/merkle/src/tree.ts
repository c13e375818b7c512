/**
 * Merkle Tree Hash (RFC 9162 §2.1.1) and the incremental right-edge ("frontier", or compact range [0, n))
 * used to append to the ledger without re-reading it.
 *
 * Node addressing used throughout the package: node (level, index) is the root of the perfect subtree
 * covering leaves [index·2^level, (index+1)·2^level). Level 0 nodes are the leaf hashes themselves.
 */
import { emptyRoot, HASH_SIZE, nodeHash } from './hash';

/** Largest tree size representable in RFC 9162 (uint64). */
export const MAX_TREE_SIZE = (1n << 64n) - 1n;

/** Address of a perfect subtree; see the module comment. */
export interface NodeId {
  readonly level: number;
  readonly index: bigint;
}

/** A perfect subtree root together with its address. */
export interface TreeNode extends NodeId {
  readonly hash: Uint8Array;
}

/**
 * Returns the stored hash of perfect subtree (level, index). Must return the leaf hash for level 0 and
 * may throw if the node is unknown.
 */
export type NodeAccessor = (level: number, index: bigint) => Uint8Array;

/**
 * Reference MTH(D[n]) straight from the RFC 9162 recursive definition. O(n) hashes: meant for tests,
 * small trees and cross-checking, not for the hot path.
 */
export function rootFromLeaves(leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) return emptyRoot();
  if (leafHashes.length === 1) return (leafHashes[0] as Uint8Array).slice();
  return mth(leafHashes, 0, leafHashes.length);
}

function mth(leaves: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 1) return leaves[start] as Uint8Array;
  const k = largestPowerOfTwoBelow(n);
  return nodeHash(mth(leaves, start, start + k), mth(leaves, start + k, end));
}

/** Largest power of two strictly less than `n`, for 2 ≤ n ≤ 2^32 (the split point k of RFC 9162). */
export function largestPowerOfTwoBelow(n: number): number {
  // clz32 is exact where Math.log2 can round up just below a power of two.
  return 2 ** (31 - Math.clz32(n - 1));
}

/** Number of significant bits of a non-negative bigint (0 for 0n). */
export function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/**
 * Perfect subtrees that exactly tile [start, end), left to right, largest first. MTH of the range is the
 * right fold of their hashes (see {@link foldRight}) for every range that RFC 9162's recursion produces.
 *
 * @throws RangeError if the range cannot be tiled that way (`start` not suitably aligned).
 */
export function rangeNodes(start: bigint, end: bigint): NodeId[] {
  const ids: NodeId[] = [];
  let pos = start;
  const size = end - start;
  for (let level = bitLength(size) - 1; level >= 0; level--) {
    const width = 1n << BigInt(level);
    if ((size & width) !== 0n) {
      if (pos % width !== 0n) throw new RangeError(`[${start}, ${end}) is not aligned to perfect subtrees`);
      ids.push({ level, index: pos >> BigInt(level) });
      pos += width;
    }
  }
  return ids;
}

/**
 * Combines subtree roots listed left to right into the root of the tree they form when each is a left
 * sibling of everything to its right (the shape of an RFC 9162 right edge): h0 ⊕ (h1 ⊕ (… ⊕ hk)).
 */
export function foldRight(hashes: readonly Uint8Array[]): Uint8Array {
  let i = hashes.length - 1;
  if (i < 0) throw new RangeError('cannot fold an empty list of hashes');
  // A single hash is copied so that callers never receive an alias of stored or internal state.
  if (i === 0) return (hashes[0] as Uint8Array).slice();
  let acc = hashes[i] as Uint8Array;
  while (--i >= 0) acc = nodeHash(hashes[i] as Uint8Array, acc);
  return acc;
}

/** Checks that `size` is a valid tree size. */
export function assertTreeSize(size: bigint, what = 'tree size'): void {
  if (typeof size !== 'bigint' || size < 0n || size > MAX_TREE_SIZE) {
    throw new RangeError(`${what} must be a bigint in [0, 2^64)`);
  }
}

/** Root hash of the tree of size `size` computed from stored perfect-subtree nodes: O(log n) reads. */
export function rootFromNodes(size: bigint, getNode: NodeAccessor): Uint8Array {
  assertTreeSize(size);
  if (size === 0n) return emptyRoot();
  return foldRight(rangeNodes(0n, size).map((id) => getNode(id.level, id.index)));
}

/** Outcome of {@link Frontier.append} and {@link Frontier.appendAll}. */
export interface AppendResult {
  /** Tree size after the append. */
  readonly size: bigint;
  /** Root hash at the new size. */
  readonly root: Uint8Array;
  /**
   * Interior nodes (level ≥ 1) completed by the appended leaves, in completion order (for each leaf, lowest
   * level first). Stored together with the leaf hashes (level 0) they are every perfect subtree of the
   * tree, which is all that proof generation reads.
   */
  readonly completed: TreeNode[];
}

/**
 * The right edge of a tree of size n: one perfect-subtree root per set bit of n, largest (leftmost) first.
 * O(log n) memory; appending costs one node hash amortised, computing the root O(log n) hashes.
 */
export class Frontier {
  // Parallel stacks: hashes[i] is the root of a perfect subtree of height levels[i]; levels strictly decrease.
  readonly #hashes: Uint8Array[];
  readonly #levels: number[];
  #size: bigint;

  private constructor(size: bigint, hashes: Uint8Array[], levels: number[]) {
    this.#size = size;
    this.#hashes = hashes;
    this.#levels = levels;
  }

  /** An empty tree. */
  static empty(): Frontier {
    return new Frontier(0n, [], []);
  }

  /**
   * Rebuilds the frontier of a tree of `size` leaves from stored perfect-subtree nodes, so a server can
   * resume appending after a restart. Reads exactly popcount(size) nodes (see {@link Frontier.nodeIds}).
   */
  static fromNodes(size: bigint, getNode: NodeAccessor): Frontier {
    assertTreeSize(size);
    const ids = rangeNodes(0n, size);
    return Frontier.#build(
      size,
      ids.map((id) => getNode(id.level, id.index)),
      ids.map((id) => id.level),
    );
  }

  /** Rebuilds from the hashes returned by {@link Frontier.hashes} (largest subtree first). */
  static fromHashes(size: bigint, hashes: readonly Uint8Array[]): Frontier {
    assertTreeSize(size);
    const ids = rangeNodes(0n, size);
    if (hashes.length !== ids.length) {
      throw new RangeError(`a tree of size ${size} has ${ids.length} frontier hashes, got ${hashes.length}`);
    }
    return Frontier.#build(
      size,
      [...hashes],
      ids.map((id) => id.level),
    );
  }

  static #build(size: bigint, hashes: Uint8Array[], levels: number[]): Frontier {
    for (const h of hashes) {
      if (h.length !== HASH_SIZE) throw new RangeError(`frontier hashes must be ${HASH_SIZE} bytes`);
    }
    // Copies so that later mutation of caller-owned buffers cannot change the tree.
    return new Frontier(
      size,
      hashes.map((h) => h.slice()),
      levels,
    );
  }

  /** Addresses of the perfect subtrees that make up the frontier of a tree of `size` leaves. */
  static nodeIds(size: bigint): NodeId[] {
    assertTreeSize(size);
    return rangeNodes(0n, size);
  }

  /** Number of leaves appended so far. */
  get size(): bigint {
    return this.#size;
  }

  /** Frontier hashes, largest (leftmost) subtree first. */
  hashes(): Uint8Array[] {
    return this.#hashes.map((h) => h.slice());
  }

  /** Frontier nodes with their addresses, largest (leftmost) subtree first. */
  nodes(): TreeNode[] {
    return rangeNodes(0n, this.#size).map((id, i) => ({
      ...id,
      hash: (this.#hashes[i] as Uint8Array).slice(),
    }));
  }

  /** Root hash at the current size (the empty-tree hash when nothing was appended). */
  root(): Uint8Array {
    return this.#hashes.length === 0 ? emptyRoot() : foldRight(this.#hashes);
  }

  /** An independent copy. */
  clone(): Frontier {
    return new Frontier(this.#size, [...this.#hashes], [...this.#levels]);
  }

  /** Appends a leaf hash and reports the new root and every interior node it completed. */
  append(leafHash: Uint8Array): AppendResult {
    const completed: TreeNode[] = [];
    this.#push(leafHash, completed);
    return { size: this.#size, root: this.root(), completed };
  }

  /**
   * Appends leaf hashes in order and computes the root once at the end: the efficient path for a server
   * that commits appends in batches. `completed` lists the nodes completed by all of them, in order.
   */
  appendAll(leafHashes: Iterable<Uint8Array>): AppendResult {
    const completed: TreeNode[] = [];
    for (const h of leafHashes) this.#push(h, completed);
    return { size: this.#size, root: this.root(), completed };
  }

  /**
   * Appends a leaf hash without computing the root or collecting completed nodes: the cheap path for bulk
   * recomputation (auditing), where only some sizes' roots are wanted.
   */
  add(leafHash: Uint8Array): void {
    this.#push(leafHash, undefined);
  }

  #push(leafHash: Uint8Array, completed: TreeNode[] | undefined): void {
    if (leafHash.length !== HASH_SIZE) throw new RangeError(`leaf hashes must be ${HASH_SIZE} bytes`);
    if (this.#size === MAX_TREE_SIZE) throw new RangeError('tree is full');
    const hashes = this.#hashes;
    const levels = this.#levels;
    const leafIndex = this.#size;
    let hash: Uint8Array = leafHash.slice();
    let level = 0;
    // Equal heights at the top of the stack are siblings: merge them, exactly like a binary carry.
    while (levels.length > 0 && levels[levels.length - 1] === level) {
      levels.pop();
      hash = nodeHash(hashes.pop() as Uint8Array, hash);
      level++;
      completed?.push({ level, index: leafIndex >> BigInt(level), hash: hash.slice() });
    }
    hashes.push(hash);
    levels.push(level);
    this.#size = leafIndex + 1n;
  }
}
