import { createLogger } from '@ecp/logging/logger';
import { createShutdown, exitOnSignals } from '@ecp/shutdown/shutdown';
import { startTelemetry } from '@ecp/telemetry/telemetry';
import { loadGatewayConfig } from './env';
import { buildGateway } from './gateway';

const config = loadGatewayConfig();
const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL });
const shutdown = createShutdown({ logger, deadlineMs: config.SHUTDOWN_DEADLINE_MS });
exitOnSignals(shutdown);
// Registered first, so it closes last: the spans of the requests drained before it are still sent.
shutdown.register('telemetry', await startTelemetry({ service: 'gateway', env: config, logger }));

try {
  const gateway = await buildGateway(config, logger);
  shutdown.register('gateway', () => gateway.stop());
  const port = await gateway.http.listen(config.PORT, config.HOST);
  logger.info({ url: `http://${config.HOST}:${port}/graphql`, port }, 'gateway listening');
} catch (err) {
  logger.fatal({ err }, 'gateway failed to start');
  await shutdown.run('startup failure');
  process.exit(1);
}
