import { JobProducer } from '@ecp/jobs/job-producer';
import type { SubgraphDefinition } from '@ecp/service-kit/subgraph-runtime';
import { Redis } from 'ioredis';
import { type AdvisoryMetrics, createAdvisoryMetrics } from './advisory-metrics';
import { type AdvisoryContext, createAdvisoryContext } from './context';
import { ConsortiumEvidence } from './learning/consortium-evidence';
import { LedgerEvidence } from './ledger/ledger-evidence';
import { CLOSE_POLL_JOB } from './modules/polls/poll.jobs';
import type { PollTimers } from './modules/polls/poll.service';
import { advisorySchema } from './schema';
import { ADVISORY_STORAGE } from './storage';
import { ADVISORY_TOPICS } from './topics';

export interface AdvisoryOptions {
  /** Redis of the workers' queues, and their prefix: where poll timers go. */
  redisUrl: string;
  queuePrefix: string;
}

export function advisorySubgraph(options: AdvisoryOptions): SubgraphDefinition<AdvisoryContext> {
  let timers: PollTimers | undefined;
  let metrics: AdvisoryMetrics | undefined;
  let evidence: LedgerEvidence | undefined;
  let consortium: ConsortiumEvidence | undefined;
  return {
    name: 'advisory',
    ...ADVISORY_STORAGE,
    schema: advisorySchema,
    events: { topics: ADVISORY_TOPICS },
    async setup(platform) {
      metrics = createAdvisoryMetrics(platform.metrics.registry);
      evidence = new LedgerEvidence(platform.services);
      consortium = new ConsortiumEvidence({ services: platform.services });
      const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 3 });
      redis.on('error', (err) => platform.logger.warn({ err }, 'redis connection error'));
      const producer = new JobProducer(redis, options.queuePrefix);
      timers = {
        async scheduleClose(pollId, at) {
          await producer.enqueue(
            CLOSE_POLL_JOB,
            { pollId },
            { delayMs: Math.max(0, at.getTime() - Date.now()), jobId: `close-${pollId}` },
          );
        },
      };
      return async () => {
        await producer.close();
        redis.disconnect();
      };
    },
    createContext: (scope, orm, platform) => {
      if (!timers || !metrics || !evidence || !consortium)
        throw new Error('the advisory subgraph was not set up');
      return createAdvisoryContext(scope, orm, platform, { timers, metrics, evidence, consortium });
    },
  };
}
