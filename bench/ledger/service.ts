import { setTimeout as sleep } from 'node:timers/promises';
import { openOrm } from '@ecp/db/orm';
import { Outbox } from '@ecp/events/outbox';
import type { Logger } from '@ecp/logging/logger';
import { type AppendRequest, LedgerLog } from '@ecp/subgraph-ledger/bench/ledger-log';
import { LEDGER_TOPICS } from '@ecp/subgraph-ledger/bench/ledger-topics';
import type { LogKeys } from '@ecp/subgraph-ledger/bench/log-keys';
import { LEDGER_ENTITIES, LEDGER_SERVICE_ROLE } from '@ecp/subgraph-ledger/subgraph';
import type { MikroORM } from '@mikro-orm/postgresql';
import { benchRequest } from './entries';
import { percentile } from './stats';

/** The ledger service's ORM on a database, as the subgraph opens it (writer role, its pool). */
export function openLedgerOrm(databaseUrl: string, logger: Logger, poolMax = 10): Promise<MikroORM> {
  return openOrm({
    databaseUrl,
    schema: 'ledger',
    entities: LEDGER_ENTITIES,
    logger,
    poolMax,
    sessionRole: LEDGER_SERVICE_ROLE,
  });
}

export interface LogSettings {
  batchMax: number;
  checkpointIntervalMs: number;
  checkpointEveryEntries: number;
}

/** The ledger service's defaults (LEDGER_BATCH_MAX, CHECKPOINT_INTERVAL_MS, CHECKPOINT_EVERY_ENTRIES). */
export const SERVICE_DEFAULTS: LogSettings = {
  batchMax: 1000,
  checkpointIntervalMs: 1000,
  checkpointEveryEntries: 10_000,
};

export async function startLog(
  orm: MikroORM,
  keys: LogKeys,
  logger: Logger,
  settings: LogSettings,
): Promise<LedgerLog> {
  const log = new LedgerLog({
    knex: orm.em.getConnection().getKnex(),
    outbox: new Outbox({ schema: 'ledger', topics: LEDGER_TOPICS }),
    keys,
    logger,
    ...settings,
  });
  await log.start();
  return log;
}

export interface AppendRun {
  /** Appends committed inside the measured window. */
  appends: number;
  seconds: number;
  perSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  failures: number;
}

function summarise(latencies: number[], seconds: number, failures: number): AppendRun {
  const sorted = Float64Array.from(latencies).sort();
  return {
    appends: sorted.length,
    seconds,
    perSecond: sorted.length / seconds,
    latencyMs: {
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: percentile(sorted, 100),
    },
    failures,
  };
}

/**
 * Closed loop: `concurrency` appenders, each appending again as soon as its last append committed.
 * Counts the appends that commit within the measured window, after a warm-up.
 */
export async function closedLoop(
  log: LedgerLog,
  concurrency: number,
  warmupSeconds: number,
  seconds: number,
  make: () => AppendRequest = benchRequest,
): Promise<AppendRun> {
  const start = performance.now();
  const from = start + warmupSeconds * 1000;
  const to = from + seconds * 1000;
  const latencies: number[] = [];
  let failures = 0;
  const appender = async () => {
    for (;;) {
      const sent = performance.now();
      if (sent >= to) return;
      try {
        await log.append(make());
      } catch {
        failures++;
        continue;
      }
      const done = performance.now();
      if (done >= from && done < to) latencies.push(done - sent);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, appender));
  return summarise(latencies, seconds, failures);
}

/**
 * Open loop: appends scheduled at a fixed rate whatever the completions, each one's latency taken
 * from the moment it was due (so a stalled sender or event loop counts against the log, not for it).
 */
export async function openLoop(
  log: LedgerLog,
  rate: number,
  warmupSeconds: number,
  seconds: number,
): Promise<AppendRun & { offered: number }> {
  const interval = 1000 / rate;
  const total = Math.round(rate * (warmupSeconds + seconds));
  const firstMeasured = Math.round(rate * warmupSeconds);
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  let failures = 0;
  const t0 = performance.now();
  let next = 0;
  while (next < total) {
    const now = performance.now();
    while (next < total && t0 + next * interval <= now) {
      const due = t0 + next * interval;
      const measured = next >= firstMeasured;
      pending.push(
        log.append(benchRequest()).then(
          () => {
            if (measured) latencies.push(performance.now() - due);
          },
          () => {
            failures++;
          },
        ),
      );
      next++;
    }
    await sleep(1);
  }
  await Promise.all(pending);
  return { ...summarise(latencies, seconds, failures), offered: rate };
}

/**
 * Appends `count` entries keeping `inFlight` outstanding (the queue feeds full batches), printing the
 * rate every `every` entries. Returns the seconds taken.
 */
export async function bulkAppend(
  log: LedgerLog,
  count: number,
  inFlight: number,
  progress: (done: number, seconds: number) => void,
  every = 100_000,
): Promise<number> {
  const started = performance.now();
  let issued = 0;
  let done = 0;
  let failed: unknown;
  await new Promise<void>((resolve, reject) => {
    const issue = () => {
      while (issued < count && issued - done < inFlight && failed === undefined) {
        issued++;
        log.append(benchRequest()).then(
          () => {
            done++;
            if (done % every === 0) progress(done, (performance.now() - started) / 1000);
            if (done === count) resolve();
            else issue();
          },
          (err) => {
            failed ??= err;
            reject(err);
          },
        );
      }
    };
    issue();
  });
  return (performance.now() - started) / 1000;
}
