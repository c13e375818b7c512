import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { availableParallelism, release } from 'node:os';

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
export interface ResultRow {
  measure: string;
  result: string;
  /** The target, or `–` for a row that is context for another. */
  target: string;
  /** `met`, `MISSED`, or `–` without a target. */
  verdict: string;
}

const COLUMNS = ['measure', 'result', 'target', 'verdict'] as const;

function cells(row: ResultRow): string[] {
  return COLUMNS.map((c) => row[c]);
}

export function textTable(rows: readonly ResultRow[]): string {
  const all = [[...COLUMNS], ...rows.map(cells)];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

export function markdownTable(rows: readonly ResultRow[]): string {
  return [[...COLUMNS], COLUMNS.map(() => '---'), ...rows.map(cells)]
    .map((r) => `| ${r.join(' | ')} |`)
    .join('\n');
}

/**
 * Appends a section at the end of the Markdown file without rewriting what is there: the file is
 * read just before, only to know how to separate the new section from the last one.
 */
export function appendSection(path: string, section: string): void {
  const before = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const separator = before === '' ? '' : before.endsWith('\n\n') ? '' : before.endsWith('\n') ? '\n' : '\n\n';
  appendFileSync(path, `${separator}${section.trim()}\n`);
}
