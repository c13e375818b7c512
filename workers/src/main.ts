import { createLogger } from '@ecp/logging/logger';
import { createHttpShell } from '@ecp/service-kit/http-app';
import { createMetrics } from '@ecp/service-kit/metrics';
import { drainGraceMs } from '@ecp/service-kit/server-drain';
import { createShutdown, exitOnSignals } from '@ecp/shutdown/shutdown';
import { startTelemetry } from '@ecp/telemetry/telemetry';
import { loadWorkersConfig } from './env';
import { workerConnection } from './redis';

/**
 * The workers process: BullMQ processors and job schedulers (health checks, reports, alert delivery,
 * escalation and expiry timers) run here as they arrive, calling the same domain services as the
 * subgraphs. Today it holds the Redis connection they share and the operational endpoints.
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
  const metrics = createMetrics('workers');
  const http = createHttpShell({
    logger,
    metrics,
    readiness: [{ name: 'redis', check: async () => void (await redis.ping()) }],
  });
  shutdown.register('http', () => http.drain(drainGraceMs(config.SHUTDOWN_DEADLINE_MS)));
  const port = await http.listen(config.PORT, config.HOST);
  logger.info({ port }, 'workers running');
} catch (err) {
  logger.fatal({ err }, 'workers failed to start');
  await shutdown.run('startup failure');
  process.exit(1);
}
