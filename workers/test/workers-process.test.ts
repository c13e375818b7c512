import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@ecp/platform/repo';
import { Supervisor } from '@ecp/platform/supervisor';
import { createTestDatabase, type TestDatabase } from '@ecp/test-kit/database';
import { TEST_IDENTITY_SECRET, TEST_TOKEN_SECRET } from '@ecp/test-kit/http';
import getPort from 'get-port';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const workersEnv = (redisUrl: string) => ({
  REDIS_URL: redisUrl,
  DATABASE_URL: db.url,
  ECP_IDENTITY_SECRET: TEST_IDENTITY_SECRET,
  ECP_TOKEN_SECRET: TEST_TOKEN_SECRET,
});

describe('the workers process', () => {
  it('starts against Redis, reports ready, serves metrics and shuts down cleanly', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({
      cwd: REPO_ROOT,
      host: '127.0.0.1',
      baseEnv: { PATH: process.env.PATH },
      format: 'json',
      write: (l) => lines.push(l),
    });
    const port = await getPort();
    await supervisor.start(
      {
        name: 'workers',
        entry: `${REPO_ROOT}/workers/src/main.ts`,
        port,
        env: workersEnv(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
      },
      30_000,
    );
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { redis: { ok: true } } });
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(
      /nodejs_heap_size_used_bytes\{service="workers"\}/,
    );
    await supervisor.stopAll(5000);
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(
      expect.arrayContaining(['workers running', 'shutting down', 'shut down']),
    );
    expect(lines.find((l) => l.includes('"shut down"'))).toContain('"clean":true');
  });

  it('refuses to start when Redis does not answer', async () => {
    const supervisor = new Supervisor({
      cwd: REPO_ROOT,
      host: '127.0.0.1',
      baseEnv: { PATH: process.env.PATH },
      format: 'json',
      write: () => {},
    });
    const closed = await getPort();
    await expect(
      supervisor.start(
        {
          name: 'workers',
          entry: `${REPO_ROOT}/workers/src/main.ts`,
          port: await getPort(),
          env: workersEnv(`redis://127.0.0.1:${closed}`),
        },
        8000,
      ),
    ).rejects.toThrow(/workers (was not ready|exited)/);
    await supervisor.stopAll(2000);
  });

  it('refuses to start on a Redis that evicts keys, saying so in one sentence', async () => {
    const port = await getPort();
    const dir = mkdtempSync(join(tmpdir(), 'ecp-lru-redis-'));
    const server = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--dir',
        dir,
        '--maxmemory-policy',
        'allkeys-lru',
      ],
      { stdio: 'ignore' },
    );
    try {
      const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, retryStrategy: () => 100 });
      probe.on('error', () => {});
      for (let i = 0; i < 50 && probe.status !== 'ready'; i++)
        await probe.connect().catch(() => new Promise((r) => setTimeout(r, 100)));
      probe.disconnect();
      const lines: string[] = [];
      const supervisor = new Supervisor({
        cwd: REPO_ROOT,
        host: '127.0.0.1',
        baseEnv: { PATH: process.env.PATH },
        format: 'json',
        write: (l) => lines.push(l),
      });
      await expect(
        supervisor.start(
          {
            name: 'workers',
            entry: `${REPO_ROOT}/workers/src/main.ts`,
            port: await getPort(),
            env: workersEnv(`redis://127.0.0.1:${port}`),
          },
          15_000,
        ),
      ).rejects.toThrow(/workers (was not ready|exited)/);
      await supervisor.stopAll(2000);
      const fatal = lines.map((l) => JSON.parse(l)).find((l) => l.level === 'fatal' || l.level === 60);
      expect(fatal?.msg).toMatch(
        /^Redis evicts keys \(maxmemory-policy allkeys-lru\).*set maxmemory-policy noeviction/,
      );
    } finally {
      server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
