import type { Logger } from '@ecp/logging/logger';

type Closer = () => Promise<unknown> | unknown;

export interface Shutdown {
  /** Registers something to close; closers run in reverse order of registration (last opened, first closed). */
  register(name: string, close: Closer): void;
  /** Runs every closer once, each bounded by what is left of the deadline. Resolves true if all closed cleanly. */
  run(reason: string): Promise<boolean>;
  readonly stopping: boolean;
}

export interface ShutdownOptions {
  logger: Logger;
  deadlineMs: number;
}

/** One shutdown routine per process: servers, workers, queues, ORM and Redis close in order, within a deadline. */
export function createShutdown({ logger, deadlineMs }: ShutdownOptions): Shutdown {
  const closers: { name: string; close: Closer }[] = [];
  let running: Promise<boolean> | undefined;
  return {
    get stopping() {
      return running !== undefined;
    },
    register(name, close) {
      closers.push({ name, close });
    },
    run(reason) {
      running ??= (async () => {
        const deadline = Date.now() + deadlineMs;
        logger.info({ reason, deadlineMs }, 'shutting down');
        let clean = true;
        for (const { name, close } of [...closers].reverse()) {
          const remaining = Math.max(0, deadline - Date.now());
          let timer: NodeJS.Timeout | undefined;
          const timedOut = new Promise<'timeout'>((resolve) => {
            timer = setTimeout(() => resolve('timeout'), remaining);
          });
          try {
            const outcome = await Promise.race([Promise.resolve().then(close), timedOut]);
            if (outcome === 'timeout') {
              clean = false;
              logger.warn({ closer: name }, 'shutdown deadline passed before this closed');
            }
          } catch (err) {
            clean = false;
            logger.error({ err, closer: name }, 'closing failed');
          } finally {
            clearTimeout(timer);
          }
        }
        logger.info({ clean }, 'shut down');
        return clean;
      })();
      return running;
    },
  };
}

/** Wires SIGTERM and SIGINT to the shutdown routine, then exits with 0 when everything closed cleanly. */
export function exitOnSignals(shutdown: Shutdown): void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (shutdown.stopping) return;
    void shutdown.run(signal).then((clean) => process.exit(clean ? 0 : 1));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
