/**
 * The load generator, run as its own process so that it never shares an event loop with what it
 * measures: a warm-up autocannon run (discarded), then the measured run. Prints one JSON line,
 * a {@link LoadResult}, on stdout; the full autocannon result goes to `spec.rawPath`.
 *
 * Latency percentiles are computed here from every successful response's own time (sub-millisecond
 * resolution), not taken from autocannon's summary: that one has 1 ms buckets, no p95, and under
 * `overallRate` its coordinated-omission correction takes the expected interval to be 1/rate
 * milliseconds (1000 times too short), which adds spurious low samples.
 */
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon, { type AutocannonOptions, type AutocannonResult } from 'autocannon';
import { type LoadSpec, type RunCounts, summarise } from './load';

const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;

function options(durationSeconds: number, connections: number, overallRate?: number): AutocannonOptions {
  return {
    url: spec.url,
    method: 'POST',
    headers: spec.headers,
    body: spec.body,
    connections,
    duration: durationSeconds,
    timeout: 10,
    ...(overallRate ? { overallRate } : {}),
    // A 200 carrying GraphQL errors is a failure too.
    verifyBody: (body) => body.startsWith('{"data"') && !body.includes('"errors"'),
  };
}

/** Runs autocannon, recording the time of every 2xx response into `latencies`. */
async function measure(opts: AutocannonOptions, latencies: number[]): Promise<AutocannonResult> {
  const run = autocannon(opts);
  run.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  return await run;
}

/** `rate` split into `parts` whole shares that add up to it. */
function shares(rate: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(rate / parts) + (i < rate % parts ? 1 : 0));
}

if (spec.warmupSeconds > 0) await autocannon(options(spec.warmupSeconds, spec.connections, spec.overallRate));

const latencies: number[] = [];
let raw: AutocannonResult[];
if (spec.overallRate && spec.pacing === 'spread') {
  const n = spec.connections;
  raw = await Promise.all(
    shares(spec.overallRate, n).map(async (rate, i) => {
      await sleep((i * 1000) / n);
      return measure(options(spec.durationSeconds, 1, rate), latencies);
    }),
  );
} else {
  raw = [await measure(options(spec.durationSeconds, spec.connections, spec.overallRate), latencies)];
}

const sum = (key: keyof Omit<RunCounts, 'duration'>) => raw.reduce((total, r) => total + r[key], 0);
const counts: RunCounts = {
  // The parallel runs of a spread rate each last the duration, offset from one another.
  duration: raw.reduce((total, r) => total + r.duration, 0) / raw.length,
  errors: sum('errors'),
  timeouts: sum('timeouts'),
  non2xx: sum('non2xx'),
  mismatches: sum('mismatches'),
};
const result = summarise(latencies, counts);
if (spec.rawPath) {
  writeFileSync(
    spec.rawPath,
    `${JSON.stringify({ result, autocannon: raw.length === 1 ? raw[0] : raw }, null, 2)}\n`,
  );
}
process.stdout.write(`${JSON.stringify(result)}\n`);
