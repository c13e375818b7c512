import { TreeAuditor } from './audit';
import { type Checkpoint, openCheckpoint } from './checkpoint';
import { equalBytes, leafHash, toHex } from './hash';
import type { NoteVerifier } from './signed-note';

/**
 * The offline audit of a whole log: every entry's bytes re-hashed, the whole tree recomputed, and the
 * roots compared with every signed checkpoint given — the auditor's own kept ones and those exported
 * by the server alike. Trusts nothing but the verifier keys. Browser-safe, streaming, O(log n) memory
 * beyond the checkpoints.
 */
export type AuditFindingKind =
  | 'out-of-order'
  | 'leaf-hash-mismatch'
  | 'changed-since-previous'
  | 'bad-checkpoint'
  | 'root-mismatch'
  | 'beyond-entries';

export interface AuditFinding {
  kind: AuditFindingKind;
  /** The entry concerned, when one can be named. */
  index?: bigint;
  /** The entries among which a change must be, when no single one can be named: [from, to). */
  range?: [bigint, bigint];
  message: string;
}

export interface LogAuditReport {
  size: bigint;
  root: string;
  checkpointsVerified: number;
  findings: AuditFinding[];
  ok: boolean;
}

export interface LogAuditOptions {
  verifiers: readonly NoteVerifier[];
  origin?: string;
  /** Signed checkpoint notes to hold the log to. */
  checkpoints: readonly string[];
  /**
   * Leaf hashes recomputed from an earlier export's bytes, by index: an entry changed since then is
   * named exactly, even when its recorded leaf hash was forged along with it.
   */
  previous?: (index: bigint) => Uint8Array | undefined;
}

export class LogAuditor {
  readonly #findings: AuditFinding[] = [];
  readonly #auditor: TreeAuditor;
  readonly #checkpoints: Checkpoint[];
  #next = 0n;

  constructor(private readonly options: LogAuditOptions) {
    const opened: Checkpoint[] = [];
    for (const note of options.checkpoints) {
      try {
        opened.push(openCheckpoint(note, options.verifiers, options.origin).checkpoint);
      } catch (err) {
        const head = note.split('\n').slice(0, 2).join(' / ');
        this.#findings.push({
          kind: 'bad-checkpoint',
          message: `checkpoint "${head}" does not verify: ${(err as Error).message}`,
        });
      }
    }
    // One target per distinct size; two signed roots for one size that differ are both reported below.
    this.#checkpoints = opened.sort((a, b) => (a.size < b.size ? -1 : a.size > b.size ? 1 : 0));
    this.#auditor = new TreeAuditor(
      this.#checkpoints.map((c) => ({
        size: c.size,
        expectedRoot: c.rootHash,
        label: `checkpoint at size ${c.size}`,
      })),
    );
  }

  /** Feeds the next entry: its index, its exact bytes, and the leaf hash the log recorded for it. */
  push(index: bigint, bytes: Uint8Array, recordedLeafHash?: Uint8Array): void {
    if (index !== this.#next) {
      this.#findings.push({
        kind: 'out-of-order',
        index,
        message: `expected entry ${this.#next}, found entry ${index}`,
      });
    }
    const leaf = leafHash(bytes);
    if (recordedLeafHash && !equalBytes(leaf, recordedLeafHash)) {
      this.#findings.push({
        kind: 'leaf-hash-mismatch',
        index: this.#next,
        message: `entry ${this.#next}: its bytes hash to ${toHex(leaf)}, but the log recorded ${toHex(recordedLeafHash)}`,
      });
    }
    const earlier = this.options.previous?.(this.#next);
    if (earlier && !equalBytes(earlier, leaf)) {
      this.#findings.push({
        kind: 'changed-since-previous',
        index: this.#next,
        message: `entry ${this.#next} differs from the previous export`,
      });
    }
    this.#auditor.push(leaf);
    this.#next++;
  }

  finish(): LogAuditReport {
    const report = this.#auditor.report();
    let lastGood = 0n;
    let previousMatched = true;
    for (const result of report.results) {
      if (result.matches) {
        lastGood = result.size;
        previousMatched = true;
        continue;
      }
      // Once a change is in the tree every later root differs too; the first mismatch bounds it best.
      if (previousMatched) {
        const later = report.results.filter((r) => r.size > result.size && !r.matches).length;
        this.#findings.push({
          kind: 'root-mismatch',
          range: [lastGood, result.size],
          message:
            `the recomputed tree at size ${result.size} is not the one the checkpoint signed: an entry among ` +
            `${lastGood}…${result.size - 1n} was changed${later > 0 ? ` (${later} later checkpoint(s) differ too)` : ''}`,
        });
      }
      previousMatched = false;
    }
    for (const target of report.unreached) {
      this.#findings.push({
        kind: 'beyond-entries',
        message: `a checkpoint signs a tree of ${target.size} entries, but only ${report.size} were given`,
      });
    }
    const pinpointed = this.#findings.filter((f) => f.index !== undefined);
    // A changed entry also breaks every later checkpoint; name it once as precisely as possible.
    const findings = this.#findings.filter(
      (f) =>
        f.kind !== 'root-mismatch' ||
        !pinpointed.some((p) => p.index! >= f.range![0] && p.index! < f.range![1]),
    );
    return {
      size: report.size,
      root: toHex(report.root),
      checkpointsVerified: this.#checkpoints.length,
      findings,
      ok: findings.length === 0,
    };
  }
}
