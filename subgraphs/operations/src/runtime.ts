import type { ConsumerContext, JobContext, JobEnqueuer } from '@ecp/jobs/job-definition';
import { loadOperationsSettings } from './env';
import type { OperationsSettings } from './settings';

/**
 * What operations' domain code needs beside its database, wherever it runs (a request, a job, a
 * consumer): the workers' queues for its timers and deliveries, its settings, and the clock. Tests
 * give their own clock, so that timers are driven rather than slept on.
 */
export interface OperationsRuntime {
  jobs: JobEnqueuer;
  settings: OperationsSettings;
  now(): Date;
}

/** The settings of this process's environment, parsed once (`env.ts`). */
export function processSettings(): OperationsSettings {
  return loadOperationsSettings();
}

/** The runtime of a job or consumer hosted by the workers. */
export function runtimeOf(context: Pick<JobContext | ConsumerContext, 'jobs'>): OperationsRuntime {
  return { jobs: context.jobs, settings: processSettings(), now: () => new Date() };
}
