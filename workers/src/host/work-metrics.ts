import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The workers' own Prometheus metrics: jobs by queue, and each consumer's lag, backlog and failures. */
export interface WorkMetrics {
  jobsCompleted: Counter<'queue'>;
  jobsFailed: Counter<'queue' | 'final'>;
  jobsStalled: Counter<'queue'>;
  jobDuration: Histogram<'queue'>;
  consumerLag: Histogram<'consumer'>;
  consumerApplied: Counter<'consumer'>;
  consumerDuplicates: Counter<'consumer'>;
  consumerFailed: Counter<'consumer'>;
  consumerEnqueued: Counter<'consumer'>;
  consumerPending: Gauge<'consumer'>;
}

export function createWorkMetrics(
  registry: Registry,
  pending: () => Promise<Map<string, number>>,
): WorkMetrics {
  const registers = [registry];
  return {
    jobsCompleted: new Counter({
      name: 'ecp_jobs_completed_total',
      help: 'Jobs that completed, by queue.',
      labelNames: ['queue'],
      registers,
    }),
    jobsFailed: new Counter({
      name: 'ecp_jobs_failed_total',
      help: 'Job attempts that failed, by queue; final="true" when no retry is left (the job waits for an operator).',
      labelNames: ['queue', 'final'],
      registers,
    }),
    jobsStalled: new Counter({
      name: 'ecp_jobs_stalled_total',
      help: 'Jobs whose worker stopped renewing their lock (a crashed or blocked process); they run again.',
      labelNames: ['queue'],
      registers,
    }),
    jobDuration: new Histogram({
      name: 'ecp_job_duration_seconds',
      help: 'Time a job attempt took to process, by queue.',
      labelNames: ['queue'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    consumerLag: new Histogram({
      name: 'ecp_consumer_lag_seconds',
      help: "Time from an event's commit to its effect's commit, by consumer.",
      labelNames: ['consumer'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
      registers,
    }),
    consumerApplied: new Counter({
      name: 'ecp_consumer_applied_total',
      help: 'Events whose effect a consumer committed.',
      labelNames: ['consumer'],
      registers,
    }),
    consumerDuplicates: new Counter({
      name: 'ecp_consumer_duplicates_total',
      help: 'Deliveries of events a consumer had already applied (redelivery, replay, retry after commit): skipped.',
      labelNames: ['consumer'],
      registers,
    }),
    consumerFailed: new Counter({
      name: 'ecp_consumer_failed_total',
      help: 'Events a consumer gave up on after its last attempt (or at once, for an invalid event); an operator can retry them.',
      labelNames: ['consumer'],
      registers,
    }),
    consumerEnqueued: new Counter({
      name: 'ecp_consumer_enqueued_total',
      help: "Events handed from a stream to a consumer's queues.",
      labelNames: ['consumer'],
      registers,
    }),
    consumerPending: new Gauge({
      name: 'ecp_consumer_pending',
      help: 'Events a consumer has not applied yet: not yet read from its streams, or queued.',
      labelNames: ['consumer'],
      registers,
      async collect() {
        try {
          for (const [consumer, count] of await pending()) this.set({ consumer }, count);
        } catch {
          // A scrape while Redis is away shows the last values rather than failing.
        }
      },
    }),
  };
}
