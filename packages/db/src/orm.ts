import type { Logger } from '@ecp/logging/logger';
import type { MigrationObject } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, type Options } from '@mikro-orm/postgresql';

export type { EntityManager } from '@mikro-orm/postgresql';
export { MikroORM } from '@mikro-orm/postgresql';

export interface OrmOptions {
  databaseUrl: string;
  /** The PostgreSQL schema this subgraph owns; it reads and writes nothing else. */
  schema: string;
  entities: NonNullable<Options['entities']>;
  logger: Logger;
  poolMax?: number;
  migrations?: MigrationObject[];
  /**
   * A role every pooled connection switches to (SET ROLE) as soon as it opens, so the service works
   * with that role's privileges only — e.g. the ledger's INSERT/SELECT-only writer role.
   */
  sessionRole?: string;
}

/**
 * Opens the MikroORM instance for one subgraph's schema. Services fork its EntityManager per request
 * (one identity map per request); nothing uses the global context.
 */
export async function openOrm({
  databaseUrl,
  schema,
  entities,
  logger,
  poolMax = 10,
  migrations,
  sessionRole,
}: OrmOptions) {
  const log = logger.child({ module: 'orm' });
  const options: Options = {
    clientUrl: databaseUrl,
    schema,
    entities: [...entities],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: false,
    ensureDatabase: false,
    pool: {
      min: 0,
      max: poolMax,
      ...(sessionRole
        ? {
            afterCreate: (
              connection: { query: (sql: string, done: (err?: Error) => void) => void },
              done: (err: Error | undefined, connection: unknown) => void,
            ) => {
              connection.query(`set role "${sessionRole.replaceAll('"', '""')}"`, (err) =>
                done(err, connection),
              );
            },
          }
        : {}),
    },
    debug: false,
    logger: (message) => log.debug(message),
    extensions: migrations ? [Migrator] : [],
    migrations: migrations
      ? {
          tableName: 'mikro_orm_migrations',
          migrationsList: migrations,
          transactional: true,
          allOrNothing: true,
          snapshot: false,
          silent: true,
        }
      : {},
  };
  return MikroORM.init(options);
}
