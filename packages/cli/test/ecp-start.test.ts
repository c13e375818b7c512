import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '@ecp/platform/repo';
import { createTestDatabase } from '@ecp/test-kit/database';
import { testEnv } from '@ecp/test-kit/env';
import getPort from 'get-port';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { privateCheckout } from './private-checkout';

const ECP = join(REPO_ROOT, 'packages/cli/bin/ecp.js');
const homes: string[] = [];

const runs: Run[] = [];

// A test that fails early must not leave an ECP running: it is stopped as Ctrl-C would, then killed.
afterEach(async () => {
  for (const ecp of runs.splice(0)) {
    if (ecp.child.exitCode !== null || ecp.child.signalCode !== null) continue;
    process.kill(-ecp.child.pid!, 'SIGINT');
    const stopped = await Promise.race([ecp.exit.then(() => true), sleep(30_000).then(() => false)]);
    if (!stopped) process.kill(-ecp.child.pid!, 'SIGKILL');
  }
}, 60_000);

afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
}, 120_000);

interface Run {
  child: ChildProcess;
  env: Record<string, string>;
  lines: string[];
  exit: Promise<number | null>;
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
}

/** Runs `ecp` from this repository, or from the checkout given. */
function run(args: string[], env: Record<string, string>, checkout = REPO_ROOT): Run {
  const ecp = checkout === REPO_ROOT ? ECP : join(checkout, 'packages/cli/bin/ecp.js');
  const child = spawn(process.execPath, [ecp, ...args], {
    cwd: checkout,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (l: string) => void }[] = [];
  const onLine = (line: string) => {
    lines.push(line);
    for (const w of [...waiters]) {
      if (w.pattern.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started: Run = {
    child,
    env,
    lines,
    exit,
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const seen = lines.find((l) => pattern.test(l));
        if (seen) return resolve(seen);
        const timer = setTimeout(
          () => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${lines.join('\n')}`)),
          timeoutMs,
        );
        waiters.push({
          pattern,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exit.then(() =>
          setTimeout(() => reject(new Error(`exited before ${pattern}:\n${lines.join('\n')}`)), 50),
        );
      }),
  };
  runs.push(started);
  return started;
}

async function closedPort(): Promise<number> {
  return getPort();
}

/** Whether anything accepts a TCP connection on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The pid of the child of `parent` whose command line names `entry`, found in /proc. */
function childRunning(parent: number, entry: string): number | undefined {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(entry)) return Number(pid);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

async function platformPorts() {
  return {
    GATEWAY_PORT: await getPort(),
    LEDGER_PORT: await getPort(),
    ADVISORY_PORT: await getPort(),
    LEARNING_CONSORTIUM_PORT: await getPort(),
    OPERATIONS_PORT: await getPort(),
    WORKERS_PORT: await getPort(),
  };
}

describe('ecp start', () => {
  it('starts an embedded PostgreSQL when none is configured or answering, and a Redis likewise, from a fresh checkout in a directory only its owner can enter, runs everything, and stops cleanly on Ctrl-C', async () => {
    // As a newcomer would: a clone in `mktemp -d` (0700), `npm ci`, then `npm start`, with ECP_HOME
    // left at its default (.ecp in the checkout). As root, PostgreSQL's own user cannot enter any of it.
    const { checkout, root } = privateCheckout();
    homes.push(root);
    expect(statSync(root).mode & 0o777).toBe(0o700);
    const systemDir = mkdtempSync(join(tmpdir(), 'ecp-system-'));
    chmodSync(systemDir, 0o755);
    homes.push(systemDir);
    const home = join(checkout, '.ecp');
    const redisPort = await getPort();
    const ports = { ...(await platformPorts()), ECP_EMBEDDED_POSTGRES_PORT: await getPort() };
    const ecp = run(
      ['start'],
      {
        ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
        ECP_SYSTEM_DIR: systemDir,
        // Nothing listens here, so ECP must fall back to its embedded PostgreSQL.
        ECP_LOCAL_POSTGRES_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/ecp`,
        // Nor here, so ECP must run a Redis itself.
        ECP_LOCAL_REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
        ECP_EMBEDDED_REDIS_PORT: String(redisPort),
        LOG_LEVEL: 'warn',
      },
      checkout,
    );
    try {
      await ecp.waitFor(/ECP is running/, 150_000);
      expect(ecp.lines).toContain(
        `redis: redis://127.0.0.1:${redisPort} (a redis-server ECP runs itself, data in ${home}/redis)`,
      );
      const databaseLine = ecp.lines.find((l) => l.startsWith('database: '))!;
      expect(databaseLine).toMatch(
        /^database: postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/ecp \(an embedded PostgreSQL, data in \/.+\)$/,
      );
      if (process.getuid?.() === 0) {
        // Its data where its user can reach them, linked from ECP_HOME.
        expect(databaseLine).toContain(`data in ${systemDir}/`);
        expect(lstatSync(join(home, 'postgres')).isSymbolicLink()).toBe(true);
      } else {
        expect(databaseLine).toContain(`data in ${home}/postgres)`);
      }
      const keyLine = await ecp.waitFor(/admin.*key.*ecp_/, 1000);
      const key = /ecp_[A-Za-z0-9_-]{43}/.exec(keyLine)![0];
      const endpoint = ecp.lines.find((l) => l.includes('GraphQL endpoint'))!;
      expect(endpoint).toContain(`http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`);
      expect(ecp.lines.join('\n')).toMatch(/Playground\s+http:\/\/127\.0\.0\.1:\d+\/playground/);
      expect(ecp.lines.join('\n')).toMatch(/Metrics\s+http:\/\/127\.0\.0\.1:\d+\/metrics/);

      const res = await fetch(`http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({
          query:
            '{ me { name roles calibration { reports } votes { edges { cursor } } breakGlassSessions { edges { cursor } } } }',
        }),
      });
      expect(await res.json()).toEqual({
        data: {
          me: {
            name: 'admin',
            roles: ['ADMIN'],
            calibration: { reports: 0 },
            votes: { edges: [] },
            breakGlassSessions: { edges: [] },
          },
        },
      });
      expect((await fetch(`http://127.0.0.1:${ports.WORKERS_PORT}/readyz`)).status).toBe(200);
      // The generated secrets are readable by their owner only.
      expect(statSync(join(home, 'secrets.json')).mode & 0o777).toBe(0o600);
    } finally {
      if (ecp.child.exitCode === null) process.kill(-ecp.child.pid!, 'SIGINT');
    }
    expect(await ecp.exit).toBe(0);
    expect(ecp.lines.join('\n')).toMatch(/stopped\./);
    for (const port of [...Object.values(ports), redisPort]) expect(await listening(port)).toBe(false);
  }, 240_000);

  it('restarts a process that crashes, says so, and stops everything once it crashes too often', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ecp-home-'));
    homes.push(home);
    const db = await createTestDatabase();
    const ports = await platformPorts();
    const ecp = run(['start'], {
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      ECP_HOME: home,
      DATABASE_URL: db.url,
      REDIS_URL: testEnv.redisUrl,
      LOG_LEVEL: 'warn',
      RESTART_DELAY_MS: '200',
      RESTART_MAX_CRASHES: '2',
    });
    const ledger = 'subgraphs/ledger/src/main.ts';
    try {
      await ecp.waitFor(/ECP is running/, 120_000);
      const key = /ecp_[A-Za-z0-9_-]{43}/.exec(await ecp.waitFor(/admin.*key.*ecp_/, 1000))![0];
      const first = childRunning(ecp.child.pid!, ledger)!;
      expect(first).toBeGreaterThan(0);

      process.kill(first, 'SIGKILL');
      await ecp.waitFor(
        new RegExp(
          `^ledger crashed \\(signal SIGKILL, pid ${first}\\); restarting in 0\\.2 s \\(crash 1 of 2 within 60 s\\)$`,
        ),
        10_000,
      );
      const again = await ecp.waitFor(/^ledger is ready again \(pid \d+\)$/, 60_000);
      const second = childRunning(ecp.child.pid!, ledger)!;
      expect(again).toContain(`pid ${second}`);
      expect(second).not.toBe(first);
      // The gateway resolves the API key at the restarted ledger.
      const res = await fetch(`http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: '{ me { name } }' }),
      });
      expect(await res.json()).toEqual({ data: { me: { name: 'admin' } } });

      process.kill(second, 'SIGKILL');
      await ecp.waitFor(
        new RegExp(
          `^ledger crashed 2 times within 60 s \\(last: signal SIGKILL, pid ${second}\\); not restarting it again; stopping everything\\.$`,
        ),
        10_000,
      );
      expect(await ecp.exit).toBe(1);
    } finally {
      if (ecp.child.exitCode === null) process.kill(-ecp.child.pid!, 'SIGKILL');
      await db.drop();
    }
    expect(ecp.lines.join('\n')).toMatch(/stopped\./);
    for (const port of Object.values(ports)) {
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    }
  }, 240_000);

  it('stops with one sentence when the REDIS_URL given does not answer', async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;
    const ecp = run(['start'], { REDIS_URL: url, ECP_HOME: mkdtempSync(join(tmpdir(), 'ecp-home-')) });
    homes.push(ecp.env.ECP_HOME!);
    expect(await ecp.exit).toBe(1);
    expect(ecp.lines).toEqual([
      `ECP needs Redis and nothing answered at ${url} (REDIS_URL): start that Redis, or unset REDIS_URL for ECP to run one itself, then run this again.`,
    ]);
  });

  it('stops with one sentence naming what to install when no Redis answers and no redis-server is installed', async () => {
    const local = `redis://127.0.0.1:${await closedPort()}`;
    const emptyPath = mkdtempSync(join(tmpdir(), 'ecp-empty-path-'));
    homes.push(emptyPath);
    const ecp = run(['start'], {
      PATH: emptyPath,
      ECP_LOCAL_REDIS_URL: local,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/ecp`,
      ECP_HOME: mkdtempSync(join(tmpdir(), 'ecp-home-')),
    });
    homes.push(ecp.env.ECP_HOME!);
    expect(await ecp.exit).toBe(1);
    expect(ecp.lines).toEqual([
      `ECP needs Redis: nothing answered at ${local} and no redis-server is installed for ECP to run one; install it (Debian or Ubuntu: \`apt-get install redis-server\`; macOS: \`brew install redis\`) or set REDIS_URL to a Redis you run, then run this again.`,
    ]);
  });

  it('stops the Redis it runs itself when the start fails later', async () => {
    const redisPort = await getPort();
    const ecp = run(['start'], {
      ECP_LOCAL_REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
      ECP_EMBEDDED_REDIS_PORT: String(redisPort),
      // Nothing listens here: the start fails once Redis runs.
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/ecp`,
      ECP_HOME: mkdtempSync(join(tmpdir(), 'ecp-home-')),
    });
    homes.push(ecp.env.ECP_HOME!);
    expect(await ecp.exit).toBe(1);
    expect(ecp.lines[0]).toMatch(
      /^redis: redis:\/\/127\.0\.0\.1:\d+ \(a redis-server ECP runs itself, data in .+\)$/,
    );
    expect(ecp.lines.slice(1).join('\n')).toMatch(/ECONNREFUSED/);
    expect(await listening(redisPort)).toBe(false);
  });

  it('refuses a bad configuration listing every problem', async () => {
    const ecp = run(['start'], {
      GATEWAY_PORT: 'eighty',
      REDIS_URL: 'mysql://nope',
      DATABASE_URL: 'http://x',
    });
    expect(await ecp.exit).toBe(1);
    const message = ecp.lines.join('\n');
    expect(message).toMatch(/GATEWAY_PORT="eighty"/);
    expect(message).toMatch(/REDIS_URL="mysql:\/\/nope"/);
    expect(message).toMatch(/DATABASE_URL="http:\/\/x"/);
  });
});
