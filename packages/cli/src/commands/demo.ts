import { randomBytes } from 'node:crypto';
import { DemoDirector } from '../demo/director';
import type { DemoEvent } from '../demo/events';
import { lineOf, summaryOf } from '../demo/lines';
import { DemoRandom } from '../demo/random';
import { DemoStartError, type DemoWorld, finishDemo, prepareDemo } from '../demo/setup';
import { DemoMemory, outageStory, type StoryContext, storyPlan } from '../demo/stories';
import { DemoTally } from '../demo/tally';
import type { CliConfig } from '../env';

export interface DemoOptions {
  key?: string;
  apiKey?: string;
  url?: string;
  gateway?: string;
  rate?: string;
  seed?: string;
}

/** How `ecp demo` ends. */
export const DEMO_EXIT = {
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM, cleaned up. */
  stopped: 0,
  /** The platform stopped answering as it should in the middle of the run. */
  failed: 1,
  /** It could not start: wrong usage, a missing, refused or non-admin key, no gateway. */
  cannotStart: 2,
} as const;

/** This many failed actions in a row mean the platform is not answering: the run stops. */
const FAILURES_TO_GIVE_UP = 10;
/** A request through the gateway that takes longer than this counts as failed. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * `ecp demo [--key K] [--url U] [--rate N] [--seed S]`: registers (or finds) the demo's agents and
 * operator and drives varied traffic through the gateway at about `rate` actions per second, one line
 * each, until Ctrl-C; then finishes the action in flight, cleans up, prints a summary and answers 0.
 */
export async function demo(loadConfig: () => CliConfig, options: DemoOptions): Promise<number> {
  const rate = Number(options.rate ?? '1');
  if (!Number.isFinite(rate) || rate < 0.05 || rate > 50) {
    process.stderr.write(
      `ecp demo: --rate must be a number of actions per second from 0.05 to 50, not ${options.rate}\n`,
    );
    return DEMO_EXIT.cannotStart;
  }
  const seed = options.seed === undefined ? randomBytes(4).readUInt32BE(0) : Number(options.seed);
  if (!Number.isInteger(seed) || seed < 0) {
    process.stderr.write(`ecp demo: --seed must be a whole number, not ${options.seed}\n`);
    return DEMO_EXIT.cannotStart;
  }
  const config = loadConfig();
  const gatewayUrl = options.url ?? options.gateway ?? config.ECP_GATEWAY_URL;
  if (!URL.canParse(gatewayUrl)) {
    process.stderr.write(
      `ecp demo: --url must be the gateway's URL, e.g. http://127.0.0.1:4000, not ${gatewayUrl}\n`,
    );
    return DEMO_EXIT.cannotStart;
  }

  const out = (text: string) => process.stdout.write(`${text}\n`);
  const tally = new DemoTally();
  const emit = (event: DemoEvent) => {
    tally.add(event);
    out(lineOf(event));
  };

  // Ctrl-C once: stop after the action in flight and clean up. Twice: stop at once.
  let stopRequested = false;
  let wake = () => {};
  const onSignal = () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    out('stopping: finishing the action in flight (Ctrl-C again to quit at once)…');
    wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    out(
      `ecp demo: simulated agents acting through ${gatewayUrl} at ${rate} action(s) a second (seed ${seed}).`,
    );
    let world: DemoWorld;
    try {
      world = await prepareDemo(
        {
          gatewayUrl,
          adminKey: options.key ?? options.apiKey ?? config.ECP_API_KEY,
          requestTimeoutMs: REQUEST_TIMEOUT_MS,
        },
        emit,
      );
    } catch (err) {
      const message =
        err instanceof DemoStartError ? err.message : `could not get ready: ${(err as Error).message}`;
      process.stderr.write(`ecp demo: ${message}\n`);
      return err instanceof DemoStartError ? DEMO_EXIT.cannotStart : DEMO_EXIT.failed;
    }
    out(`Watch it move on the dashboard at ${new URL('/', gatewayUrl)}; Ctrl-C stops.`);

    const ctx: StoryContext = {
      world,
      random: new DemoRandom(seed),
      memory: new DemoMemory(randomBytes(4).toString('hex')),
    };
    const director = new DemoDirector({ perpetual: [outageStory(ctx)], nextStory: storyPlan(ctx) });
    const started = Date.now();
    const interval = 1000 / rate;
    let failuresInARow = 0;
    let exit: number = DEMO_EXIT.stopped;
    while (!stopRequested) {
      const began = Date.now();
      const event = await director.step();
      if (event) {
        emit(event);
        failuresInARow = event.kind === 'action-failed' ? failuresInARow + 1 : 0;
      }
      if (failuresInARow >= FAILURES_TO_GIVE_UP) {
        process.stderr.write(
          `ecp demo: ${FAILURES_TO_GIVE_UP} actions in a row failed: the platform is not answering as it should; stopping\n`,
        );
        exit = DEMO_EXIT.failed;
        break;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, interval - (Date.now() - began)));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await director.stop();
    await finishDemo(world, emit);
    out(summaryOf(tally, Date.now() - started));
    return exit;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
