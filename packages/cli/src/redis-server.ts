import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OwnedProcesses } from './owned-processes';
import { portAnswers } from './port';
import { redisAnswers } from './redis-check';

export interface RedisServerOptions {
  /** The installed `redis-server`. */
  binary: string;
  /** ECP_HOME: the data go to `redis/` in it, the log beside. */
  home: string;
  port: number;
  timeoutMs: number;
  owned: OwnedProcesses;
}

export interface RedisServer {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * Runs `redis-server` as ECP's queues and event streams need it: append-only file on, `noeviction`
 * (a queue must never lose a key to eviction), bound to 127.0.0.1, in the foreground as a child ECP stops.
 */
export async function startRedisServer(options: RedisServerOptions): Promise<RedisServer> {
  if (await portAnswers('127.0.0.1', options.port)) {
    // Perhaps a Redis an earlier ECP left running: ECP must not take it for its own.
    throw new Error(
      `Something already listens on 127.0.0.1:${options.port}, where ECP would run its Redis: stop it, or set ` +
        'ECP_EMBEDDED_REDIS_PORT to a free port, then run this again.',
    );
  }
  const dataDir = join(options.home, 'redis');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const server = options.owned.start({
    name: 'the Redis ECP started',
    command: options.binary,
    args: [
      '--port',
      String(options.port),
      '--bind',
      '127.0.0.1',
      '--protected-mode',
      'yes',
      '--dir',
      dataDir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--maxmemory-policy',
      'noeviction',
      '--daemonize',
      'no',
    ],
    logFile: join(options.home, 'redis.log'),
    stopSignal: 'SIGTERM', // Redis then flushes its append-only file and exits
  });
  const url = `redis://127.0.0.1:${options.port}`;
  await server.waitUntilReady(() => redisAnswers(url, 500), options.timeoutMs);
  return { url, dataDir, stop: () => server.stop() };
}
