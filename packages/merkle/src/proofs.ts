/**
 * Inclusion (RFC 9162 §2.1.3) and consistency (§2.1.4) proofs: generation from stored perfect-subtree
 * nodes, reference generation from a full leaf list, and verification.
 *
 * Error convention: the `verify*` functions and {@link rootFromInclusionProof} take untrusted input and
 * report every failure by throwing a {@link ProofError} whose `reason` says what was wrong; they never
 * return a "false" that a caller could forget to check. Generation functions are called by the log with
 * its own sizes, so bad arguments there are programming errors and throw `RangeError`.
 */
import { emptyRoot, equalBytes, HASH_SIZE, nodeHash } from './hash';
import type { NodeAccessor, NodeId } from './tree';
import {
  assertTreeSize,
  bitLength,
  foldRight,
  largestPowerOfTwoBelow,
  rangeNodes,
  rootFromLeaves,
} from './tree';

/** Why a proof was rejected. */
export type ProofErrorReason =
  /** Leaf index not below the tree size. */
  | 'index-out-of-range'
  /** A size is negative, above 2^64 − 1, or the first tree is larger than the second. */
  | 'invalid-size'
  /** The proof does not have the number of hashes the sizes dictate. */
  | 'wrong-proof-length'
  /** A leaf hash, root or proof element is not 32 bytes. */
  | 'invalid-hash-length'
  /** The recomputed root differs from the expected one. */
  | 'root-mismatch';

/** A proof failed verification; `reason` is stable and meant for programs, `message` for people. */
export class ProofError extends Error {
  readonly reason: ProofErrorReason;

  constructor(reason: ProofErrorReason, message: string) {
    super(message);
    this.name = 'ProofError';
    this.reason = reason;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Generation from stored nodes

/**
 * The perfect subtrees whose hashes make up the inclusion proof for `leafIndex` in a tree of `treeSize`
 * leaves: one inner list per proof element, in proof order (leaf level first). An element is the right
 * fold of its list (see `foldRight` in `./tree`); lists longer than one only occur for the single element
 * that covers an incomplete right edge. Lets a server fetch every needed node in one batch.
 *
 * @throws RangeError unless 0 ≤ leafIndex < treeSize < 2^64.
 */
export function inclusionProofNodes(leafIndex: bigint, treeSize: bigint): NodeId[][] {
  assertTreeSize(treeSize);
  if (typeof leafIndex !== 'bigint' || leafIndex < 0n || leafIndex >= treeSize) {
    throw new RangeError(`leaf index ${leafIndex} is outside a tree of size ${treeSize}`);
  }
  // Walks RFC 9162 PATH(m, D[start:start+size]) top-down; the proof lists the siblings bottom-up.
  const topDown: NodeId[][] = [];
  let start = 0n;
  let size = treeSize;
  let m = leafIndex;
  while (size > 1n) {
    const k = 1n << BigInt(bitLength(size - 1n) - 1);
    if (m < k) {
      topDown.push(rangeNodes(start + k, start + size));
      size = k;
    } else {
      topDown.push(rangeNodes(start, start + k));
      start += k;
      m -= k;
      size -= k;
    }
  }
  return topDown.reverse();
}

/**
 * The nodes behind a consistency proof from `size1` to `size2`, in the same shape as
 * {@link inclusionProofNodes}. Empty when size1 is 0 or equal to size2 (nothing to prove).
 *
 * @throws RangeError unless 0 ≤ size1 ≤ size2 < 2^64.
 */
export function consistencyProofNodes(size1: bigint, size2: bigint): NodeId[][] {
  assertTreeSize(size1, 'first tree size');
  assertTreeSize(size2, 'second tree size');
  if (size1 > size2) throw new RangeError(`first tree size ${size1} exceeds second tree size ${size2}`);
  if (size1 === 0n || size1 === size2) return [];
  // RFC 9162 SUBPROOF(m, D[start:start+n], b), unrolled; every step appends after the recursive part.
  const topDown: NodeId[][] = [];
  let start = 0n;
  let n = size2;
  let m = size1;
  let wholeOldTreeKnown = true; // the RFC's b: the verifier already has MTH of this subtree
  for (;;) {
    if (m === n) {
      if (!wholeOldTreeKnown) topDown.push(rangeNodes(start, start + n));
      break;
    }
    const k = 1n << BigInt(bitLength(n - 1n) - 1);
    if (m <= k) {
      topDown.push(rangeNodes(start + k, start + n));
      n = k;
    } else {
      topDown.push(rangeNodes(start, start + k));
      start += k;
      m -= k;
      n -= k;
      wholeOldTreeKnown = false;
    }
  }
  return topDown.reverse();
}

function resolve(plan: NodeId[][], getNode: NodeAccessor): Uint8Array[] {
  return plan.map((ids) => foldRight(ids.map((id) => getNode(id.level, id.index))));
}

/**
 * Inclusion proof (RFC 9162 §2.1.3.1 PATH) for `leafIndex` in the tree of `treeSize` leaves, read from
 * stored perfect-subtree nodes: O(log n) node reads and at most O(log n) hashes for the right edge.
 */
export function inclusionProof(leafIndex: bigint, treeSize: bigint, getNode: NodeAccessor): Uint8Array[] {
  return resolve(inclusionProofNodes(leafIndex, treeSize), getNode);
}

/**
 * Consistency proof (RFC 9162 §2.1.4.1 PROOF) between tree sizes `size1` ≤ `size2`, read from stored
 * perfect-subtree nodes. Empty when size1 is 0 or equals size2.
 */
export function consistencyProof(size1: bigint, size2: bigint, getNode: NodeAccessor): Uint8Array[] {
  return resolve(consistencyProofNodes(size1, size2), getNode);
}

// ---------------------------------------------------------------------------------------------------------
// Reference generation: the RFC's recursive definitions over the full leaf list. O(n) per proof.

/** PATH(m, D[n]) computed literally from RFC 9162 §2.1.3.1 over all leaf hashes. */
export function referenceInclusionProof(leafHashes: readonly Uint8Array[], leafIndex: number): Uint8Array[] {
  if (!Number.isSafeInteger(leafIndex) || leafIndex < 0 || leafIndex >= leafHashes.length) {
    throw new RangeError(`leaf index ${leafIndex} is outside a tree of size ${leafHashes.length}`);
  }
  return path(leafIndex, leafHashes);
}

function path(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  const n = d.length;
  if (n === 1) return [];
  const k = largestPowerOfTwoBelow(n);
  if (m < k) return [...path(m, d.slice(0, k)), rootFromLeaves(d.slice(k))];
  return [...path(m - k, d.slice(k)), rootFromLeaves(d.slice(0, k))];
}

/**
 * PROOF(m, D[n]) computed literally from RFC 9162 §2.1.4.1, where D[n] is all of `leafHashes`. Returns an
 * empty proof for m = 0 and m = n, matching {@link consistencyProof}.
 */
export function referenceConsistencyProof(leafHashes: readonly Uint8Array[], size1: number): Uint8Array[] {
  if (!Number.isSafeInteger(size1) || size1 < 0 || size1 > leafHashes.length) {
    throw new RangeError(`first tree size ${size1} is outside [0, ${leafHashes.length}]`);
  }
  if (size1 === 0) return [];
  return subproof(size1, leafHashes, true);
}

function subproof(m: number, d: readonly Uint8Array[], b: boolean): Uint8Array[] {
  const n = d.length;
  if (m === n) return b ? [] : [rootFromLeaves(d)];
  const k = largestPowerOfTwoBelow(n);
  if (m <= k) return [...subproof(m, d.slice(0, k), b), rootFromLeaves(d.slice(k))];
  return [...subproof(m - k, d.slice(k), false), rootFromLeaves(d.slice(0, k))];
}

// ---------------------------------------------------------------------------------------------------------
// Verification

function checkHash(h: Uint8Array, what: string): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    throw new ProofError('invalid-hash-length', `${what} must be a ${HASH_SIZE}-byte hash`);
  }
}

function checkProofHashes(proof: readonly Uint8Array[]): void {
  proof.forEach((h, i) => {
    checkHash(h, `proof element ${i}`);
  });
}

function checkSize(size: bigint, what: string): void {
  try {
    assertTreeSize(size, what);
  } catch (e) {
    throw new ProofError('invalid-size', (e as Error).message);
  }
}

function popCount(x: bigint): number {
  let count = 0;
  for (let v = x; v > 0n; v >>= 1n) count += Number(v & 1n);
  return count;
}

/**
 * Number of hashes in the inclusion proof for `index` in a tree of `size`: one per level below the point
 * where the leaf's path leaves the right edge, plus one per left sibling above it.
 */
function inclusionProofLength(index: bigint, size: bigint): number {
  const inner = bitLength(index ^ (size - 1n));
  return inner + popCount(index >> BigInt(inner));
}

function trailingZeros(x: bigint): number {
  let n = 0;
  for (let v = x; (v & 1n) === 0n; v >>= 1n) n++;
  return n;
}

/**
 * Root of the tree of `treeSize` leaves implied by an inclusion proof, computed per RFC 9162 §2.1.3.2.
 *
 * @throws ProofError if the index, sizes or proof shape are invalid; the returned root still has to be
 * compared with a trusted one (or use {@link verifyInclusion}).
 */
export function rootFromInclusionProof(
  leafIndex: bigint,
  treeSize: bigint,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array {
  checkSize(treeSize, 'tree size');
  if (typeof leafIndex !== 'bigint' || leafIndex < 0n || leafIndex >= treeSize) {
    throw new ProofError(
      'index-out-of-range',
      `leaf index ${leafIndex} is outside a tree of size ${treeSize}`,
    );
  }
  checkHash(leafHash, 'leaf hash');
  // The length check bounds the work done on hostile input before any hashing.
  const expected = inclusionProofLength(leafIndex, treeSize);
  if (proof.length !== expected) {
    throw new ProofError(
      'wrong-proof-length',
      `inclusion proof for leaf ${leafIndex} of ${treeSize} needs ${expected} hashes, got ${proof.length}`,
    );
  }
  checkProofHashes(proof);

  let fn = leafIndex;
  let sn = treeSize - 1n;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0n) throw new ProofError('wrong-proof-length', 'inclusion proof is too long');
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      // Skip the levels where this node has no right sibling (the tree's ragged right edge).
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new ProofError('wrong-proof-length', 'inclusion proof is too short');
  return r;
}

/**
 * Verifies that `leafHash` is leaf `leafIndex` of the tree of `treeSize` leaves with root `root`
 * (RFC 9162 §2.1.3.2). Returns normally on success.
 *
 * @throws ProofError on any failure.
 */
export function verifyInclusion(
  leafIndex: bigint,
  treeSize: bigint,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  checkHash(root, 'root hash');
  const computed = rootFromInclusionProof(leafIndex, treeSize, leafHash, proof);
  if (!equalBytes(computed, root)) {
    throw new ProofError(
      'root-mismatch',
      `inclusion proof does not lead to the root of tree size ${treeSize}`,
    );
  }
}

/**
 * Verifies that the tree of `size2` leaves with root `root2` extends the tree of `size1` leaves with root
 * `root1` (RFC 9162 §2.1.4.2). Returns normally on success.
 *
 * Cases the RFC leaves open are decided so that nothing unproven is accepted: equal sizes need an empty
 * proof and equal roots; size1 = 0 needs an empty proof and `root1` equal to the empty-tree hash.
 *
 * @throws ProofError on any failure.
 */
export function verifyConsistency(
  size1: bigint,
  size2: bigint,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  checkSize(size1, 'first tree size');
  checkSize(size2, 'second tree size');
  if (size1 > size2) {
    throw new ProofError('invalid-size', `first tree size ${size1} exceeds second tree size ${size2}`);
  }
  checkHash(root1, 'first root hash');
  checkHash(root2, 'second root hash');

  if (size1 === size2 || size1 === 0n) {
    if (proof.length !== 0) {
      throw new ProofError('wrong-proof-length', `consistency proof from ${size1} to ${size2} must be empty`);
    }
    if (size1 === 0n && !equalBytes(root1, emptyRoot())) {
      throw new ProofError('root-mismatch', 'the root of an empty tree must be the empty-tree hash');
    }
    if (size1 === size2 && !equalBytes(root1, root2)) {
      throw new ProofError('root-mismatch', `two different roots for tree size ${size1}`);
    }
    return;
  }

  const isPowerOfTwo = (size1 & (size1 - 1n)) === 0n;
  const inner = bitLength((size1 - 1n) ^ (size2 - 1n));
  const border = popCount((size1 - 1n) >> BigInt(inner));
  const expected = (isPowerOfTwo ? 0 : 1) + inner - trailingZeros(size1) + border;
  if (proof.length !== expected) {
    throw new ProofError(
      'wrong-proof-length',
      `consistency proof from ${size1} to ${size2} needs ${expected} hashes, got ${proof.length}`,
    );
  }
  checkProofHashes(proof);

  // RFC 9162 §2.1.4.2 steps 2-7.
  const path = isPowerOfTwo ? [root1, ...proof] : proof;
  let fn = size1 - 1n;
  let sn = size2 - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0n) throw new ProofError('wrong-proof-length', 'consistency proof is too long');
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new ProofError('wrong-proof-length', 'consistency proof is too short');
  if (!equalBytes(fr, root1)) {
    throw new ProofError(
      'root-mismatch',
      `consistency proof does not lead to the root of tree size ${size1}`,
    );
  }
  if (!equalBytes(sr, root2)) {
    throw new ProofError(
      'root-mismatch',
      `consistency proof does not lead to the root of tree size ${size2}`,
    );
  }
}
