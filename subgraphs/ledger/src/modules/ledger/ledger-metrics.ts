import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the append path exposes on /metrics. */
export function createLedgerMetrics(registry: Registry) {
  return {
    appends: new Counter({
      name: 'ledger_appends_total',
      help: 'Entries appended to the ledger.',
      registers: [registry],
    }),
    replays: new Counter({
      name: 'ledger_idempotent_replays_total',
      help: 'Appends answered with an earlier entry because the idempotency key was seen before.',
      registers: [registry],
    }),
    batchSplits: new Counter({
      name: 'ledger_batch_splits_total',
      help: 'Batches that failed on one entry and were retried in halves, so only that entry failed.',
      registers: [registry],
    }),
    checkpoints: new Counter({
      name: 'ledger_checkpoints_total',
      help: 'Signed checkpoints published.',
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'ledger_batch_entries',
      help: 'Appends written per transaction (group commit).',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'ledger_batch_duration_seconds',
      help: 'Time to write and commit one batch.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    treeSize: new Gauge({ name: 'ledger_tree_size', help: 'Entries in the ledger.', registers: [registry] }),
    queueDepth: new Gauge({
      name: 'ledger_append_queue_depth',
      help: 'Appends waiting for the next batch.',
      registers: [registry],
    }),
  };
}
