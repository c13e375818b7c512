import { edgeAuthenticator } from '@ecp/identity/ledger-api-key-resolver';
import { createLogger } from '@ecp/logging/logger';
import { createHttpShell } from '@ecp/service-kit/http-app';
import { createMetrics } from '@ecp/service-kit/metrics';
import { drainGraceMs } from '@ecp/service-kit/server-drain';
import { subgraphUrlsOf } from '@ecp/service-kit/service-directory';
import { createShutdown, exitOnSignals } from '@ecp/shutdown/shutdown';
import { startTelemetry } from '@ecp/telemetry/telemetry';
import { loadWorkersConfig } from './env';
import { WorkHost } from './host/work-host';
import { mountQueuesBoard } from './queues-board';
import { workerConnection } from './redis';
import { assertNoEviction, EvictingRedisError } from './redis-policy';
import { PLATFORM_WORK } from './work';

/**
 * The workers process: hosts every subgraph's jobs, job schedulers and event consumers (declared in
 * each subgraph's `jobs.ts`), with the operational endpoints and the queues' admin pages.
 */
const config = loadWorkersConfig();
const logger = createLogger({ service: 'workers', level: config.LOG_LEVEL });
const shutdown = createShutdown({ logger, deadlineMs: config.SHUTDOWN_DEADLINE_MS });
exitOnSignals(shutdown);
// Registered first, so it closes last: the spans of the jobs finished before it are still sent.
shutdown.register('telemetry', await startTelemetry({ service: 'workers', env: config, logger }));

try {
  const redis = workerConnection(config.REDIS_URL);
  redis.on('error', (err) => logger.warn({ err }, 'redis connection error'));
  shutdown.register('redis', () => redis.quit());
  await assertNoEviction(redis);
  const metrics = createMetrics('workers');
  const host = new WorkHost({
    works: PLATFORM_WORK,
    databaseUrl: config.DATABASE_URL,
    redis,
    queuePrefix: config.QUEUE_PREFIX,
    streamPrefix: config.EVENT_STREAM_PREFIX,
    logger,
    registry: metrics.registry,
    serviceCalls: {
      identitySecret: config.ECP_IDENTITY_SECRET,
      urls: subgraphUrlsOf(config),
      registry: metrics.registry,
      logger,
    },
    partitions: config.CONSUMER_PARTITIONS,
    jobEvents: config.CONSUMER_JOB_EVENTS,
    lockDurationMs: config.JOB_LOCK_MS,
    stalledIntervalMs: config.JOB_STALLED_INTERVAL_MS,
    dbPoolMax: config.DB_POOL_MAX,
  });
  // Registered before start, so a start that fails half-way still closes what it opened.
  shutdown.register('jobs', () => host.stop());
  await host.start();
  const authenticator = edgeAuthenticator(config, { service: 'workers', timeoutMs: config.AUTH_TIMEOUT_MS });
  const http = createHttpShell({
    logger,
    metrics,
    readiness: [{ name: 'redis', check: async () => void (await redis.ping()) }],
  });
  mountQueuesBoard(http.routes, host.allQueues, authenticator, logger);
  shutdown.register('http', () => http.drain(drainGraceMs(config.SHUTDOWN_DEADLINE_MS)));
  const port = await http.listen(config.PORT, config.HOST);
  logger.info(
    { port, queues: host.allQueues.length, consumers: host.consumers.map((c) => c.name) },
    'workers running',
  );
} catch (err) {
  if (err instanceof EvictingRedisError) logger.fatal(err.message);
  else logger.fatal({ err }, 'workers failed to start');
  await shutdown.run('startup failure');
  process.exit(1);
}
