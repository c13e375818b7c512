import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import getPort from 'get-port';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/repo';
import { Supervisor } from '../src/supervisor';

function script(body: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ecp-sup-')), 'service.ts');
  writeFileSync(file, body);
  return file;
}

const READY_SERVER = `
import { createServer } from 'node:http';
const server = createServer((req, res) => { res.statusCode = req.url === '/readyz' ? 200 : 404; res.end(); });
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(JSON.stringify({ level: 'info', msg: 'up', service: 'fake' })));
process.on('SIGTERM', () => { console.log(JSON.stringify({ level: 'info', msg: 'bye' })); server.close(() => process.exit(0)); });
`;

describe('Supervisor', () => {
  it('waits for readiness, relays logs per service, and stops what it started', async () => {
    const lines: [string, string][] = [];
    const supervisor = new Supervisor({
      cwd: REPO_ROOT,
      host: '127.0.0.1',
      baseEnv: process.env,
      format: 'json',
      write: (l, s) => lines.push([s, l]),
    });
    const port = await getPort();
    await supervisor.start({ name: 'fake', entry: script(READY_SERVER), port, env: {} }, 20_000);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect(lines).toContainEqual(['fake', expect.stringContaining('"msg":"up"')]);
    await supervisor.stopAll(5000);
    expect(lines).toContainEqual(['fake', expect.stringContaining('"msg":"bye"')]);
    await expect(fetch(`http://127.0.0.1:${port}/readyz`)).rejects.toThrow();
  });

  it('reports a service that exits during start with its last lines', async () => {
    const supervisor = new Supervisor({
      cwd: REPO_ROOT,
      host: '127.0.0.1',
      baseEnv: process.env,
      format: 'json',
      write: () => {},
    });
    const crash = script("console.error('cannot bind: port taken'); process.exit(3);");
    await expect(
      supervisor.start({ name: 'crashy', entry: crash, port: await getPort(), env: {} }, 20_000),
    ).rejects.toThrow(/crashy exited during start[\s\S]*cannot bind: port taken/);
  });

  it('tells its owner when a running service dies on its own', async () => {
    const supervisor = new Supervisor({
      cwd: REPO_ROOT,
      host: '127.0.0.1',
      baseEnv: process.env,
      format: 'json',
      write: () => {},
    });
    const died = new Promise<[string, number | null]>((resolve) => {
      supervisor.onExit = (name, code) => resolve([name, code]);
    });
    const dies = script(`${READY_SERVER}\nsetTimeout(() => process.exit(7), 500);`);
    await supervisor.start({ name: 'flaky', entry: dies, port: await getPort(), env: {} }, 20_000);
    expect(await died).toEqual(['flaky', 7]);
  });
});
