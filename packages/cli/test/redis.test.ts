import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEnv } from '@ecp/test-kit/env';
import getPort from 'get-port';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { OwnedProcesses } from '../src/owned-processes';
import { resolveRedis } from '../src/redis';
import { redisAnswers } from '../src/redis-check';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** ECP_HOME in a directory only its owner can enter, as `mktemp -d` makes them. */
function privateHome(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecp-private-'));
  made.push(dir);
  return join(dir, '.ecp');
}

async function nobodyListening(): Promise<string> {
  return `redis://127.0.0.1:${await getPort()}`;
}

describe('the Redis ecp start uses', () => {
  it('is one ECP runs itself when none answers: AOF on, noeviction, loopback only, data under ECP_HOME, kept across restarts', async () => {
    const home = privateHome();
    const options = {
      localUrl: await nobodyListening(),
      home,
      port: await getPort(),
      timeoutMs: 30_000,
      path: process.env.PATH ?? '',
    };
    const first = new OwnedProcesses();
    const redis = await resolveRedis({ ...options, owned: first });
    try {
      expect(redis).toEqual({
        url: `redis://127.0.0.1:${options.port}`,
        source: 'started',
        dataDir: join(home, 'redis'),
      });
      expect(statSync(join(home, 'redis')).mode & 0o777).toBe(0o700);
      const client = new Redis(redis.url);
      try {
        const config = async (name: string) => ((await client.config('GET', name)) as string[])[1];
        expect(await config('appendonly')).toBe('yes');
        expect(await config('maxmemory-policy')).toBe('noeviction');
        expect(await config('bind')).toBe('127.0.0.1');
        expect(await config('dir')).toBe(join(home, 'redis'));
        expect(await config('daemonize')).toBe('no');
        await client.set('ecp:test:kept', 'still here');
      } finally {
        client.disconnect();
      }
    } finally {
      await first.stopAll();
    }
    expect(await redisAnswers(redis.url, 500)).toBe(false);

    const second = new OwnedProcesses();
    const again = await resolveRedis({ ...options, owned: second });
    try {
      const client = new Redis(again.url);
      expect(await client.get('ecp:test:kept')).toBe('still here');
      client.disconnect();
    } finally {
      await second.stopAll();
    }
  });

  it('is the local one when it answers, and ECP starts nothing', async () => {
    const owned = new OwnedProcesses();
    const redis = await resolveRedis({
      localUrl: testEnv.redisUrl,
      home: privateHome(),
      port: await getPort(),
      timeoutMs: 30_000,
      owned,
      path: process.env.PATH ?? '',
    });
    expect(redis).toEqual({ url: testEnv.redisUrl, source: 'local' });
  });

  it('is REDIS_URL when set, even when a local one answers; when that does not answer, ECP says so in one sentence', async () => {
    const owned = new OwnedProcesses();
    const given = await nobodyListening();
    await expect(
      resolveRedis({
        redisUrl: given,
        localUrl: testEnv.redisUrl,
        home: privateHome(),
        port: await getPort(),
        timeoutMs: 30_000,
        owned,
        path: process.env.PATH ?? '',
      }),
    ).rejects.toThrow(
      `ECP needs Redis and nothing answered at ${given} (REDIS_URL): start that Redis, or unset REDIS_URL for ECP to run one itself, then run this again.`,
    );
  });

  it('names what to install when none answers and no redis-server is installed', async () => {
    const emptyDir = mkdtempSync(join(tmpdir(), 'ecp-empty-path-'));
    made.push(emptyDir);
    const owned = new OwnedProcesses();
    const localUrl = await nobodyListening();
    await expect(
      resolveRedis({
        localUrl,
        home: privateHome(),
        port: await getPort(),
        timeoutMs: 30_000,
        owned,
        path: emptyDir,
      }),
    ).rejects.toThrow(
      `ECP needs Redis: nothing answered at ${localUrl} and no redis-server is installed for ECP to run one; install it (Debian or Ubuntu: \`apt-get install redis-server\`; macOS: \`brew install redis\`) or set REDIS_URL to a Redis you run, then run this again.`,
    );
  });

  it('will not take a server already listening on its port for its own', async () => {
    const owned = new OwnedProcesses();
    const taken = Number(new URL(testEnv.redisUrl).port || 6379);
    await expect(
      resolveRedis({
        localUrl: await nobodyListening(),
        home: privateHome(),
        port: taken,
        timeoutMs: 30_000,
        owned,
        path: process.env.PATH ?? '',
      }),
    ).rejects.toThrow(
      `Something already listens on 127.0.0.1:${taken}, where ECP would run its Redis: stop it, or set ECP_EMBEDDED_REDIS_PORT to a free port, then run this again.`,
    );
  });

  it('says why when the redis-server it runs cannot start, quoting its log', async () => {
    // A redis-server that fails as a real one does, with a warning line.
    const bin = mkdtempSync(join(tmpdir(), 'ecp-fake-redis-'));
    made.push(bin);
    writeFileSync(
      join(bin, 'redis-server'),
      '#!/bin/sh\necho "1:M 01 Dec 2026 12:00:00.000 # Fatal error, cannot open the dir given"\nexit 1\n',
      { mode: 0o755 },
    );
    const owned = new OwnedProcesses();
    const home = privateHome();
    await expect(
      resolveRedis({
        localUrl: await nobodyListening(),
        home,
        port: await getPort(),
        timeoutMs: 30_000,
        owned,
        path: bin,
      }),
    ).rejects.toThrow(
      `the Redis ECP started stopped (exit code 1) before it was ready; its log ${home}/redis.log ends: "1:M 01 Dec 2026 12:00:00.000 # Fatal error, cannot open the dir given"`,
    );
  });
});
