import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildStore, syntheticLeaves } from '../test/node-store';
import { COMPACT_TREES, LEAF_INPUTS, NODE_HASHES, ROOT_HASHES } from '../test/rfc6962-vectors';
import { emptyRoot, fromHex, leafHash, nodeHash, toHex } from './hash';
import { Frontier, foldRight, rangeNodes, rootFromLeaves, rootFromNodes } from './tree';

const leaves = LEAF_INPUTS.map((x) => leafHash(fromHex(x)));

describe('rootFromLeaves (RFC 9162 MTH)', () => {
  it('matches the published roots for sizes 0..8', () => {
    for (let n = 0; n <= 8; n++) expect(toHex(rootFromLeaves(leaves.slice(0, n)))).toBe(ROOT_HASHES[n]);
  });
});

describe('Frontier', () => {
  it('reproduces the published roots and compact ranges while appending', () => {
    const f = Frontier.empty();
    expect(toHex(f.root())).toBe(ROOT_HASHES[0]);
    expect(f.nodes()).toEqual([]);
    leaves.forEach((h, i) => {
      const res = f.append(h);
      expect(res.size).toBe(BigInt(i + 1));
      expect(toHex(res.root)).toBe(ROOT_HASHES[i + 1]);
      const want = (COMPACT_TREES[i + 1] ?? []).map(([level, index]) => ({
        level,
        index: BigInt(index),
        hash: NODE_HASHES[level]?.[index],
      }));
      expect(f.nodes().map((n) => ({ ...n, hash: toHex(n.hash) }))).toEqual(want);
    });
  });

  it('reports exactly the published interior nodes as completed', () => {
    const f = Frontier.empty();
    const completed = leaves.flatMap((h) => f.append(h).completed);
    const byLevel = completed.map((n) => [n.level, Number(n.index), toHex(n.hash)]);
    const want = NODE_HASHES.flatMap((hashes, level) =>
      level === 0 ? [] : hashes.map((hash, index) => [level, index, hash]),
    );
    expect(byLevel.sort()).toEqual(want.sort());
  });

  it('lists completed nodes lowest level first', () => {
    const f = Frontier.empty();
    for (const h of leaves.slice(0, 7)) f.append(h);
    const last = f.append(leaves[7] as Uint8Array).completed;
    expect(last.map((n) => [n.level, n.index])).toEqual([
      [1, 3n],
      [2, 1n],
      [3, 0n],
    ]);
  });

  it('equals the recursive root at every size (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer(), (n, salt) => {
        const hs = syntheticLeaves(n, salt);
        const f = Frontier.empty();
        for (let i = 0; i < n; i++) {
          expect(f.append(hs[i] as Uint8Array).root).toEqual(rootFromLeaves(hs.slice(0, i + 1)));
        }
        expect(f.root()).toEqual(rootFromLeaves(hs));
      }),
      { numRuns: 30 },
    );
  });

  it('stores every perfect subtree exactly once across appends', () => {
    for (let n = 1; n <= 70; n++) {
      const { store } = buildStore(syntheticLeaves(n));
      // A tree of n leaves has n leaves plus sum over levels of floor(n / 2^level) interior perfect subtrees.
      let want = 0;
      for (let w = 1; w <= n; w *= 2) want += Math.floor(n / w);
      expect(store.count).toBe(want);
    }
  });

  it('rebuilds from stored nodes and keeps appending identically', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 50 }), (n, more) => {
        const hs = syntheticLeaves(n + more);
        const { store } = buildStore(hs.slice(0, n));
        const reads = store.reads;
        const resumed = Frontier.fromNodes(BigInt(n), store.get);
        const popcount = n.toString(2).replace(/0/g, '').length;
        expect(store.reads - reads).toBe(popcount);
        expect(resumed.size).toBe(BigInt(n));
        expect(resumed.root()).toEqual(rootFromLeaves(hs.slice(0, n)));
        expect(Frontier.nodeIds(BigInt(n))).toEqual(
          resumed.nodes().map(({ level, index }) => ({ level, index })),
        );
        for (const h of hs.slice(n)) resumed.append(h);
        expect(resumed.root()).toEqual(rootFromLeaves(hs));
        const viaHashes = Frontier.fromHashes(BigInt(n), Frontier.fromNodes(BigInt(n), store.get).hashes());
        expect(viaHashes.root()).toEqual(rootFromLeaves(hs.slice(0, n)));
      }),
      { numRuns: 40 },
    );
  });

  it('appendAll() reports the same nodes and final root as appending one by one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (n, more) => {
        const hs = syntheticLeaves(n + more);
        const one = Frontier.empty();
        const batch = Frontier.empty();
        for (const h of hs.slice(0, n)) one.append(h);
        batch.appendAll(hs.slice(0, n));
        const singly = hs.slice(n).flatMap((h) => one.append(h).completed);
        const res = batch.appendAll(hs.slice(n));
        expect(res.completed).toEqual(singly);
        expect(res.size).toBe(BigInt(n + more));
        expect(res.root).toEqual(rootFromLeaves(hs));
      }),
      { numRuns: 30 },
    );
  });

  it('add() gives the same tree as append() and clone() is independent', () => {
    const hs = syntheticLeaves(37);
    const a = Frontier.empty();
    const b = Frontier.empty();
    for (const h of hs.slice(0, 20)) {
      a.append(h);
      b.add(h);
    }
    const c = b.clone();
    for (const h of hs.slice(20)) b.add(h);
    expect(a.root()).toEqual(rootFromLeaves(hs.slice(0, 20)));
    expect(c.root()).toEqual(a.root());
    expect(b.root()).toEqual(rootFromLeaves(hs));
  });

  it('is not affected by later mutation of caller buffers', () => {
    const h = leaves[0]?.slice() as Uint8Array;
    const f = Frontier.empty();
    const res = f.append(h);
    h.fill(0);
    res.root.fill(0);
    expect(toHex(f.root())).toBe(ROOT_HASHES[1]);
  });

  it('rejects bad input', () => {
    expect(() => Frontier.empty().append(new Uint8Array(31))).toThrow(RangeError);
    expect(() => Frontier.fromHashes(3n, [new Uint8Array(32)])).toThrow(RangeError);
    expect(() => Frontier.fromHashes(1n, [new Uint8Array(16)])).toThrow(RangeError);
    expect(() => Frontier.fromNodes(-1n, () => new Uint8Array(32))).toThrow(RangeError);
    expect(() => Frontier.fromNodes(1n << 64n, () => new Uint8Array(32))).toThrow(RangeError);
  });
});

describe('stored-node helpers', () => {
  it('rangeNodes tiles a right edge with aligned perfect subtrees', () => {
    expect(rangeNodes(0n, 7n)).toEqual([
      { level: 2, index: 0n },
      { level: 1, index: 2n },
      { level: 0, index: 6n },
    ]);
    expect(rangeNodes(80n, 95n)).toEqual([
      { level: 3, index: 10n },
      { level: 2, index: 22n },
      { level: 1, index: 46n },
      { level: 0, index: 94n },
    ]);
    expect(rangeNodes(5n, 5n)).toEqual([]);
    expect(() => rangeNodes(1n, 4n)).toThrow(RangeError);
    expect(() => rangeNodes(2n, 6n)).toThrow(RangeError);
  });

  it('foldRight nests to the right', () => {
    const [a, b, c] = leaves as [Uint8Array, Uint8Array, Uint8Array];
    expect(foldRight([a, b, c])).toEqual(nodeHash(a, nodeHash(b, c)));
    expect(foldRight([a])).toEqual(a);
    expect(() => foldRight([])).toThrow(RangeError);
  });

  it('rootFromNodes gives every past root from stored nodes', () => {
    const hs = syntheticLeaves(100);
    const { store } = buildStore(hs);
    for (let n = 0; n <= 100; n++)
      expect(rootFromNodes(BigInt(n), store.get)).toEqual(rootFromLeaves(hs.slice(0, n)));
    expect(rootFromNodes(0n, store.get)).toEqual(emptyRoot());
  });

  it('handles sizes beyond 2^53 symbolically', () => {
    const size = (1n << 60n) + 5n;
    const ids = Frontier.nodeIds(size);
    expect(ids).toEqual([
      { level: 60, index: 0n },
      { level: 2, index: (1n << 58n) + 0n },
      { level: 0, index: (1n << 60n) + 4n },
    ]);
    const fake = (level: number, index: bigint) => {
      const h = new Uint8Array(32);
      h[0] = level;
      h[1] = Number(index & 255n);
      return h;
    };
    const f = Frontier.fromNodes(size, fake);
    f.append(new Uint8Array(32));
    expect(f.size).toBe(size + 1n);
    expect(f.nodes().map((n) => [n.level, n.index])).toEqual([
      [60, 0n],
      [2, 1n << 58n],
      [1, ((1n << 60n) + 4n) / 2n],
    ]);
  });
});
