import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Caller } from './workloads';

export interface LoadSpec {
  url: string;
  workload: 'friction' | 'read' | 'record' | 'vote';
  callers: Caller[];
  /** For `vote`: each is cast once, in order. */
  votes?: { key: string; pollId: string; option: string; confidence: number }[];
  /** Open loop at this many requests a second; closed loop with `connections` callers without it. */
  rate?: number;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  seed: number;
}

export interface LoadResult {
  /** Answered without errors, sent within the measured window. */
  requests: number;
  seconds: number;
  /** Closed loop: answers per second. Open loop: answers received within the window per second. */
  perSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  failures: number;
  firstFailure?: string;
  /** For `record`: each decision's id and when its answer came (epoch ms). */
  answered?: [string, number][];
}

const WORKER = fileURLToPath(new URL('./load-worker.ts', import.meta.url));

/** Runs the load generator in its own Node process and returns what it measured. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  // Through a file: a spec with thousands of votes is longer than one argument may be.
  const dir = mkdtempSync(join(tmpdir(), 'ecp-bench-'));
  const file = join(dir, 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  return new Promise<LoadResult>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line)
        return reject(new Error(`load worker ended with ${code}:\n${stderr.slice(-2000)}`));
      resolve(JSON.parse(line) as LoadResult);
    });
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}
