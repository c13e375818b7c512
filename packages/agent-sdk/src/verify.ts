import { toHex } from '@ecp/merkle/hash';
import { verifyProofBundle } from '@ecp/merkle/proof-bundle';
import { type NoteVerifier, verifierFromKey } from '@ecp/merkle/signed-note';
import { VerificationError } from './errors';

/** What a verified inclusion proves: this entry is at `index` in the log whose signed head is `checkpoint`. */
export interface VerifiedInclusion {
  index: string;
  treeSize: string;
  /** Lowercase hex. */
  leafHash: string;
  checkpoint: { origin: string; treeSize: string; rootHash: string };
  /** The entry's canonical bytes as the log holds them (UTF-8 JSON). */
  entry: Uint8Array;
}

/**
 * The verifiers for the log's public keys: the text `GET /ledger/public-key` serves (one note
 * verifier key a line, `<origin>+<key id>+<base64 key>`), pinned by the agent so that a gateway
 * cannot substitute its own.
 */
export function logVerifiers(publicKeys: string | readonly string[]): NoteVerifier[] {
  const lines = (typeof publicKeys === 'string' ? publicKeys.split('\n') : publicKeys)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0)
    throw new VerificationError('log-key', 'No log public key was given to verify against.');
  try {
    return lines.map(verifierFromKey);
  } catch (err) {
    throw new VerificationError(
      'log-key',
      `The pinned log public key cannot be read: ${(err as Error).message}`,
      err,
    );
  }
}

/**
 * Checks a proof bundle locally, with nothing but the pinned keys: the checkpoint's signature (and its
 * origin, when the pinned key names one log), that it covers the proof's tree size, that the entry
 * hashes to a leaf included under its root, and, when `expected` is given, that the entry is that
 * decision with that leaf hash.
 *
 * @throws VerificationError naming the check that failed.
 */
export function verifyBundle(
  bundle: string,
  verifiers: readonly NoteVerifier[],
  expected?: { decisionId?: string; leafHash?: string | null; index?: string | null },
): VerifiedInclusion {
  let verified: ReturnType<typeof verifyProofBundle>;
  try {
    verified = verifyProofBundle(bundle, verifiers);
  } catch (err) {
    const name = (err as Error).name;
    const step = name === 'ProofError' ? 'inclusion' : name === 'ProofBundleError' ? 'bundle' : 'checkpoint';
    throw new VerificationError(step, `The proof does not verify: ${(err as Error).message}`, err);
  }
  const leafHash = toHex(verified.leafHash);
  if (expected?.index != null && verified.index.toString() !== expected.index)
    throw new VerificationError('entry', `The bundle is for entry ${verified.index}, not ${expected.index}.`);
  if (expected?.leafHash != null && expected.leafHash !== leafHash)
    throw new VerificationError('entry', `The entry's leaf hash is ${leafHash}, not ${expected.leafHash}.`);
  if (expected?.decisionId !== undefined) {
    let decisionId: unknown;
    try {
      decisionId = (JSON.parse(new TextDecoder().decode(verified.entry)) as { decisionId?: unknown })
        .decisionId;
    } catch {
      decisionId = undefined;
    }
    if (decisionId !== expected.decisionId)
      throw new VerificationError('entry', `The entry is not decision ${expected.decisionId}.`);
  }
  return {
    index: verified.index.toString(),
    treeSize: verified.treeSize.toString(),
    leafHash,
    checkpoint: {
      origin: verified.checkpoint.origin,
      treeSize: verified.checkpoint.size.toString(),
      rootHash: toHex(verified.checkpoint.rootHash),
    },
    entry: verified.entry,
  };
}
