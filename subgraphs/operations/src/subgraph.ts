import { JobProducer } from '@ecp/jobs/job-producer';
import type { SubgraphDefinition } from '@ecp/service-kit/subgraph-runtime';
import { Redis } from 'ioredis';
import { createOperationsContext, type OperationsContext } from './context';
import { closeQueueRedis } from './modules/queues/queue-state';
import type { OperationsRuntime } from './runtime';
import { processSettings } from './runtime';
import { operationsSchema } from './schema';
import type { OperationsSettings } from './settings';
import { OPERATIONS_STORAGE } from './storage';
import { OPERATIONS_TOPICS } from './topics';

export interface OperationsOptions {
  /** Redis of the workers' queues, and their prefix: where timers and deliveries go. */
  redisUrl: string;
  queuePrefix: string;
  /** Settings other than this process's environment's (tests). */
  settings?: OperationsSettings;
  /** Another clock (tests). */
  now?: () => Date;
}

export function operationsSubgraph(options: OperationsOptions): SubgraphDefinition<OperationsContext> {
  let runtime: OperationsRuntime | undefined;
  return {
    name: 'operations',
    ...OPERATIONS_STORAGE,
    schema: operationsSchema,
    events: { topics: OPERATIONS_TOPICS },
    async setup(platform) {
      const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 3 });
      redis.on('error', (err) => platform.logger.warn({ err }, 'redis connection error'));
      const producer = new JobProducer(redis, options.queuePrefix);
      runtime = {
        jobs: producer,
        settings: options.settings ?? processSettings(),
        now: options.now ?? (() => new Date()),
      };
      return async () => {
        await producer.close();
        redis.disconnect();
        await closeQueueRedis();
      };
    },
    createContext: (scope, orm, platform) => {
      if (!runtime) throw new Error('the operations subgraph was not set up');
      return createOperationsContext(scope, orm, platform, runtime);
    },
  };
}
