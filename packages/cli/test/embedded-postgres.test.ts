import { chmodSync, lstatSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEnv } from '@ecp/test-kit/env';
import getPort from 'get-port';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledInstallation, startEmbeddedPostgres } from '../src/embedded-postgres';
import { OwnedProcesses } from '../src/owned-processes';
import { linkTree } from './private-checkout';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A directory only its owner can enter, as `mktemp -d` makes them. */
function privateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecp-private-'));
  made.push(dir);
  expect(lstatSync(dir).mode & 0o777).toBe(0o700);
  return dir;
}

function openDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecp-system-'));
  chmodSync(dir, 0o755);
  made.push(dir);
  return dir;
}

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The real user id a process runs as, from /proc. */
function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Uid:'))!;
  return Number(line.split(/\s+/)[1]);
}

const asRoot = process.getuid?.() === 0;

describe('the embedded PostgreSQL', () => {
  it('starts from binaries and an ECP_HOME in directories only their owner can enter, and finds its data again on the next start', async () => {
    // The binaries as a checkout in `mktemp -d` has them: under a 0700 directory.
    const installation = join(privateDir(), 'native');
    linkTree(await bundledInstallation(), installation);
    const home = join(privateDir(), '.ecp');
    const systemDir = openDir();
    const lines: string[] = [];
    const options = {
      home,
      systemDir,
      port: await getPort(),
      timeoutMs: 60_000,
      installation,
      log: (line: string) => lines.push(line),
    };

    const first = new OwnedProcesses();
    const server = await startEmbeddedPostgres({ ...options, owned: first });
    try {
      const [settings] = await query(
        server.adminUrl,
        "select current_setting('listen_addresses') as listen, current_setting('unix_socket_directories') as sockets, current_setting('server_encoding') as encoding",
      );
      expect(settings).toMatchObject({ listen: '127.0.0.1', sockets: '', encoding: 'UTF8' });
      await query(server.adminUrl, "create table kept (note text); insert into kept values ('still here')");
      if (asRoot) {
        // PostgreSQL refuses root: it runs as its own user, from a copy of the binaries and a data
        // directory that user can reach, linked from ECP_HOME.
        const postmaster = Number(
          readFileSync(join(server.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0],
        );
        expect(uidOf(postmaster)).not.toBe(0);
        expect(server.dataDir.startsWith(`${systemDir}/`)).toBe(true);
        expect(lstatSync(join(home, 'postgres')).isSymbolicLink()).toBe(true);
        expect(realpathSync(join(home, 'postgres'))).toBe(server.dataDir);
        expect(lines.filter((l) => l.startsWith('copying the PostgreSQL binaries'))).toHaveLength(1);
      } else {
        expect(server.dataDir).toBe(join(home, 'postgres'));
      }
    } finally {
      await first.stopAll();
    }

    const second = new OwnedProcesses();
    const again = await startEmbeddedPostgres({ ...options, owned: second });
    try {
      expect(again.dataDir).toBe(server.dataDir);
      expect(await query(again.adminUrl, 'select note from kept')).toEqual([{ note: 'still here' }]);
      // Created and copied once only.
      expect(lines.filter((l) => l.startsWith('creating'))).toHaveLength(1);
      expect(lines.filter((l) => l.startsWith('copying'))).toHaveLength(asRoot ? 1 : 0);
    } finally {
      await second.stopAll();
    }
    await expect(query(again.adminUrl, 'select 1')).rejects.toThrow();
  }, 120_000);

  it.runIf(asRoot)(
    'says in one sentence what to set when its user can reach neither ECP_HOME nor ECP_SYSTEM_DIR',
    async () => {
      const home = join(privateDir(), '.ecp');
      const systemDir = join(privateDir(), 'system');
      const owned = new OwnedProcesses();
      await expect(
        startEmbeddedPostgres({
          home,
          systemDir,
          port: await getPort(),
          timeoutMs: 60_000,
          owned,
          log: () => {},
        }),
      ).rejects.toThrow(
        new RegExp(
          // What it names first is what it could not reach first: the data directory, or — in a checkout
          // it cannot enter either, like a fresh clone in `mktemp -d` — the binaries under node_modules.
          `^The embedded PostgreSQL runs as the \`postgres\` user, which cannot enter (ECP_HOME \\(${home}\\)|the PostgreSQL binaries in \\S+) nor ECP_SYSTEM_DIR \\(${systemDir}\\): set ECP_SYSTEM_DIR to a directory it can reach, or set DATABASE_URL, then run this again\\.$`,
        ),
      );
      await owned.stopAll();
    },
  );

  it('will not take a server already listening on its port for its own', async () => {
    const taken = Number(new URL(testEnv.adminDatabaseUrl).port || 5432);
    const owned = new OwnedProcesses();
    await expect(
      startEmbeddedPostgres({
        home: join(privateDir(), '.ecp'),
        systemDir: openDir(),
        port: taken,
        timeoutMs: 60_000,
        owned,
        log: () => {},
      }),
    ).rejects.toThrow(
      `Something already listens on 127.0.0.1:${taken}, where the embedded PostgreSQL would: stop it, or set ECP_EMBEDDED_POSTGRES_PORT to a free port, then run this again.`,
    );
  });
});
