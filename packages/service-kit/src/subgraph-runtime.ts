import type { BaseContext } from '@apollo/server';
import { openOrm } from '@ecp/db/orm';
import { createLogger, type Logger } from '@ecp/logging/logger';
import { createShutdown, exitOnSignals } from '@ecp/shutdown/shutdown';
import type { MikroORM, Options } from '@mikro-orm/postgresql';
import type { Router } from 'express';
import type { GraphQLSchema } from 'graphql';
import type { HttpShell } from './http-app';
import { createMetrics, type ServiceMetrics } from './metrics';
import { drainGraceMs } from './server-drain';
import { identitySecrets, type SubgraphConfig } from './subgraph-env';
import { createSubgraphServer, type RequestScope } from './subgraph-server';

export interface SubgraphDefinition<C extends BaseContext & { logger: Logger }> {
  /** The subgraph's name, as in the supergraph (`ledger`, `advisory`, ...). */
  name: string;
  /** The PostgreSQL schema it owns. */
  dbSchema: string;
  entities: NonNullable<Options['entities']>;
  schema: GraphQLSchema;
  createContext: (scope: RequestScope, orm: MikroORM) => C;
  mount?: (routes: Router, orm: MikroORM) => void;
  /** A role the subgraph's database connections take on open (SET ROLE), limiting what it may do. */
  sessionRole?: string;
  /** Starts process-wide machinery (e.g. the ledger's append loop) before serving; returns its teardown. */
  setup?: (orm: MikroORM, logger: Logger, metrics: ServiceMetrics) => Promise<() => Promise<void>>;
}

export interface BuiltSubgraph {
  http: HttpShell;
  orm: MikroORM;
  metrics: ServiceMetrics;
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
  const teardown = definition.setup ? await definition.setup(orm, logger, metrics) : async () => {};
  const { http, apollo } = await createSubgraphServer<C>({
    schema: definition.schema,
    logger,
    metrics,
    identitySecrets: identitySecrets(config),
    maxBodyBytes: config.MAX_BODY_BYTES,
    readiness: [
      { name: 'postgres', check: async () => void (await orm.em.getConnection().execute('select 1')) },
    ],
    createContext: (scope) => definition.createContext(scope, orm),
    mount: definition.mount ? (routes) => definition.mount?.(routes, orm) : undefined,
  });
  return {
    http,
    orm,
    metrics,
    async stop() {
      await http.drain(drainGraceMs(config.SHUTDOWN_DEADLINE_MS));
      await apollo.stop();
      await teardown();
      await orm.close();
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
