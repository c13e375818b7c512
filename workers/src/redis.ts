import { Redis } from 'ioredis';

/**
 * A connection for BullMQ workers: blocking commands must wait for Redis to come back rather than
 * fail, hence no per-request retry limit (BullMQ's production guidance).
 */
export function workerConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}
