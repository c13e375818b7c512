import type { BaseContext } from '@apollo/server';
import { openOrm } from '@ecp/db/orm';
import { Outbox } from '@ecp/events/outbox';
import { OutboxRelay } from '@ecp/events/outbox-relay';
import type { Topic } from '@ecp/events/topic';
import { createLogger, type Logger } from '@ecp/logging/logger';
import { createShutdown, exitOnSignals } from '@ecp/shutdown/shutdown';
import { startTelemetry } from '@ecp/telemetry/telemetry';
import type { MikroORM, Options } from '@mikro-orm/postgresql';
import type { Router } from 'express';
import type { GraphQLSchema } from 'graphql';
import { Redis } from 'ioredis';
import type { HttpShell } from './http-app';
import { createMetrics, type ServiceMetrics } from './metrics';
import { drainGraceMs } from './server-drain';
import { createServiceDirectory, type ServiceDirectory, subgraphUrlsOf } from './service-directory';
import { identitySecrets, type SubgraphConfig } from './subgraph-env';
import { createSubgraphServer, type RequestScope } from './subgraph-server';

export interface SubgraphDefinition<C extends BaseContext & { logger: Logger }> {
  /** The subgraph's name, as in the supergraph (`ledger`, `advisory`, ...). */
  name: string;
  /** The PostgreSQL schema it owns. */
  dbSchema: string;
  entities: NonNullable<Options['entities']>;
  schema: GraphQLSchema;
  /**
   * The topics this subgraph publishes. Declaring them is all it takes to have events: the runtime
   * gives the subgraph an outbox (written in its own transactions, `platform.outbox`) and runs the
   * relay that moves committed events to Redis Streams.
   */
  events?: { topics: readonly Topic[] };
  createContext: (scope: RequestScope, orm: MikroORM, platform: SubgraphPlatform) => C;
  mount?: (routes: Router, orm: MikroORM) => void;
  /** A role the subgraph's database connections take on open (SET ROLE), limiting what it may do. */
  sessionRole?: string;
  /** Starts process-wide machinery (e.g. the ledger's append loop) before serving; returns its teardown. */
  setup?: (platform: SubgraphPlatform) => Promise<() => Promise<void>>;
}

/** What the runtime provides a subgraph with, process-wide. */
export interface SubgraphPlatform {
  orm: MikroORM;
  logger: Logger;
  metrics: ServiceMetrics;
  /** The subgraph's outbox, when it declares topics. */
  outbox: Outbox | undefined;
  /** Asks the relay to publish now (optional: a commit's NOTIFY wakes it anyway). */
  publishEvents(): void;
  /** Clients of the other subgraphs, calling as this subgraph's service identity. */
  services: ServiceDirectory;
}

export interface BuiltSubgraph {
  http: HttpShell;
  orm: MikroORM;
  metrics: ServiceMetrics;
  /** What the subgraph was given: its outbox among them. */
  platform: SubgraphPlatform;
  /**
   * Drains HTTP first — requests in flight, such as the gateway's, are answered — and only then stops
   * Apollo, the subgraph's own machinery and the ORM, so that no request meets a stopped server.
   */
  stop(): Promise<void>;
}

/** Assembles a subgraph — database, GraphQL server, operational endpoints — without listening. */
export async function buildSubgraph<C extends BaseContext & { logger: Logger }>(
  definition: SubgraphDefinition<C>,
  config: SubgraphConfig,
  logger: Logger,
): Promise<BuiltSubgraph> {
  const metrics = createMetrics(definition.name);
  const orm = await openOrm({
    databaseUrl: config.DATABASE_URL,
    schema: definition.dbSchema,
    entities: definition.entities,
    logger,
    poolMax: config.DB_POOL_MAX,
    sessionRole: definition.sessionRole,
  });
  const events = definition.events ? await startEvents(definition, config, logger) : undefined;
  const services = createServiceDirectory({
    service: definition.name,
    identitySecret: config.ECP_IDENTITY_SECRET,
    urls: subgraphUrlsOf(config),
    registry: metrics.registry,
    logger,
  });
  const platform: SubgraphPlatform = {
    orm,
    logger,
    metrics,
    outbox: events?.outbox,
    publishEvents: () => events?.relay.kick(),
    services,
  };
  const teardown = definition.setup ? await definition.setup(platform) : async () => {};
  const { http, apollo } = await createSubgraphServer<C>({
    schema: definition.schema,
    logger,
    metrics,
    identitySecrets: identitySecrets(config),
    maxBodyBytes: config.MAX_BODY_BYTES,
    readiness: [
      { name: 'postgres', check: async () => void (await orm.em.getConnection().execute('select 1')) },
    ],
    createContext: (scope) => definition.createContext(scope, orm, platform),
    mount: definition.mount ? (routes) => definition.mount?.(routes, orm) : undefined,
  });
  return {
    http,
    orm,
    metrics,
    platform,
    async stop() {
      await http.drain(drainGraceMs(config.SHUTDOWN_DEADLINE_MS));
      await apollo.stop();
      await teardown();
      await services.close();
      await events?.stop();
      await orm.close();
    },
  };
}

/** The outbox and its relay for a subgraph that declares topics. */
async function startEvents(
  definition: SubgraphDefinition<BaseContext & { logger: Logger }>,
  config: SubgraphConfig,
  logger: Logger,
): Promise<{ outbox: Outbox; relay: OutboxRelay; stop(): Promise<void> }> {
  const outbox = new Outbox({ schema: definition.dbSchema, topics: definition.events?.topics ?? [] });
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
  redis.on('error', (err) => logger.warn({ err }, 'redis connection error'));
  const relay = new OutboxRelay({
    databaseUrl: config.DATABASE_URL,
    schema: definition.dbSchema,
    sessionRole: definition.sessionRole,
    redis,
    streamPrefix: config.EVENT_STREAM_PREFIX,
    streamMaxLength: config.EVENT_STREAM_MAX_LENGTH,
    logger: logger.child({ module: 'outbox-relay' }),
  });
  await relay.start();
  return {
    outbox,
    relay,
    async stop() {
      // Whatever was committed before the stop is published before the process goes.
      await relay.flush();
      await relay.stop();
      redis.disconnect();
    },
  };
}

/** A subgraph's whole life as a process: build, listen, log where, and close everything on SIGTERM/SIGINT. */
export async function runSubgraph<C extends BaseContext & { logger: Logger }>(
  definition: SubgraphDefinition<C>,
  config: SubgraphConfig,
): Promise<void> {
  const logger = createLogger({ service: definition.name, level: config.LOG_LEVEL });
  const shutdown = createShutdown({ logger, deadlineMs: config.SHUTDOWN_DEADLINE_MS });
  exitOnSignals(shutdown);
  // Registered first, so it closes last: the spans of the requests drained before it are still sent.
  shutdown.register('telemetry', await startTelemetry({ service: definition.name, env: config, logger }));
  try {
    const built = await buildSubgraph(definition, config, logger);
    shutdown.register('subgraph', () => built.stop());
    const port = await built.http.listen(config.PORT, config.HOST);
    logger.info({ url: `http://${config.HOST}:${port}/graphql`, port }, 'subgraph listening');
  } catch (err) {
    logger.fatal({ err }, 'subgraph failed to start');
    await shutdown.run('startup failure');
    process.exit(1);
  }
}
