import type { Count, PmReportFigures, Section } from './pm-report-figures';

const cell = (v: string | number | null) =>
  v === null ? '–' : typeof v === 'number' ? formatNumber(v) : v.replaceAll('|', '\\|');

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(3);
}

function table(head: string[], rows: (string | number | null)[][]): string {
  if (rows.length === 0) return '_none_';
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

function section<T>(title: string, s: Section<T>, body: (f: T) => string): string {
  return `## ${title}\n\n${s.available ? body(s.figures) : `_unavailable: ${s.reason}_`}\n`;
}

const counts = (label: string, list: Count[]) =>
  table(
    [label, 'decisions'],
    list.map((c) => [c.key, c.count]),
  );

/** The report as people read it: one section per source, each a table, in the order of the JSON. */
export function renderPmReport(r: PmReportFigures): string {
  return [
    `# ECP report ${r.periodStart} – ${r.periodEnd}\n`,
    section(
      'Decisions',
      r.decisions,
      (d) =>
        `${d.count} decision(s) recorded.\n\n${counts('jurisdiction', d.byJurisdiction)}\n\n${counts('category', d.byCategory)}`,
    ),
    section('Divergence', r.divergence, (d) =>
      [
        table(
          ['scored', 'mean', 'p50', 'p90', 'above threshold'],
          [[d.count, d.mean, d.p50, d.p90, d.aboveThreshold]],
        ),
        table(
          ['score', 'decisions'],
          d.buckets.map((b) => [`${b.from.toFixed(1)}–${b.to.toFixed(1)}`, b.count]),
        ),
      ].join('\n\n'),
    ),
    section('Polls', r.polls, (p) =>
      table(['opened', 'closed', 'closed with quorum'], [[p.opened, p.closed, p.quorumMet]]),
    ),
    section('Outcomes', r.outcomes, (o) => table(['reported', 'mean success'], [[o.count, o.meanSuccess]])),
    section('Held decisions', r.heldDecisions, (h) =>
      table(
        ['held', 'committed', 'rejected', 'still pending'],
        [[h.held, h.committed, h.rejected, h.pending]],
      ),
    ),
    section('Incidents', r.incidents, (i) =>
      table(['opened', 'resolved', 'open now'], [[i.opened, i.resolved, i.openNow]]),
    ),
    section('Health', r.health, (h) =>
      table(
        ['environment', 'status', 'uptime 24 h'],
        h.environments.map((e) => [
          e.name,
          e.status,
          e.uptime24h === null ? null : `${(e.uptime24h * 100).toFixed(1)} %`,
        ]),
      ),
    ),
    section('Queues', r.queues, (q) =>
      [
        table(
          ['queue', 'waiting', 'active', 'delayed', 'failed'],
          q.queues.map((x) => [x.name, x.waiting, x.active, x.delayed, x.failed]),
        ),
        table(
          ['consumer', 'unread events', 'pending'],
          q.consumers.map((c) => [c.name, c.unread, c.pending]),
        ),
      ].join('\n\n'),
    ),
    `_Generated ${r.generatedAt}._\n`,
  ].join('\n');
}
