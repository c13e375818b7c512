import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildStore, syntheticLeaves } from '../test/node-store';
import type { NodeLayoutVector } from '../test/rfc6962-vectors';
import {
  CONSISTENCY_LAYOUTS,
  CONSISTENCY_PROOFS,
  INCLUSION_LAYOUTS,
  INCLUSION_PROOFS,
  LEAF_INPUTS,
  ROOT_HASHES,
  SOME_HASH,
} from '../test/rfc6962-vectors';
import { emptyRoot, fromHex, leafHash, nodeHash } from './hash';
import type { ProofErrorReason } from './proofs';
import {
  consistencyProof,
  consistencyProofNodes,
  inclusionProof,
  inclusionProofNodes,
  ProofError,
  referenceConsistencyProof,
  referenceInclusionProof,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from './proofs';
import { Frontier, rootFromLeaves, rootFromNodes } from './tree';

const leaves = LEAF_INPUTS.map((x) => leafHash(fromHex(x)));
const roots = ROOT_HASHES.map((x) => fromHex(x));
const someHash = fromHex(SOME_HASH);
const emptyTreeHash = emptyRoot();
const { store } = buildStore(leaves);

function root(n: number): Uint8Array {
  return roots[n] as Uint8Array;
}

function reasonOf(fn: () => void): ProofErrorReason | 'accepted' {
  try {
    fn();
    return 'accepted';
  } catch (e) {
    if (e instanceof ProofError) return e.reason;
    throw e;
  }
}

function flipBit(h: Uint8Array, bit: number): Uint8Array {
  const out = h.slice();
  out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
  return out;
}

/** Converts the source's flat id list with a rehash range into one id list per proof element. */
function layout(v: NodeLayoutVector): { level: number; index: bigint }[][] {
  const ids = v.ids.map(([level, index]) => ({ level, index: BigInt(index) }));
  if (v.rehash === undefined) return ids.map((id) => [id]);
  const [begin, end] = v.rehash;
  return [
    ...ids.slice(0, begin).map((id) => [id]),
    ids.slice(begin, end).reverse(),
    ...ids.slice(end).map((id) => [id]),
  ];
}

describe('published inclusion proofs', () => {
  it.each(INCLUSION_PROOFS)(
    'leaf $leaf of $size: generated from stored nodes and verified',
    ({ leaf, size, proof }) => {
      const index = BigInt(leaf - 1);
      const want = proof.map((h) => fromHex(h));
      expect(inclusionProof(index, BigInt(size), store.get)).toEqual(want);
      expect(referenceInclusionProof(leaves.slice(0, size), leaf - 1)).toEqual(want);
      const lh = leaves[leaf - 1] as Uint8Array;
      expect(rootFromInclusionProof(index, BigInt(size), lh, want)).toEqual(root(size));
      expect(() => verifyInclusion(index, BigInt(size), lh, want, root(size))).not.toThrow();
    },
  );

  // The corruptions applied by the reference test suite to each known-good proof.
  it.each(INCLUSION_PROOFS)(
    'leaf $leaf of $size: every corrupted variant is rejected',
    ({ leaf, size, proof }) => {
      const i = BigInt(leaf - 1);
      const n = BigInt(size);
      const p = proof.map((h) => fromHex(h));
      const r = root(size);
      const lh = leaves[leaf - 1] as Uint8Array;
      const probes: [string, bigint, bigint, Uint8Array, Uint8Array[], Uint8Array][] = [
        ['leafIndex - 1', i - 1n, n, lh, p, r],
        ['leafIndex + 1', i + 1n, n, lh, p, r],
        ['leafIndex ^ 2', i ^ 2n, n, lh, p, r],
        ['treeSize * 2', i, n * 2n, lh, p, r],
        ['treeSize / 2', i, n / 2n, lh, p, r],
        ['wrong leaf', i, n, new TextEncoder().encode('WrongLeaf'), p, r],
        ['wrong leaf of the right length', i, n, someHash, p, r],
        ['empty root', i, n, lh, p, emptyTreeHash],
        ['random root', i, n, lh, p, someHash],
        ['trailing garbage', i, n, lh, [...p, new Uint8Array(0)], r],
        ['trailing root', i, n, lh, [...p, r], r],
        ['preceding garbage', i, n, lh, [new Uint8Array(0), ...p], r],
        ['preceding root', i, n, lh, [r, ...p], r],
        ...p.map(
          (_, k) =>
            [`modified proof[${k}] bit 3`, i, n, lh, p.map((h, j) => (j === k ? flipBit(h, 3) : h)), r] as [
              string,
              bigint,
              bigint,
              Uint8Array,
              Uint8Array[],
              Uint8Array,
            ],
        ),
      ];
      if (p.length > 0) probes.push(['removed component', i, n, lh, p.slice(0, -1), r]);
      if (p.length > 1)
        probes.push(['inserted component', i, n, lh, [p[0] as Uint8Array, someHash, ...p.slice(1)], r]);
      for (const [desc, pi, pn, pl, pp, pr] of probes) {
        expect(
          reasonOf(() => verifyInclusion(pi, pn, pl, pp, pr)),
          desc,
        ).not.toBe('accepted');
      }
    },
  );

  it('single-entry tree: the leaf hash is the root and the proof is empty', () => {
    const hash = leafHash(new TextEncoder().encode('data'));
    const empty = new Uint8Array(0);
    expect(reasonOf(() => verifyInclusion(0n, 1n, hash, [], hash))).toBe('accepted');
    expect(reasonOf(() => verifyInclusion(0n, 1n, empty, [], hash))).toBe('invalid-hash-length');
    expect(reasonOf(() => verifyInclusion(0n, 1n, hash, [], empty))).toBe('invalid-hash-length');
    expect(reasonOf(() => verifyInclusion(0n, 1n, empty, [], empty))).toBe('invalid-hash-length');
  });

  it.each([
    [0n, 0n],
    [0n, 1n],
    [1n, 0n],
    [2n, 1n],
  ])('index %s of size %s with an empty proof and unrelated hashes is rejected', (index, size) => {
    expect(reasonOf(() => verifyInclusion(index, size, someHash, [], new Uint8Array(0)))).not.toBe(
      'accepted',
    );
    expect(reasonOf(() => verifyInclusion(index, size, new Uint8Array(0), [], emptyTreeHash))).not.toBe(
      'accepted',
    );
    expect(reasonOf(() => verifyInclusion(index, size, someHash, [], emptyTreeHash))).not.toBe('accepted');
  });

  it('reports precise reasons', () => {
    const p = inclusionProof(5n, 8n, store.get);
    const lh = leaves[5] as Uint8Array;
    expect(reasonOf(() => verifyInclusion(8n, 8n, lh, p, root(8)))).toBe('index-out-of-range');
    expect(reasonOf(() => verifyInclusion(-1n, 8n, lh, p, root(8)))).toBe('index-out-of-range');
    expect(reasonOf(() => verifyInclusion(0n, -1n, lh, p, root(8)))).toBe('invalid-size');
    expect(reasonOf(() => verifyInclusion(0n, 1n << 64n, lh, p, root(8)))).toBe('invalid-size');
    expect(reasonOf(() => verifyInclusion(5n, 8n, lh, p.slice(1), root(8)))).toBe('wrong-proof-length');
    expect(reasonOf(() => verifyInclusion(5n, 8n, lh, [...p.slice(1), new Uint8Array(31)], root(8)))).toBe(
      'invalid-hash-length',
    );
    expect(reasonOf(() => verifyInclusion(5n, 8n, lh, p, root(7)))).toBe('root-mismatch');
    expect(() => verifyInclusion(5n, 8n, lh, p, root(7))).toThrow(ProofError);
  });
});

describe('published consistency proofs', () => {
  it.each(CONSISTENCY_PROOFS)(
    '$size1 -> $size2: generated from stored nodes and verified',
    ({ size1, size2, proof }) => {
      const want = proof.map((h) => fromHex(h));
      expect(consistencyProof(BigInt(size1), BigInt(size2), store.get)).toEqual(want);
      expect(referenceConsistencyProof(leaves.slice(0, size2), size1)).toEqual(want);
      expect(
        reasonOf(() => verifyConsistency(BigInt(size1), BigInt(size2), want, root(size1), root(size2))),
      ).toBe('accepted');
    },
  );

  it.each(CONSISTENCY_PROOFS.filter((v) => v.proof.length > 0))(
    '$size1 -> $size2: every corrupted variant is rejected',
    ({ size1, size2, proof }) => {
      const m = BigInt(size1);
      const n = BigInt(size2);
      const p = proof.map((h) => fromHex(h));
      const r1 = root(size1);
      const r2 = root(size2);
      const wrong = new TextEncoder().encode('WrongRoot');
      type Probe = [string, bigint, bigint, Uint8Array, Uint8Array, Uint8Array[]];
      const probes: Probe[] = [
        ['size1 - 1', m - 1n, n, r1, r2, p],
        ['size1 + 1', m + 1n, n, r1, r2, p],
        ['size1 ^ 2', m ^ 2n, n, r1, r2, p],
        ['size2 * 2', m, n * 2n, r1, r2, p],
        ['size2 / 2', m, n / 2n, r1, r2, p],
        ['wrong root1', m, n, wrong, r2, p],
        ['wrong root2', m, n, r1, wrong, p],
        ['wrong root1 of the right length', m, n, someHash, r2, p],
        ['wrong root2 of the right length', m, n, r1, someHash, p],
        ['swapped roots', m, n, r2, r1, p],
        ['empty proof', m, n, r1, r2, []],
        ['trailing garbage', m, n, r1, r2, [...p, new Uint8Array(0)]],
        ['trailing root1', m, n, r1, r2, [...p, r1]],
        ['trailing root2', m, n, r1, r2, [...p, r2]],
        ['preceding garbage', m, n, r1, r2, [new Uint8Array(0), ...p]],
        ['preceding root1', m, n, r1, r2, [r1, ...p]],
        ['preceding root2', m, n, r1, r2, [r2, ...p]],
        ['preceding proof[0]', m, n, r1, r2, [p[0] as Uint8Array, ...p]],
        ['truncated proof', m, n, r1, r2, p.slice(0, -1)],
        ...p.map(
          (_, k): Probe => [
            `modified proof[${k}] bit 4`,
            m,
            n,
            r1,
            r2,
            p.map((h, j) => (j === k ? flipBit(h, 4) : h)),
          ],
        ),
      ];
      for (const [desc, s1, s2, pr1, pr2, pp] of probes) {
        expect(
          reasonOf(() => verifyConsistency(s1, s2, pp, pr1, pr2)),
          desc,
        ).not.toBe('accepted');
      }
    },
  );

  // The reference suite's edge cases. Its "don't care" roots are not 32 bytes; here they are, because this
  // verifier always requires 32-byte hashes. It also requires the empty tree's root to be the empty-tree
  // hash, where the reference accepts any root for size 0; the last row pins that difference.
  const care1 = fromHex('11'.repeat(32));
  const care2 = fromHex('22'.repeat(32));
  it.each([
    ['different roots for size 0', 0n, 0n, emptyTreeHash, care2, [], false],
    ['different roots for size 1', 1n, 1n, care1, care2, [], false],
    ['size 0 with itself', 0n, 0n, emptyTreeHash, emptyTreeHash, [], true],
    ['size 0 to 1', 0n, 1n, emptyTreeHash, care2, [], true],
    ['size 1 with itself', 1n, 1n, care2, care2, [], true],
    ['time travel 1 -> 0', 1n, 0n, care1, care2, [], false],
    ['time travel 2 -> 1', 2n, 1n, care1, care2, [], false],
    ['empty proof 1 -> 2', 1n, 2n, care1, care2, [], false],
    ['roots differ, size 0', 0n, 0n, emptyTreeHash, care2, [], false],
    ['roots differ, size 1', 1n, 1n, emptyTreeHash, care2, [], false],
    ['non-empty proof, size 0', 0n, 0n, emptyTreeHash, emptyTreeHash, [emptyTreeHash], false],
    ['non-empty proof, 0 -> 1', 0n, 1n, emptyTreeHash, emptyTreeHash, [emptyTreeHash], false],
    ['non-empty proof, size 1', 1n, 1n, emptyTreeHash, emptyTreeHash, [emptyTreeHash], false],
    ['size 0 with a root other than the empty-tree hash', 0n, 1n, care1, care2, [], false],
  ] as [string, bigint, bigint, Uint8Array, Uint8Array, Uint8Array[], boolean][])(
    '%s',
    (_desc, s1, s2, r1, r2, proof, ok) => {
      expect(reasonOf(() => verifyConsistency(s1, s2, proof, r1, r2)) === 'accepted').toBe(ok);
    },
  );

  it('reports precise reasons', () => {
    const p = consistencyProof(6n, 8n, store.get);
    expect(reasonOf(() => verifyConsistency(8n, 6n, p, root(8), root(6)))).toBe('invalid-size');
    expect(reasonOf(() => verifyConsistency(6n, 1n << 64n, p, root(6), root(8)))).toBe('invalid-size');
    expect(reasonOf(() => verifyConsistency(6n, 8n, p.slice(1), root(6), root(8)))).toBe(
      'wrong-proof-length',
    );
    expect(reasonOf(() => verifyConsistency(6n, 8n, p, root(6).slice(1), root(8)))).toBe(
      'invalid-hash-length',
    );
    expect(reasonOf(() => verifyConsistency(6n, 8n, p, root(5), root(8)))).toBe('root-mismatch');
    expect(reasonOf(() => verifyConsistency(6n, 8n, p, root(6), root(7)))).toBe('root-mismatch');
  });
});

describe('proof node layouts', () => {
  it.each(INCLUSION_LAYOUTS)('inclusion of leaf $a in $b', (v) => {
    expect(inclusionProofNodes(BigInt(v.a), BigInt(v.b))).toEqual(layout(v));
  });

  it.each(CONSISTENCY_LAYOUTS)('consistency $a -> $b', (v) => {
    expect(consistencyProofNodes(BigInt(v.a), BigInt(v.b))).toEqual(layout(v));
  });

  it.each([
    [0n, 0n],
    [1n, 0n],
    [2n, 1n],
    [3n, 0n],
    [8n, 7n],
    [-1n, 5n],
  ])('rejects inclusion of leaf %s in a tree of %s', (index, size) => {
    expect(() => inclusionProofNodes(index, size)).toThrow(RangeError);
  });

  it.each([
    [5n, 0n],
    [9n, 8n],
    [-1n, 3n],
    [1n, 1n << 64n],
  ])('rejects consistency %s -> %s', (a, b) => {
    expect(() => consistencyProofNodes(a, b)).toThrow(RangeError);
  });

  it('returns no nodes where there is nothing to prove', () => {
    expect(consistencyProofNodes(0n, 5n)).toEqual([]);
    expect(consistencyProofNodes(5n, 5n)).toEqual([]);
    expect(inclusionProofNodes(0n, 1n)).toEqual([]);
  });
});

describe('proof properties', () => {
  const sizes = fc.integer({ min: 1, max: 300 });

  it('every inclusion proof from stored nodes equals the reference and verifies', () => {
    fc.assert(
      fc.property(sizes, fc.integer(), (n, salt) => {
        const hs = syntheticLeaves(n, salt);
        const { store: s } = buildStore(hs);
        const r = rootFromLeaves(hs);
        for (let i = 0; i < n; i++) {
          const p = inclusionProof(BigInt(i), BigInt(n), s.get);
          expect(p).toEqual(referenceInclusionProof(hs, i));
          verifyInclusion(BigInt(i), BigInt(n), hs[i] as Uint8Array, p, r);
        }
      }),
      { numRuns: 12 },
    );
  }, 60_000);

  it('every consistency proof from stored nodes equals the reference and verifies', () => {
    fc.assert(
      fc.property(sizes, fc.integer(), (n, salt) => {
        const hs = syntheticLeaves(n, salt);
        const { store: s } = buildStore(hs);
        const f = Frontier.empty();
        const rootAt = [f.root(), ...hs.map((h) => f.append(h).root)];
        for (let m = 0; m <= n; m++) {
          const p = consistencyProof(BigInt(m), BigInt(n), s.get);
          expect(p).toEqual(referenceConsistencyProof(hs, m));
          verifyConsistency(BigInt(m), BigInt(n), p, rootAt[m] as Uint8Array, rootAt[n] as Uint8Array);
        }
      }),
      { numRuns: 12 },
    );
  }, 60_000);

  it('every inclusion and consistency proof verifies for all sizes up to 64', () => {
    const hs = syntheticLeaves(64, 7);
    const { store: s } = buildStore(hs);
    const rootAt = Array.from({ length: 65 }, (_, n) => rootFromNodes(BigInt(n), s.get));
    for (let n = 1; n <= 64; n++) {
      for (let i = 0; i < n; i++) {
        const p = inclusionProof(BigInt(i), BigInt(n), s.get);
        verifyInclusion(BigInt(i), BigInt(n), hs[i] as Uint8Array, p, rootAt[n] as Uint8Array);
      }
      for (let m = 0; m <= n; m++) {
        const p = consistencyProof(BigInt(m), BigInt(n), s.get);
        verifyConsistency(BigInt(m), BigInt(n), p, rootAt[m] as Uint8Array, rootAt[n] as Uint8Array);
      }
    }
  });

  it('flipping any single bit of an inclusion proof, leaf hash or root fails', () => {
    fc.assert(
      fc.property(
        sizes.chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        fc.constantFrom('proof', 'leaf', 'root'),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        ([n, i], target, which, bit) => {
          const hs = syntheticLeaves(n);
          const { store: s } = buildStore(hs);
          const p = inclusionProof(BigInt(i), BigInt(n), s.get);
          let leaf = hs[i] as Uint8Array;
          let r = rootFromLeaves(hs);
          let proof = p;
          if (target === 'proof' && p.length > 0) {
            const k = which % p.length;
            proof = p.map((h, j) => (j === k ? flipBit(h, bit) : h));
          } else if (target === 'leaf') {
            leaf = flipBit(leaf, bit);
          } else {
            r = flipBit(r, bit);
          }
          expect(reasonOf(() => verifyInclusion(BigInt(i), BigInt(n), leaf, proof, r))).toBe('root-mismatch');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('flipping any single bit of a consistency proof or either root fails', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 300 })
          .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n - 1 }))),
        fc.constantFrom('proof', 'root1', 'root2'),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        ([n, m], target, which, bit) => {
          const hs = syntheticLeaves(n);
          const { store: s } = buildStore(hs);
          const p = consistencyProof(BigInt(m), BigInt(n), s.get);
          let r1 = rootFromNodes(BigInt(m), s.get);
          let r2 = rootFromNodes(BigInt(n), s.get);
          let proof = p;
          if (target === 'proof') {
            const k = which % p.length;
            proof = p.map((h, j) => (j === k ? flipBit(h, bit) : h));
          } else if (target === 'root1') {
            r1 = flipBit(r1, bit);
          } else {
            r2 = flipBit(r2, bit);
          }
          expect(reasonOf(() => verifyConsistency(BigInt(m), BigInt(n), proof, r1, r2))).toBe(
            'root-mismatch',
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads O(log n) stored nodes per proof', () => {
    const hs = syntheticLeaves(300);
    const { store: s } = buildStore(hs);
    for (const [i, n] of [
      [0, 300],
      [299, 300],
      [150, 257],
      [255, 256],
    ] as const) {
      const before = s.reads;
      inclusionProof(BigInt(i), BigInt(n), s.get);
      expect(s.reads - before).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)));
      const before2 = s.reads;
      consistencyProof(BigInt(i + 1), BigInt(n), s.get);
      expect(s.reads - before2).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)) + 1);
    }
  });
});

describe('trees beyond 2^53 leaves', () => {
  // A tree whose leaves are all equal: every perfect subtree of a level has the same hash, so a consistent
  // node accessor exists for any size without materialising the tree.
  const zero = leafHash(new Uint8Array(0));
  const z: Uint8Array[] = [zero];
  for (let l = 1; l <= 64; l++) z.push(nodeHash(z[l - 1] as Uint8Array, z[l - 1] as Uint8Array));
  const getNode = (level: number) => z[level] as Uint8Array;

  it('generates and verifies inclusion and consistency proofs with exact bigint arithmetic', () => {
    const size1 = (1n << 62n) + 3n;
    const size2 = (1n << 63n) + (1n << 40n) + 7n;
    const r1 = rootFromNodes(size1, getNode);
    const r2 = rootFromNodes(size2, getNode);
    for (const index of [0n, size1 - 1n, (1n << 53n) + 1n, size2 - 1n]) {
      const p = inclusionProof(index, size2, getNode);
      verifyInclusion(index, size2, zero, p, r2);
    }
    const p = consistencyProof(size1, size2, getNode);
    verifyConsistency(size1, size2, p, r1, r2);
    expect(reasonOf(() => verifyConsistency(size1 + 1n, size2, p, r1, r2))).not.toBe('accepted');
    const max = (1n << 64n) - 1n;
    verifyInclusion(max - 1n, max, zero, inclusionProof(max - 1n, max, getNode), rootFromNodes(max, getNode));
  });
});
