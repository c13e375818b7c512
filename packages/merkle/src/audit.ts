/**
 * Full-tree recomputation for auditors: stream every leaf hash once, in order, and learn the root at each
 * size of interest (typically the sizes of several signed checkpoints), compared with the claimed roots.
 * Memory is O(log n + number of targets); each leaf costs about two SHA-256 compressions.
 */
import { equalBytes, HASH_SIZE } from './hash';
import { assertTreeSize, Frontier } from './tree';

/** A size at which the root is wanted, optionally with the root that someone (e.g. a checkpoint) claims. */
export interface RootTarget {
  readonly size: bigint;
  /** Claimed root; when absent the computed root is only reported. */
  readonly expectedRoot?: Uint8Array;
  /** Free-form tag carried into the result, e.g. the checkpoint's origin and size. */
  readonly label?: string;
}

/** The recomputed root at a target size. */
export interface RootResult {
  readonly size: bigint;
  readonly root: Uint8Array;
  readonly expectedRoot?: Uint8Array;
  readonly label?: string;
  /** False only when an expected root was given and differs. */
  readonly matches: boolean;
}

/** Summary of an audit run. */
export interface AuditReport {
  /** Leaves consumed. */
  readonly size: bigint;
  /** Root at `size`. */
  readonly root: Uint8Array;
  /** One result per reached target, in size order. */
  readonly results: readonly RootResult[];
  /** The results whose expected root differs from the recomputed one. */
  readonly mismatches: readonly RootResult[];
  /** Targets beyond the leaves consumed: the claimed trees are larger than the data seen. */
  readonly unreached: readonly RootTarget[];
  /** No mismatches and nothing unreached. */
  readonly ok: boolean;
}

/**
 * Streaming recomputation of the tree. Push leaf hashes in log order; whenever the size reaches a
 * target, its root is computed and compared.
 */
export class TreeAuditor {
  readonly #frontier = Frontier.empty();
  readonly #targets: RootTarget[];
  #next = 0;
  readonly #results: RootResult[] = [];

  /** @throws RangeError for a target with an invalid size or an expected root that is not 32 bytes. */
  constructor(targets: Iterable<RootTarget> = []) {
    const list = [...targets];
    for (const t of list) {
      assertTreeSize(t.size, 'target size');
      if (t.expectedRoot !== undefined && t.expectedRoot.length !== HASH_SIZE) {
        throw new RangeError(`expected roots must be ${HASH_SIZE} bytes`);
      }
    }
    // Stable sort keeps targets of equal size in the caller's order.
    this.#targets = list.sort((a, b) => (a.size < b.size ? -1 : a.size > b.size ? 1 : 0));
    this.#collect();
  }

  /** Leaves consumed so far. */
  get size(): bigint {
    return this.#frontier.size;
  }

  /** Root at the current size. */
  root(): Uint8Array {
    return this.#frontier.root();
  }

  /** Consumes the next leaf hash; returns the results for targets reached at the new size (usually none). */
  push(leafHash: Uint8Array): RootResult[] {
    this.#frontier.add(leafHash);
    return this.#collect();
  }

  /** Consumes leaf hashes in order; returns the results for targets reached meanwhile. */
  pushAll(leafHashes: Iterable<Uint8Array>): RootResult[] {
    const reached: RootResult[] = [];
    for (const h of leafHashes) {
      this.#frontier.add(h);
      if (this.#pending()) reached.push(...this.#collect());
    }
    return reached;
  }

  /** Results so far, in size order. */
  results(): readonly RootResult[] {
    return [...this.#results];
  }

  /** Results whose expected root differs from the recomputed one. */
  mismatches(): RootResult[] {
    return this.#results.filter((r) => !r.matches);
  }

  /** Summary at the current size; further leaves may still be pushed afterwards. */
  report(): AuditReport {
    const mismatches = this.mismatches();
    const unreached = this.#targets.slice(this.#next);
    return {
      size: this.size,
      root: this.root(),
      results: this.results(),
      mismatches,
      unreached,
      ok: mismatches.length === 0 && unreached.length === 0,
    };
  }

  #pending(): boolean {
    const t = this.#targets[this.#next];
    return t !== undefined && t.size === this.#frontier.size;
  }

  #collect(): RootResult[] {
    if (!this.#pending()) return [];
    const root = this.#frontier.root();
    const reached: RootResult[] = [];
    for (let t = this.#targets[this.#next]; t !== undefined && t.size === this.#frontier.size; ) {
      const matches = t.expectedRoot === undefined || equalBytes(t.expectedRoot, root);
      const result: RootResult = {
        size: t.size,
        root: root.slice(),
        matches,
        ...(t.expectedRoot !== undefined && { expectedRoot: t.expectedRoot }),
        ...(t.label !== undefined && { label: t.label }),
      };
      reached.push(result);
      this.#results.push(result);
      t = this.#targets[++this.#next];
    }
    return reached;
  }
}

/** Recomputes the tree over `leafHashes` in one pass and reports every target. */
export function auditLeafHashes(
  leafHashes: Iterable<Uint8Array>,
  targets: Iterable<RootTarget>,
): AuditReport {
  const auditor = new TreeAuditor(targets);
  auditor.pushAll(leafHashes);
  return auditor.report();
}
