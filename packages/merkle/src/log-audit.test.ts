import { ed25519 } from '@noble/curves/ed25519';
import { describe, expect, it } from 'vitest';
import { signCheckpoint } from './checkpoint';
import { leafHash } from './hash';
import { LogAuditor } from './log-audit';
import { ed25519Signer, ed25519Verifier } from './signed-note';
import { rootFromLeaves } from './tree';

const seed = new Uint8Array(32).fill(3);
const signer = ed25519Signer('ecp.test/ledger', seed);
const verifier = ed25519Verifier('ecp.test/ledger', ed25519.getPublicKey(seed));
const entries = Array.from({ length: 40 }, (_, i) => new TextEncoder().encode(`{"n":${i}}`));
const leaves = entries.map(leafHash);
const checkpointAt = (size: number) =>
  signCheckpoint(
    { origin: 'ecp.test/ledger', size: BigInt(size), rootHash: rootFromLeaves(leaves.slice(0, size)) },
    [signer],
  );
const checkpoints = [10, 25, 40].map(checkpointAt);

function audit(
  feed: { bytes: Uint8Array; leaf?: Uint8Array }[],
  extra: Partial<ConstructorParameters<typeof LogAuditor>[0]> = {},
) {
  const auditor = new LogAuditor({ verifiers: [verifier], origin: 'ecp.test/ledger', checkpoints, ...extra });
  for (const [i, e] of feed.entries()) auditor.push(BigInt(i), e.bytes, e.leaf);
  return auditor.finish();
}

describe('LogAuditor', () => {
  it('accepts an untouched log and verifies every checkpoint', () => {
    const report = audit(entries.map((bytes, i) => ({ bytes, leaf: leaves[i] })));
    expect(report).toMatchObject({ ok: true, size: 40n, checkpointsVerified: 3, findings: [] });
  });

  it('names the entry whose bytes changed but whose recorded leaf hash did not', () => {
    const feed = entries.map((bytes, i) => ({ bytes, leaf: leaves[i] }));
    feed[17] = { bytes: new TextEncoder().encode('{"n":1700}'), leaf: leaves[17] };
    const report = audit(feed);
    expect(report.ok).toBe(false);
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'leaf-hash-mismatch', index: 17n })]);
  });

  it('bounds a change made consistently to bytes and leaf hash by the checkpoints, or names it with a previous export', () => {
    const forged = new TextEncoder().encode('{"n":1700}');
    const feed = entries.map((bytes, i) => ({ bytes, leaf: leaves[i] }));
    feed[17] = { bytes: forged, leaf: leafHash(forged) };
    const report = audit(feed);
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'root-mismatch', range: [10n, 25n] })]);
    const named = audit(feed, { previous: (i) => leaves[Number(i)] });
    expect(named.findings).toEqual([expect.objectContaining({ kind: 'changed-since-previous', index: 17n })]);
  });

  it('reports a forged or foreign checkpoint, and one beyond the entries', () => {
    const foreign = signCheckpoint(
      { origin: 'ecp.test/ledger', size: 5n, rootHash: rootFromLeaves(leaves.slice(0, 5)) },
      [ed25519Signer('ecp.test/ledger', new Uint8Array(32).fill(4))],
    );
    const report = audit(
      entries.slice(0, 30).map((bytes) => ({ bytes })),
      { checkpoints: [...checkpoints, foreign] },
    );
    expect(report.findings.map((f) => f.kind).sort()).toEqual(['bad-checkpoint', 'beyond-entries']);
  });
});
