import { fromBase64, toBase64 } from './base64';
import { type Checkpoint, openCheckpoint } from './checkpoint';
import { fromHex, leafHash, toHex } from './hash';
import { verifyInclusion } from './proofs';
import type { NoteVerifier } from './signed-note';

/**
 * A proof bundle: one text file holding everything needed to check, offline and with nothing but the
 * log's public key, that an entry is in the log:
 *
 *     ecp-proof-bundle v1
 *     index <decimal>
 *     tree-size <decimal>
 *     entry <base64 of the entry's exact bytes>
 *     proof <hex hash>        (one line per inclusion-path hash, leaf to root)
 *     <blank line>
 *     <the signed checkpoint note for tree-size>
 */
export const PROOF_BUNDLE_HEADER = 'ecp-proof-bundle v1';

export interface ProofBundle {
  index: bigint;
  treeSize: bigint;
  entry: Uint8Array;
  proof: Uint8Array[];
  checkpoint: string;
}

export class ProofBundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProofBundleError';
  }
}

export function formatProofBundle(bundle: ProofBundle): string {
  const lines = [
    PROOF_BUNDLE_HEADER,
    `index ${bundle.index}`,
    `tree-size ${bundle.treeSize}`,
    `entry ${toBase64(bundle.entry)}`,
    ...bundle.proof.map((h) => `proof ${toHex(h)}`),
  ];
  return `${lines.join('\n')}\n\n${bundle.checkpoint}`;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

export function parseProofBundle(text: string): ProofBundle {
  const split = text.indexOf('\n\n');
  if (split < 0) throw new ProofBundleError('no blank line between the proof and the checkpoint');
  const lines = text.slice(0, split).split('\n');
  if (lines[0] !== PROOF_BUNDLE_HEADER)
    throw new ProofBundleError(`first line must be "${PROOF_BUNDLE_HEADER}"`);
  const field = (line: string | undefined, name: string): string => {
    if (!line?.startsWith(`${name} `))
      throw new ProofBundleError(`expected a "${name}" line, found ${JSON.stringify(line)}`);
    return line.slice(name.length + 1);
  };
  const decimal = (value: string, name: string): bigint => {
    if (!DECIMAL.test(value)) throw new ProofBundleError(`${name} must be a decimal number`);
    return BigInt(value);
  };
  const index = decimal(field(lines[1], 'index'), 'index');
  const treeSize = decimal(field(lines[2], 'tree-size'), 'tree-size');
  let entry: Uint8Array;
  try {
    entry = fromBase64(field(lines[3], 'entry'));
  } catch (err) {
    if (err instanceof ProofBundleError) throw err;
    throw new ProofBundleError('entry must be canonical base64');
  }
  const proof = lines.slice(4).map((line) => {
    try {
      return fromHex(field(line, 'proof'), 32);
    } catch (err) {
      if (err instanceof ProofBundleError) throw err;
      throw new ProofBundleError(`proof hash must be 64 lowercase hex digits: ${line}`);
    }
  });
  return { index, treeSize, entry, proof, checkpoint: text.slice(split + 2) };
}

export interface VerifiedBundle {
  index: bigint;
  treeSize: bigint;
  entry: Uint8Array;
  leafHash: Uint8Array;
  checkpoint: Checkpoint;
}

/**
 * Verifies a bundle: the checkpoint's signature under one of `verifiers` (and its origin, when given),
 * that it is for the bundle's tree size, and the entry's inclusion under its root.
 *
 * @throws ProofBundleError, NoteError, CheckpointError or ProofError saying what failed.
 */
export function verifyProofBundle(
  text: string,
  verifiers: readonly NoteVerifier[],
  origin?: string,
): VerifiedBundle {
  const bundle = parseProofBundle(text);
  const { checkpoint } = openCheckpoint(bundle.checkpoint, verifiers, origin);
  if (checkpoint.size !== bundle.treeSize) {
    throw new ProofBundleError(
      `the checkpoint is for tree size ${checkpoint.size}, the proof for ${bundle.treeSize}`,
    );
  }
  const leaf = leafHash(bundle.entry);
  verifyInclusion(bundle.index, bundle.treeSize, leaf, bundle.proof, checkpoint.rootHash);
  return { index: bundle.index, treeSize: bundle.treeSize, entry: bundle.entry, leafHash: leaf, checkpoint };
}
