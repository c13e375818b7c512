import { ed25519 } from '@noble/curves/ed25519';
import { describe, expect, it } from 'vitest';
import { signCheckpoint } from './checkpoint';
import { leafHash } from './hash';
import { formatProofBundle, parseProofBundle, verifyProofBundle } from './proof-bundle';
import { referenceInclusionProof } from './proofs';
import { ed25519Signer, ed25519Verifier } from './signed-note';
import { rootFromLeaves } from './tree';

const seed = new Uint8Array(32).fill(7);
const signer = ed25519Signer('ecp.test/ledger', seed);
const verifier = ed25519Verifier('ecp.test/ledger', ed25519.getPublicKey(seed));
const entries = Array.from({ length: 11 }, (_, i) => new TextEncoder().encode(`{"n":${i}}`));
const leaves = entries.map(leafHash);

function bundleFor(index: number, size = entries.length) {
  const checkpoint = signCheckpoint(
    { origin: 'ecp.test/ledger', size: BigInt(size), rootHash: rootFromLeaves(leaves.slice(0, size)) },
    [signer],
  );
  return formatProofBundle({
    index: BigInt(index),
    treeSize: BigInt(size),
    entry: entries[index]!,
    proof: referenceInclusionProof(leaves.slice(0, size), index),
    checkpoint,
  });
}

describe('proof bundles', () => {
  it('round-trip and verify for every entry', () => {
    for (let i = 0; i < entries.length; i++) {
      const text = bundleFor(i);
      expect(parseProofBundle(text).index).toBe(BigInt(i));
      const verified = verifyProofBundle(text, [verifier], 'ecp.test/ledger');
      expect(verified.entry).toEqual(entries[i]);
      expect(verified.checkpoint.size).toBe(11n);
    }
  });

  it('fail when any byte of the entry changes', () => {
    const text = bundleFor(3);
    const bundle = parseProofBundle(text);
    const tampered = formatProofBundle({ ...bundle, entry: new TextEncoder().encode('{"n":33}') });
    expect(() => verifyProofBundle(tampered, [verifier])).toThrow(/root/i);
  });

  it('fail with a checkpoint of another size, another origin or another key', () => {
    const bundle = parseProofBundle(bundleFor(2, 11));
    const other = parseProofBundle(bundleFor(2, 10));
    expect(() =>
      verifyProofBundle(formatProofBundle({ ...bundle, checkpoint: other.checkpoint }), [verifier]),
    ).toThrow(/tree size/);
    expect(() => verifyProofBundle(bundleFor(2), [verifier], 'another.log/x')).toThrow(/origin/);
    const stranger = ed25519Verifier('ecp.test/ledger', ed25519.getPublicKey(new Uint8Array(32).fill(9)));
    expect(() => verifyProofBundle(bundleFor(2), [stranger])).toThrow();
  });

  it('refuse malformed bundles clearly', () => {
    expect(() => parseProofBundle('nonsense')).toThrow(/blank line/);
    expect(() => parseProofBundle('ecp-proof-bundle v2\n\nx')).toThrow(/first line/);
    expect(() => parseProofBundle('ecp-proof-bundle v1\nindex x\n\nx')).toThrow(/index must be a decimal/);
  });
});
