import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticLeaves } from '../test/node-store';
import { LEAF_INPUTS, ROOT_HASHES } from '../test/rfc6962-vectors';
import { auditLeafHashes, TreeAuditor } from './audit';
import { emptyRoot, fromHex, leafHash, toHex } from './hash';
import { rootFromLeaves } from './tree';

const leaves = LEAF_INPUTS.map((x) => leafHash(fromHex(x)));

describe('TreeAuditor', () => {
  it('reports the published roots at every requested size in one pass', () => {
    const targets = ROOT_HASHES.map((r, n) => ({
      size: BigInt(n),
      expectedRoot: fromHex(r),
      label: `cp${n}`,
    }));
    const report = auditLeafHashes(leaves, targets);
    expect(report.ok).toBe(true);
    expect(report.size).toBe(8n);
    expect(toHex(report.root)).toBe(ROOT_HASHES[8]);
    expect(report.results.map((r) => [r.size, r.label, r.matches])).toEqual(
      ROOT_HASHES.map((_, n) => [BigInt(n), `cp${n}`, true]),
    );
    expect(report.mismatches).toEqual([]);
    expect(report.unreached).toEqual([]);
  });

  it('reports mismatches, with the recomputed and the claimed root', () => {
    const bad = fromHex(ROOT_HASHES[4] as string);
    const report = auditLeafHashes(leaves, [
      { size: 3n, expectedRoot: bad, label: 'forked' },
      { size: 5n, expectedRoot: fromHex(ROOT_HASHES[5] as string) },
    ]);
    expect(report.ok).toBe(false);
    expect(report.mismatches).toHaveLength(1);
    expect(report.mismatches[0]).toMatchObject({
      size: 3n,
      label: 'forked',
      expectedRoot: bad,
      matches: false,
    });
    expect(toHex(report.mismatches[0]?.root as Uint8Array)).toBe(ROOT_HASHES[3]);
  });

  it('reports targets beyond the data as unreached', () => {
    const report = auditLeafHashes(leaves.slice(0, 2), [{ size: 2n }, { size: 9n, label: 'future' }]);
    expect(report.ok).toBe(false);
    expect(report.results).toHaveLength(1);
    expect(report.unreached).toEqual([{ size: 9n, label: 'future' }]);
  });

  it('returns results as sizes are reached, handles unsorted and duplicate targets and size 0', () => {
    const auditor = new TreeAuditor([{ size: 2n, label: 'b' }, { size: 0n }, { size: 2n, label: 'c' }]);
    expect(auditor.results().map((r) => r.root)).toEqual([emptyRoot()]);
    expect(auditor.push(leaves[0] as Uint8Array)).toEqual([]);
    const reached = auditor.push(leaves[1] as Uint8Array);
    expect(reached.map((r) => r.label)).toEqual(['b', 'c']);
    expect(toHex(reached[0]?.root as Uint8Array)).toBe(ROOT_HASHES[2]);
    expect(auditor.report().ok).toBe(true);
  });

  it('matches the recursive root at random target sizes (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.array(fc.nat(), { maxLength: 8 }), (n, picks) => {
        const hs = syntheticLeaves(n);
        const sizes = picks.map((p) => p % (n + 1));
        const report = auditLeafHashes(
          hs,
          sizes.map((s) => ({ size: BigInt(s), expectedRoot: rootFromLeaves(hs.slice(0, s)) })),
        );
        expect(report.ok).toBe(true);
        expect(report.results).toHaveLength(sizes.length);
        expect(report.root).toEqual(rootFromLeaves(hs));
      }),
      { numRuns: 40 },
    );
  });

  it('rejects invalid targets', () => {
    expect(() => new TreeAuditor([{ size: -1n }])).toThrow(RangeError);
    expect(() => new TreeAuditor([{ size: 1n, expectedRoot: new Uint8Array(31) }])).toThrow(RangeError);
  });

  it('recomputes 100,000 leaves quickly', () => {
    const n = 100_000;
    const hs = syntheticLeaves(n);
    const auditor = new TreeAuditor([{ size: BigInt(n) }]);
    const t0 = performance.now();
    auditor.pushAll(hs);
    const ms = performance.now() - t0;
    expect(auditor.results()).toHaveLength(1);
    // Generous bound (the target is 10^6 leaves in 30 s); catches accidental quadratic behaviour.
    expect(ms).toBeLessThan(3000);
  });
});
