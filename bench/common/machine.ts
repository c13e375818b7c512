import { readFileSync } from 'node:fs';
import { availableParallelism, release } from 'node:os';

/** What a benchmark ran on, for BENCHMARKS.md. */
export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  kernel: string;
}

export function describeMachine(): Machine {
  let cpuModel = 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) cpuModel = match[1].trim();
  } catch {
    // not Linux
  }
  return { cpus: availableParallelism(), cpuModel, node: process.version, kernel: release() };
}

function cpuTimes(): { idle: number; total: number } | undefined {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const [, , , idle = 0, iowait = 0] = fields;
    return { idle: idle + iowait, total: fields.reduce((sum, v) => sum + v, 0) };
  } catch {
    return undefined;
  }
}

/** The share of the machine's CPU time left idle over `ms` milliseconds (Linux). */
export async function idleShare(ms: number): Promise<number | undefined> {
  const before = cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = cpuTimes();
  if (!before || !after || after.total === before.total) return undefined;
  return (after.idle - before.idle) / (after.total - before.total);
}

/** One line of the results table. */
