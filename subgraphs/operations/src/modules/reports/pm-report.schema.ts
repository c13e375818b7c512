import { withPagingErrors } from '@ecp/service-kit/paging-errors';
import { type ResolveCursorConnectionArgs, resolveCursorConnection } from '@pothos/plugin-relay';
import { builder } from '../../builder';
import type { PmReport } from './pm-report.entity';
import { PmReportService } from './pm-report.service';

export const PmReportRef = builder.objectRef<PmReport>('PmReport').implement({
  description:
    'The project-manager report of a 4-hour period: decisions, divergence, polls, outcomes, held decisions, incidents, health and queues.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    periodStart: t.field({
      type: 'DateTime',
      description: 'Start of the period (inclusive).',
      resolve: (r) => r.periodStart,
    }),
    periodEnd: t.field({
      type: 'DateTime',
      description: 'End of the period (exclusive).',
      resolve: (r) => r.periodEnd,
    }),
    markdown: t.exposeString('markdown', {
      description: 'The report as sent: Markdown with a table per section.',
    }),
    json: t.field({
      type: 'JSON',
      description:
        'The same figures as JSON; a section a source could not give is `{ available: false, reason }`.',
      resolve: (r) => PmReportService.figuresOf(r),
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the report was made.',
      resolve: (r) => r.createdAt,
    }),
  }),
});

builder.queryFields((t) => ({
  pmReports: t.connection(
    {
      type: PmReportRef,
      description: 'Project-manager reports, newest period first. Analysts, operators and admins.',
      resolve: (_root, args, ctx) =>
        withPagingErrors(() =>
          resolveCursorConnection(
            { args, toCursor: (r: PmReport) => PmReportService.cursorOf(r), defaultSize: 20, maxSize: 100 },
            (page: ResolveCursorConnectionArgs) => ctx.pmReports.list(page),
          ),
        ),
    },
    { name: 'PmReportConnection', description: 'A page of project-manager reports.' },
    { name: 'PmReportEdge', description: 'A project-manager report and its cursor.' },
  ),
  pmReport: t.field({
    type: PmReportRef,
    description: 'One report by id; an unknown id is a NOT_FOUND error.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.pmReports.get(String(id)),
  }),
}));

builder.mutationFields((t) => ({
  generatePmReport: t.field({
    type: PmReportRef,
    description:
      'Makes a report of the 4 hours up to now (this minute), stores it and sends it to every channel (operators and admins).',
    resolve: (_root, _args, ctx) => ctx.pmReports.makeNow(),
  }),
}));
