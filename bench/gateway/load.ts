import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One load run: a GraphQL POST repeated against `url` by autocannon, in a separate process. */
export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Offered load in requests per second; without it, each connection sends as fast as it is answered. */
  overallRate?: number;
  /**
   * How a fixed rate is paced. `autocannon`: its own `overallRate` over all connections, which
   * renews every connection's quota at the same instant each second, so the load comes as one burst
   * per second with every connection busy. `spread`: one single-connection autocannon per
   * connection, each with its share of the rate, started 1/connections s apart, so the bursts are
   * spread over the second.
   */
  pacing?: 'autocannon' | 'spread';
  /** Where to write the full autocannon result. */
  rawPath?: string;
}

export interface LoadResult {
  /** Successful responses (2xx with `data` and no `errors`) during the measured run. */
  requests: number;
  seconds: number;
  rps: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** Connection errors, timeouts, non-2xx answers and answers carrying GraphQL errors. */
  failures: number;
}

/** autocannon's counts for a run, as its result reports them. */
export interface RunCounts {
  /** Seconds the run lasted. */
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? Number.NaN;
}

/**
 * Summarises a run from the time of every 2xx response (in milliseconds). Answers whose body was
 * refused (GraphQL errors) are 2xx too; they count as failures, not as successful requests.
 */
export function summarise(latenciesMs: readonly number[], counts: RunCounts): LoadResult {
  const sorted = Float64Array.from(latenciesMs).sort();
  const ok = Math.max(0, sorted.length - counts.mismatches);
  return {
    requests: ok,
    seconds: counts.duration,
    rps: counts.duration > 0 ? ok / counts.duration : 0,
    latencyMs: {
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: percentile(sorted, 100),
    },
    failures: counts.errors + counts.timeouts + counts.non2xx + counts.mismatches,
  };
}

const WORKER = fileURLToPath(new URL('./load-worker.ts', import.meta.url));

/** The running load process, if any, so that an interrupted benchmark can stop it. */
let current: ReturnType<typeof spawn> | undefined;

/** Runs the load worker in its own Node process and returns what it measured. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    current = child;
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      current = undefined;
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line) {
        reject(
          new Error(`load worker for ${spec.url} ended with ${signal ?? code}:\n${stderr.slice(-2000)}`),
        );
        return;
      }
      try {
        const result = JSON.parse(line) as LoadResult;
        // JSON has no NaN: a run without a single successful response brings its percentiles back as null.
        const latency = result.latencyMs as Record<string, number | null>;
        for (const key of Object.keys(latency)) latency[key] ??= Number.NaN;
        resolve(result);
      } catch {
        reject(new Error(`load worker printed no result: ${line.slice(0, 500)}`));
      }
    });
  });
}

/** Kills a load run still in progress (on interruption). */
export function stopLoad(): void {
  current?.kill('SIGKILL');
}
