import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface GraphqlLoadSpec {
  /** The gateway's GraphQL endpoint. */
  url: string;
  /** The agent's API key (Bearer). */
  apiKey: string;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
}

export interface GraphqlLoadResult {
  /** recordDecision answers with a ledger index and no errors, within the measured window. */
  requests: number;
  seconds: number;
  perSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** Transport errors, timeouts, non-200 answers and answers carrying GraphQL errors. */
  failures: number;
  firstFailure?: string;
}

const WORKER = fileURLToPath(new URL('./graphql-worker.ts', import.meta.url));

let current: ChildProcess | undefined;

/** Runs the load worker in its own Node process and returns what it measured. */
export function runGraphqlLoad(spec: GraphqlLoadSpec): Promise<GraphqlLoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    current = child;
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      current = undefined;
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line) {
        reject(new Error(`GraphQL load worker ended with ${signal ?? code}:\n${stderr.slice(-2000)}`));
        return;
      }
      try {
        resolve(JSON.parse(line) as GraphqlLoadResult);
      } catch {
        reject(new Error(`GraphQL load worker printed no result: ${line.slice(0, 500)}`));
      }
    });
  });
}

/** Kills a load run still in progress (on interruption). */
export function stopGraphqlLoad(): void {
  current?.kill('SIGKILL');
}
