import { Counter, Histogram, type Registry } from 'prom-client';

/** What the advisory subgraph exposes on /metrics beside the platform's request metrics. */
export function createAdvisoryMetrics(registry: Registry) {
  return {
    frictionAssessments: new Counter({
      name: 'advisory_friction_assessments_total',
      help: 'Friction assessments made.',
      registers: [registry],
    }),
    frictionScore: new Histogram({
      name: 'advisory_friction_score',
      help: 'Friction scores given, in [0, 1].',
      buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
      registers: [registry],
    }),
    pollsOpened: new Counter({
      name: 'advisory_polls_opened_total',
      help: 'Polls opened.',
      registers: [registry],
    }),
    votes: new Counter({
      name: 'advisory_votes_total',
      help: 'Votes cast, by whether they were signed.',
      labelNames: ['signed'],
      registers: [registry],
    }),
    pollsClosed: new Counter({
      name: 'advisory_polls_closed_total',
      help: 'Polls closed by a request (their timers close the rest, in the workers), by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}

export type AdvisoryMetrics = ReturnType<typeof createAdvisoryMetrics>;
