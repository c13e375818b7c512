import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import getPort from 'get-port';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/repo';
import {
  describeEvent,
  type RestartPolicy,
  Supervisor,
  type SupervisorEvent,
  type SupervisorOptions,
} from '../src/supervisor';

function script(body: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ecp-sup-')), 'service.ts');
  writeFileSync(file, body);
  return file;
}

/** Answers /readyz, and /env with the FLAVOUR it was started with. */
const READY_SERVER = `
import { createServer } from 'node:http';
const server = createServer((req, res) => {
  if (req.url === '/env') return res.end(String(process.env.FLAVOUR));
  res.statusCode = req.url === '/readyz' ? 200 : 404;
  res.end();
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(JSON.stringify({ level: 'info', msg: 'up', service: 'fake' })));
process.on('SIGTERM', () => { console.log(JSON.stringify({ level: 'info', msg: 'bye' })); server.close(() => process.exit(0)); });
`;

/** The ready server, doing `then` shortly after it first answered /readyz (so it was seen ready). */
const afterFirstReadyz = (then: string) => `${READY_SERVER}
let seen = false;
server.on('request', (req) => {
  if (req.url !== '/readyz' || seen) return;
  seen = true;
  setTimeout(() => { ${then} }, 100);
});
`;

const FAST: Partial<RestartPolicy> = { initialDelayMs: 50, maxDelayMs: 150, maxCrashes: 4, windowMs: 60_000 };

const supervisors: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stopAll(3000)));
});

/** A supervisor whose events are kept, with a way to wait for the next one of a kind. */
function supervise(options: Partial<SupervisorOptions> = {}) {
  const events: SupervisorEvent[] = [];
  const waiters: { kind: string; resolve: (e: SupervisorEvent) => void }[] = [];
  const supervisor = new Supervisor({
    cwd: REPO_ROOT,
    host: '127.0.0.1',
    baseEnv: process.env,
    format: 'json',
    write: () => {},
    restart: FAST,
    ...options,
    onEvent: (event) => {
      events.push(event);
      for (const w of waiters.filter((w) => w.kind === event.kind)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    },
  });
  supervisors.push(supervisor);
  const next = <K extends SupervisorEvent['kind']>(kind: K, timeoutMs = 20_000) =>
    new Promise<Extract<SupervisorEvent, { kind: K }>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${kind} event within ${timeoutMs} ms; saw ${JSON.stringify(events)}`)),
        timeoutMs,
      );
      waiters.push({
        kind,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e as Extract<SupervisorEvent, { kind: K }>);
        },
      });
    });
  return { supervisor, events, next };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const listening = (port: number) =>
  fetch(`http://127.0.0.1:${port}/readyz`).then(
    () => true,
    () => false,
  );

describe('Supervisor', () => {
  it('waits for readiness, relays logs per service, and stops what it started', async () => {
    const lines: [string, string][] = [];
    const { supervisor } = supervise({ write: (l, s) => lines.push([s, l]) });
    const port = await getPort();
    await supervisor.start({ name: 'fake', entry: script(READY_SERVER), port, env: {} }, 20_000);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect(lines).toContainEqual(['fake', expect.stringContaining('"msg":"up"')]);
    await supervisor.stopAll(5000);
    expect(lines).toContainEqual(['fake', expect.stringContaining('"msg":"bye"')]);
    await expect(fetch(`http://127.0.0.1:${port}/readyz`)).rejects.toThrow();
  });

  it('reports a service that exits during start with its last lines, and does not restart it', async () => {
    const { supervisor, events } = supervise();
    const crash = script("console.error('cannot bind: port taken'); process.exit(3);");
    await expect(
      supervisor.start({ name: 'crashy', entry: crash, port: await getPort(), env: {} }, 20_000),
    ).rejects.toThrow(/crashy exited during start[\s\S]*cannot bind: port taken/);
    await sleep(300);
    expect(events).toEqual([]);
    expect(supervisor.pid('crashy')).toBeUndefined();
  });

  it('reports a service that cannot be spawned at all, instead of failing itself', async () => {
    const { supervisor } = supervise({ cwd: join(tmpdir(), 'ecp-no-such-directory') });
    await expect(
      supervisor.start(
        { name: 'nowhere', entry: script(READY_SERVER), port: await getPort(), env: {} },
        20_000,
      ),
    ).rejects.toThrow(/nowhere exited during start[\s\S]*nowhere could not be run: spawn .* ENOENT/);
  });

  it('restarts a service killed by a signal on the same port and environment, and says when it is ready again', async () => {
    const { supervisor, events, next } = supervise();
    const port = await getPort();
    const spec = { name: 'fake', entry: script(READY_SERVER), port, env: { FLAVOUR: 'mint' } };
    await supervisor.start(spec, 20_000);
    const first = supervisor.pid('fake')!;

    process.kill(first, 'SIGKILL');
    const crashed = await next('crashed');
    expect(describeEvent(crashed)).toBe(
      `fake crashed (signal SIGKILL, pid ${first}); restarting in 0.05 s (crash 1 of 4 within 60 s)`,
    );
    const ready = await next('ready');
    expect(describeEvent(ready)).toBe(`fake is ready again (pid ${ready.pid})`);
    expect(ready.pid).not.toBe(first);
    expect(supervisor.pid('fake')).toBe(ready.pid);
    expect(await (await fetch(`http://127.0.0.1:${port}/env`)).text()).toBe('mint');
    expect(events.map((e) => e.kind)).toEqual(['crashed', 'ready']);
  });

  it('backs off, doubling up to the cap, and gives up after too many crashes within the window', async () => {
    const { supervisor, events, next } = supervise();
    const port = await getPort();
    const flaky = script(afterFirstReadyz("console.error('out of luck'); process.exit(7);"));
    await supervisor.start({ name: 'flaky', entry: flaky, port, env: {} }, 20_000);

    const gaveUp = await next('gave-up', 40_000);
    const crashes = events.filter((e) => e.kind === 'crashed');
    expect(crashes.map((e) => [e.crashes, e.restartInMs, e.exit])).toEqual([
      [1, 50, { code: 7, signal: null }],
      [2, 100, { code: 7, signal: null }],
      [3, 150, { code: 7, signal: null }],
    ]);
    expect(events.map((e) => e.kind)).toEqual([
      'crashed',
      'ready',
      'crashed',
      'ready',
      'crashed',
      'ready',
      'gave-up',
    ]);
    expect(describeEvent(gaveUp)).toMatch(
      /^flaky crashed 4 times within 60 s \(last: exit code 7, pid \d+\); not restarting it again$/,
    );
    expect(gaveUp.recent).toContain('out of luck');

    await sleep(500);
    expect(events.at(-1)?.kind).toBe('gave-up');
    expect(supervisor.pid('flaky')).toBeUndefined();
    expect(await listening(port)).toBe(false);
  });

  it('counts only the crashes inside the window', async () => {
    let clock = 1_000_000;
    const { supervisor, next } = supervise({
      restart: { ...FAST, maxCrashes: 2, windowMs: 10_000 },
      now: () => clock,
    });
    await supervisor.start(
      { name: 'fake', entry: script(READY_SERVER), port: await getPort(), env: {} },
      20_000,
    );

    process.kill(supervisor.pid('fake')!, 'SIGKILL');
    expect((await next('crashed')).crashes).toBe(1);
    await next('ready');
    clock += 10_001;
    process.kill(supervisor.pid('fake')!, 'SIGKILL');
    const again = await next('crashed');
    expect([again.crashes, again.restartInMs]).toEqual([1, 50]);
    await next('ready');
    clock += 5_000;
    process.kill(supervisor.pid('fake')!, 'SIGKILL');
    expect((await next('gave-up')).crashes).toBe(2);
  });

  it('does not restart a service stopped on purpose, nor one waiting to restart when everything stops', async () => {
    const { supervisor, events, next } = supervise({ restart: { ...FAST, initialDelayMs: 400 } });
    const stoppedPort = await getPort();
    const pendingPort = await getPort();
    await supervisor.start(
      { name: 'stopped', entry: script(READY_SERVER), port: stoppedPort, env: {} },
      20_000,
    );
    await supervisor.start(
      { name: 'pending', entry: script(READY_SERVER), port: pendingPort, env: {} },
      20_000,
    );

    await supervisor.stop('stopped', 3000);
    process.kill(supervisor.pid('pending')!, 'SIGKILL');
    await next('crashed');
    await supervisor.stopAll(3000);
    await sleep(1500);

    expect(events.map((e) => [e.kind, e.service])).toEqual([['crashed', 'pending']]);
    expect(await listening(stoppedPort)).toBe(false);
    expect(await listening(pendingPort)).toBe(false);
  });

  it('takes a clean exit nobody asked for as an orderly stop, not a crash', async () => {
    const { supervisor, events, next } = supervise();
    const port = await getPort();
    const quits = script(afterFirstReadyz('process.exit(0);'));
    await supervisor.start({ name: 'quits', entry: quits, port, env: {} }, 20_000);
    const exited = await next('exited');
    expect(describeEvent(exited)).toBe('quits exited (exit code 0)');
    await sleep(500);
    expect(events.map((e) => e.kind)).toEqual(['exited']);
    expect(await listening(port)).toBe(false);
  });
});
