import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, release } from 'node:os';
import type { LoadResult } from './load';

export interface Row {
  /** Short key: a, b, c. */
  key: string;
  target: string;
  /** Offered load: `max` (closed loop) or a rate and how it was paced. */
  offered: string;
  connections: number;
  result: LoadResult;
}

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

/**
 * The share of the machine's CPU time left idle over `ms` milliseconds (Linux), to tell whether
 * something else is running while the benchmark wants the machine to itself.
 */
export async function idleShare(ms: number): Promise<number | undefined> {
  const before = cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = cpuTimes();
  if (!before || !after || after.total === before.total) return undefined;
  return (after.idle - before.idle) / (after.total - before.total);
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '–');
const columns = ['', 'target', 'offered', 'conns', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'failed'];

function cells(row: Row): string[] {
  const { rps, latencyMs, failures } = row.result;
  return [
    row.key,
    row.target,
    row.offered,
    String(row.connections),
    rps.toFixed(0),
    ms(latencyMs.p50),
    ms(latencyMs.p95),
    ms(latencyMs.p99),
    String(failures),
  ];
}

/** The rows as an aligned plain-text table, for the terminal. */
export function textTable(rows: readonly Row[]): string {
  const all = [columns, ...rows.map(cells)];
  const widths = columns.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const numeric = (i: number) => i >= 3;
  return all
    .map((r) =>
      r.map((c, i) => (numeric(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  '),
    )
    .join('\n');
}

/** The rows as a Markdown table. */
export function markdownTable(rows: readonly Row[]): string {
  const align = columns.map((_, i) => (i >= 3 ? '---:' : '---'));
  return [columns, align, ...rows.map(cells)].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

const HEADER = `# Benchmarks

Measured results, newest last. Each section is appended by the benchmark that produced it; rerun
with the command it names rather than editing numbers by hand.
`;

/** Appends a section to the Markdown file, creating the file with a short header if needed. */
export function appendSection(path: string, section: string): void {
  const before = existsSync(path) ? readFileSync(path, 'utf8') : HEADER;
  writeFileSync(path, `${before.trimEnd()}\n\n${section.trim()}\n`);
}
