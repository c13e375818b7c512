/**
 * C2SP tlog-checkpoint note bodies (c2sp.org/tlog-checkpoint): origin, decimal tree size, base64 root
 * hash, then optional extension lines, each ending in a newline. Signing and opening reuse
 * `./signed-note`.
 */
import { fromBase64, toBase64 } from './base64';
import { HASH_SIZE } from './hash';
import type { NoteSigner, NoteVerifier, OpenedNote } from './signed-note';
import { openNote, signNote } from './signed-note';
import { MAX_TREE_SIZE } from './tree';

/** The fields of a checkpoint. */
export interface Checkpoint {
  /** Log identity, e.g. `ledger.example.org/log`. */
  readonly origin: string;
  /** Number of leaves, 0 ≤ size < 2^64. */
  readonly size: bigint;
  /** RFC 9162 root hash at `size` (32 bytes). */
  readonly rootHash: Uint8Array;
  /** Opaque extension lines, without newlines. */
  readonly extensions: readonly string[];
}

/** Input to {@link formatCheckpoint}; extensions default to none. */
export type CheckpointInput = Omit<Checkpoint, 'extensions'> & { readonly extensions?: readonly string[] };

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is being rejected.
const CONTROL = /[\u0000-\u001F]/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

function checkLine(line: string, what: string): void {
  if (typeof line !== 'string' || line.length === 0) throw new CheckpointError(`${what} must be non-empty`);
  if (CONTROL.test(line))
    throw new CheckpointError(`${what} must not contain newlines or control characters`);
}

/**
 * Checkpoint note text for the given fields, ending in a newline.
 *
 * @throws CheckpointError for an empty origin or extension line, a size outside [0, 2^64), or a root hash
 * that is not 32 bytes.
 */
export function formatCheckpoint(cp: CheckpointInput): string {
  checkLine(cp.origin, 'origin');
  if (typeof cp.size !== 'bigint' || cp.size < 0n || cp.size > MAX_TREE_SIZE) {
    throw new CheckpointError('tree size must be a bigint in [0, 2^64)');
  }
  if (!(cp.rootHash instanceof Uint8Array) || cp.rootHash.length !== HASH_SIZE) {
    throw new CheckpointError(`root hash must be ${HASH_SIZE} bytes`);
  }
  const extensions = cp.extensions ?? [];
  extensions.forEach((ext, i) => {
    checkLine(ext, `extension line ${i + 1}`);
  });
  return [cp.origin, cp.size.toString(10), toBase64(cp.rootHash), ...extensions]
    .map((l) => `${l}\n`)
    .join('');
}

/**
 * Parses checkpoint note text (the signed text, not the whole note). Strict: the size must be canonical
 * decimal within uint64 and the root hash canonical base64 of 32 bytes, so that one checkpoint has exactly
 * one text and two parties can compare checkpoints byte for byte.
 *
 * @throws CheckpointError on any deviation.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string' || !text.endsWith('\n')) {
    throw new CheckpointError('checkpoint text must end with a newline');
  }
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new CheckpointError('checkpoint needs origin, tree size and root hash lines');
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  checkLine(origin, 'origin');
  if (!DECIMAL.test(sizeLine)) {
    throw new CheckpointError('tree size must be decimal digits without leading zeros');
  }
  const size = BigInt(sizeLine);
  if (size > MAX_TREE_SIZE) throw new CheckpointError('tree size exceeds 2^64 - 1');
  let rootHash: Uint8Array;
  try {
    rootHash = fromBase64(rootLine);
  } catch (e) {
    throw new CheckpointError(`root hash: ${(e as Error).message}`);
  }
  if (rootHash.length !== HASH_SIZE) throw new CheckpointError(`root hash must be ${HASH_SIZE} bytes`);
  extensions.forEach((ext, i) => {
    checkLine(ext, `extension line ${i + 1}`);
  });
  return { origin, size, rootHash, extensions };
}

/** Formats and signs a checkpoint; returns the complete signed note. */
export function signCheckpoint(cp: CheckpointInput, signers: readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(cp), signers);
}

/** A verified checkpoint and the note it came from. */
export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: OpenedNote;
}

/**
 * Opens a signed checkpoint: verifies the note against `verifiers` (see `openNote`), parses its text, and,
 * when `origin` is given, requires the checkpoint to be from that log. Checking the origin matters: a
 * checkpoint correctly signed for one log must not be accepted as the head of another using the same key.
 *
 * @throws NoteError if the note does not verify; CheckpointError if the text is not a checkpoint or is
 * for another origin.
 */
export function openCheckpoint(
  note: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  origin?: string,
): OpenedCheckpoint {
  const opened = openNote(note, verifiers);
  const checkpoint = parseCheckpoint(opened.text);
  if (origin !== undefined && checkpoint.origin !== origin) {
    throw new CheckpointError(
      `checkpoint is for origin ${JSON.stringify(checkpoint.origin)}, expected ${JSON.stringify(origin)}`,
    );
  }
  return { checkpoint, note: opened };
}
