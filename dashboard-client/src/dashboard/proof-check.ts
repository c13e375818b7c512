/**
 * Checks a proof bundle in the browser with nothing but the log's public key, step by step, so the
 * page can say which step failed and why: the key, the bundle's format, the checkpoint's signature,
 * the checkpoint's tree size against the proof's, and the entry's inclusion under the signed root
 * (the same checks as `ecp verify bundle`, from the same `@ecp/merkle` code).
 */
import { openCheckpoint } from '@ecp/merkle/checkpoint';
import { leafHash, toHex } from '@ecp/merkle/hash';
import { type ProofBundle, parseProofBundle } from '@ecp/merkle/proof-bundle';
import { ProofError, verifyInclusion } from '@ecp/merkle/proofs';
import { NoteError, type NoteVerifier, verifierFromKey } from '@ecp/merkle/signed-note';

/** One step of the check: passed, failed (with why), or not run because an earlier one failed. */
export interface CheckStep {
  name: string;
  outcome: 'passed' | 'failed' | 'skipped';
  detail: string;
}

export interface ProofCheck {
  verified: boolean;
  steps: CheckStep[];
  /** The first failed step's name and why, e.g. `Inclusion proof: inclusion proof does not lead…`. */
  failure: string | null;
  /** What the entry is, when its bytes are JSON with a `kind`. */
  entryKind: string | null;
  /** The entry and tree size the bundle is for, once its format was read. */
  index: bigint | null;
  treeSize: bigint | null;
}

export const STEP_NAMES = [
  'Log public key',
  'Bundle format',
  'Checkpoint signature',
  'Checkpoint tree size',
  'Inclusion proof',
] as const;

/** Why a step failed, with the library's stable code where it has one. */
function why(err: unknown): string {
  if (err instanceof NoteError) return `${err.message} (${err.code})`;
  if (err instanceof ProofError) return `${err.message} (${err.reason})`;
  return err instanceof Error ? err.message : String(err);
}

function describeEntry(entry: Uint8Array): string | null {
  try {
    const parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(entry)) as { kind?: unknown };
    return typeof parsed.kind === 'string' ? parsed.kind : null;
  } catch {
    return null;
  }
}

/**
 * Checks `bundleText` against the verifier keys in `publicKeys` (the text `GET /ledger/public-key`
 * serves, one key a line). With `expectedIndex`, the bundle must also be for that entry.
 */
export function checkProofBundle(bundleText: string, publicKeys: string, expectedIndex?: bigint): ProofCheck {
  const steps: CheckStep[] = [];
  let entryKind: string | null = null;
  let bundle: ProofBundle | undefined;
  const fail = (name: string, err: unknown): ProofCheck => {
    steps.push({ name, outcome: 'failed', detail: why(err) });
    for (const rest of STEP_NAMES.slice(steps.length))
      steps.push({ name: rest, outcome: 'skipped', detail: 'not checked' });
    return {
      verified: false,
      steps,
      failure: `${name}: ${why(err)}`,
      entryKind,
      index: bundle?.index ?? null,
      treeSize: bundle?.treeSize ?? null,
    };
  };

  let verifiers: NoteVerifier[];
  try {
    const lines = publicKeys
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    if (lines.length === 0) throw new Error('the log served no public key');
    verifiers = lines.map(verifierFromKey);
    steps.push({
      name: STEP_NAMES[0],
      outcome: 'passed',
      detail: verifiers.map((v) => `${v.name}+${v.keyId.toString(16).padStart(8, '0')}`).join(', '),
    });
  } catch (err) {
    return fail(STEP_NAMES[0], err);
  }

  try {
    const parsed = parseProofBundle(bundleText.replace(/\r\n/g, '\n'));
    if (expectedIndex !== undefined && parsed.index !== expectedIndex)
      throw new Error(`the bundle is for entry ${parsed.index}, not ${expectedIndex}`);
    bundle = parsed;
    entryKind = describeEntry(bundle.entry);
    steps.push({
      name: STEP_NAMES[1],
      outcome: 'passed',
      detail: `entry ${bundle.index} (${bundle.entry.length} bytes${entryKind ? `, ${entryKind}` : ''}), ${bundle.proof.length} proof hashes, tree size ${bundle.treeSize}`,
    });
  } catch (err) {
    return fail(STEP_NAMES[1], err);
  }

  let root: Uint8Array;
  let size: bigint;
  try {
    const { checkpoint, note } = openCheckpoint(bundle.checkpoint, verifiers);
    root = checkpoint.rootHash;
    size = checkpoint.size;
    steps.push({
      name: STEP_NAMES[2],
      outcome: 'passed',
      detail: `signed by ${note.verified.map((v) => v.name).join(', ')} for ${checkpoint.origin}`,
    });
  } catch (err) {
    return fail(STEP_NAMES[2], err);
  }

  if (size !== bundle.treeSize)
    return fail(
      STEP_NAMES[3],
      new Error(`the checkpoint is for tree size ${size}, the proof for ${bundle.treeSize}`),
    );
  steps.push({ name: STEP_NAMES[3], outcome: 'passed', detail: `${size} entries, root ${toHex(root)}` });

  try {
    const leaf = leafHash(bundle.entry);
    verifyInclusion(bundle.index, bundle.treeSize, leaf, bundle.proof, root);
    steps.push({
      name: STEP_NAMES[4],
      outcome: 'passed',
      detail: `leaf ${toHex(leaf)} leads to the signed root`,
    });
  } catch (err) {
    return fail(STEP_NAMES[4], err);
  }
  return { verified: true, steps, failure: null, entryKind, index: bundle.index, treeSize: bundle.treeSize };
}
