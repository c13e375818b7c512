import type { CallOptions } from '@ecp/service-kit/service-client';
import type { ServiceDirectory } from '@ecp/service-kit/service-directory';
import { LRUCache } from 'lru-cache';
import { LEDGER_CHECKPOINT, PRECEDENT_CHOICES } from './ledger-operations';

/** How long the latest checkpoint's size is reused: checkpoints come about once a second. */
const CHECKPOINT_TTL_MS = 1000;

/**
 * What friction reads from the ledger as its precedent evidence, process-wide. The history it reads
 * is pinned to a checkpoint's tree size, and everything below a tree size is immutable (the ledger
 * only appends), so the choices counted before a given size never change: they are cached without
 * expiry (bounded by count). The latest checkpoint's size is reused for a second, so that an
 * assessment costs one ledger call at most, usually none.
 */
export class LedgerEvidence {
  private checkpoint: { treeSize: string; at: number } | undefined;
  private pending: Promise<string> | undefined;
  private readonly choices = new LRUCache<string, Record<string, number>>({ max: 10_000 });

  constructor(private readonly services: ServiceDirectory) {}

  /** How often each option was chosen in exactly this jurisdiction and category, before the latest checkpoint. */
  async historyChoices(
    jurisdiction: string,
    category: string,
    options: readonly string[],
    call: CallOptions,
  ): Promise<{ beforeIndex: string; counts: Record<string, number> }> {
    const beforeIndex = await this.latestTreeSize(call);
    const sorted = [...options].sort();
    const key = JSON.stringify([jurisdiction, category, sorted, beforeIndex]);
    let counts = this.choices.get(key);
    if (!counts) {
      const { precedentChoices } = await this.services
        .client('ledger')
        .request(PRECEDENT_CHOICES, { jurisdiction, category, options: sorted, beforeIndex }, call);
      counts = Object.fromEntries(
        precedentChoices.filter((c) => c.count > 0).map((c) => [c.option, c.count]),
      );
      this.choices.set(key, counts);
    }
    return { beforeIndex, counts };
  }

  private async latestTreeSize(call: CallOptions): Promise<string> {
    const cached = this.checkpoint;
    if (cached && Date.now() - cached.at < CHECKPOINT_TTL_MS) return cached.treeSize;
    // One request at a time for everyone waiting on it.
    this.pending ??= this.services
      .client('ledger')
      .request(LEDGER_CHECKPOINT, {}, call)
      .then(({ checkpoint }) => {
        const treeSize = checkpoint?.treeSize ?? '0';
        this.checkpoint = { treeSize, at: Date.now() };
        return treeSize;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }
}
