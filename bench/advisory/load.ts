import { fileURLToPath } from 'node:url';
import { runLoadProcess } from '../common/load-process';
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
  return runLoadProcess<LoadResult>(WORKER, spec);
}
