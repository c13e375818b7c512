import type { Redis } from 'ioredis';

/**
 * Queues and event positions live in Redis: a Redis that evicts keys under memory pressure would drop
 * jobs and consumer positions silently. The workers refuse to start on one, saying so.
 */
export async function assertNoEviction(redis: Redis): Promise<void> {
  const info = await redis.info('memory');
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (policy !== 'noeviction') {
    throw new EvictingRedisError(
      `Redis evicts keys (maxmemory-policy ${policy ?? 'unknown'}), which would lose jobs and event positions: set maxmemory-policy noeviction (redis-server --maxmemory-policy noeviction, or CONFIG SET maxmemory-policy noeviction).`,
    );
  }
}

export class EvictingRedisError extends Error {
  override readonly name = 'EvictingRedisError';
}
