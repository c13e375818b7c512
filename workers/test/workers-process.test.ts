import { REPO_ROOT } from '@ecp/platform/repo';
import { Supervisor } from '@ecp/platform/supervisor';
import getPort from 'get-port';
import { describe, expect, it } from 'vitest';

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
        env: { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
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
          env: { REDIS_URL: `redis://127.0.0.1:${closed}` },
        },
        8000,
      ),
    ).rejects.toThrow(/workers (was not ready|exited)/);
    await supervisor.stopAll(2000);
  });
});
