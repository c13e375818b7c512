import { appendFileSync, existsSync, readFileSync } from 'node:fs';

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
