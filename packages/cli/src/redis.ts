import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { OwnedProcesses } from './owned-processes';
import { redisAnswers } from './redis-check';
import { startRedisServer } from './redis-server';

export interface ResolvedRedis {
  url: string;
  source: 'configured' | 'local' | 'started';
  /** Where the Redis ECP started keeps its data. */
  dataDir?: string;
}

export interface RedisOptions {
  redisUrl?: string;
  localUrl: string;
  home: string;
  port: number;
  timeoutMs: number;
  owned: OwnedProcesses;
  /** Where `redis-server` is looked for (PATH's syntax). */
  path: string;
}

/**
 * Finds the Redis the platform will use: REDIS_URL when set (it must answer); otherwise a Redis
 * answering locally; otherwise one ECP runs itself from the installed `redis-server`, its data under
 * ECP_HOME. Throws one sentence saying what to do when there is none of these.
 */
export async function resolveRedis(options: RedisOptions): Promise<ResolvedRedis> {
  if (options.redisUrl) {
    if (await redisAnswers(options.redisUrl)) return { url: options.redisUrl, source: 'configured' };
    throw new Error(
      `ECP needs Redis and nothing answered at ${options.redisUrl} (REDIS_URL): start that Redis, or unset ` +
        'REDIS_URL for ECP to run one itself, then run this again.',
    );
  }
  if (await redisAnswers(options.localUrl)) return { url: options.localUrl, source: 'local' };
  const binary = findExecutable('redis-server', options.path);
  if (!binary) {
    throw new Error(
      `ECP needs Redis: nothing answered at ${options.localUrl} and no redis-server is installed for ECP to ` +
        'run one; install it (Debian or Ubuntu: `apt-get install redis-server`; macOS: `brew install redis`) ' +
        'or set REDIS_URL to a Redis you run, then run this again.',
    );
  }
  const server = await startRedisServer({
    binary,
    home: options.home,
    port: options.port,
    timeoutMs: options.timeoutMs,
    owned: options.owned,
  });
  return { url: server.url, source: 'started', dataDir: server.dataDir };
}

/** The first executable file called `name` in the directories of `path` (PATH's syntax). */
export function findExecutable(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
