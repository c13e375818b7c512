import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
