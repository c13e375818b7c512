import type { EntityManager } from '@mikro-orm/postgresql';
import type { PoolClient } from 'pg';

/** Runs `fn` on one of the ORM pool's own connections (with its session role), for raw array-parameter SQL. */
export async function withPgClient<T>(em: EntityManager, fn: (db: PoolClient) => Promise<T>): Promise<T> {
  const { client } = em.getConnection().getKnex();
  const connection = (await client.acquireConnection()) as PoolClient;
  try {
    return await fn(connection);
  } finally {
    await client.releaseConnection(connection);
  }
}
