import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { formatSignerKey } from '@ecp/merkle/signed-note';
import { type PlatformPorts, type PlatformSecrets, platformLayout } from '@ecp/platform/layout';
import { REPO_ROOT } from '@ecp/platform/repo';
import { Supervisor, type SupervisorEvent } from '@ecp/platform/supervisor';
import getPort from 'get-port';
import { createTestDatabase, type TestDatabase } from './database';
import { childEnv, testEnv } from './env';
import { TEST_LEDGER_ORIGIN } from './http';

export interface Stack {
  db: TestDatabase;
  ports: PlatformPorts;
  secrets: PlatformSecrets;
  /** The first admin's API key. */
  adminKey: string;
  gatewayUrl: string;
  graphqlUrl: string;
  /** The gateway's graphql-ws endpoint. */
  websocketUrl: string;
  /** The prefix of this stack's event streams (each stack has its own). */
  eventStreamPrefix: string;
  /** Starts one more gateway process on a free port, as a second replica; returns its base URL. */
  startGatewayReplica(extraEnv?: Record<string, string>): Promise<string>;
  subgraphUrl(name: string): string;
  /** Every log line the named process wrote, in order. */
  logs(name: string): readonly string[];
  /** The named process's id now; it changes when the supervisor restarts it, and is undefined while it is down. */
  pid(name: string): number | undefined;
  /** Sends the named process a signal, as an operator or the kernel would (`kill -9`). */
  kill(name: string, signal: NodeJS.Signals): void;
  /** What the supervisor reported about the named process (crashes, restarts, giving up), in order. */
  supervision(name: string): readonly SupervisorEvent[];
  stopService(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Also run the workers process. */
  workers?: boolean;
  logLevel?: string;
  extraEnv?: Record<string, string>;
}

/**
 * Boots the platform as separate processes on free ports against a fresh database: the four
 * subgraphs, then the gateway (and optionally the workers), exactly as `ecp start` runs them.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const db = await createTestDatabase();
  const adminKey = await bootstrapAdmin(db.url);
  const ports: PlatformPorts = {
    gateway: await getPort(),
    ledger: await getPort(),
    advisory: await getPort(),
    learningConsortium: await getPort(),
    operations: await getPort(),
    workers: await getPort(),
  };
  const secrets = {
    identitySecret: randomBytes(32).toString('base64url'),
    tokenSecret: randomBytes(32).toString('base64url'),
    ledgerSigningKey: formatSignerKey(TEST_LEDGER_ORIGIN, new Uint8Array(randomBytes(32))),
  };
  const logs = new Map<string, string[]>();
  const events: SupervisorEvent[] = [];
  const supervisor = new Supervisor({
    cwd: REPO_ROOT,
    host: '127.0.0.1',
    baseEnv: childEnv(),
    format: 'json',
    write: (line, service) => {
      const list = logs.get(service) ?? [];
      list.push(line);
      logs.set(service, list);
    },
    onEvent: (event) => events.push(event),
  });
  const eventStreamPrefix = `ecp:test:${randomBytes(6).toString('hex')}:`;
  const layout = platformLayout({
    repoRoot: REPO_ROOT,
    host: '127.0.0.1',
    ports,
    databaseUrl: db.url,
    redisUrl: testEnv.redisUrl,
    secrets,
    logLevel: options.logLevel ?? 'info',
    extraEnv: {
      AUTH_CACHE_TTL_MS: '1000',
      SHUTDOWN_DEADLINE_MS: '3000',
      LEDGER_ORIGIN: TEST_LEDGER_ORIGIN,
      // Streams of its own, so that stacks running side by side never see each other's events.
      EVENT_STREAM_PREFIX: eventStreamPrefix,
      // Queues of its own too: another stack's workers must never take this one's jobs.
      QUEUE_PREFIX: `${eventStreamPrefix}jobs`,
      ...options.extraEnv,
    },
  });
  try {
    await Promise.all(layout.subgraphs.map((s) => supervisor.start(s, 60_000)));
    for (const service of layout.edge) {
      if (service.name === 'workers' && !options.workers) continue;
      await supervisor.start(service, 60_000);
    }
  } catch (err) {
    await supervisor.stopAll(3000);
    await db.drop();
    throw err;
  }
  let replicas = 1;
  const portOf: Record<string, number> = {
    ledger: ports.ledger,
    advisory: ports.advisory,
    'learning-consortium': ports.learningConsortium,
    operations: ports.operations,
  };
  const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
  return {
    db,
    ports,
    secrets,
    adminKey,
    gatewayUrl,
    graphqlUrl: `${gatewayUrl}/graphql`,
    websocketUrl: `ws://127.0.0.1:${ports.gateway}/graphql`,
    eventStreamPrefix,
    async startGatewayReplica(extraEnv = {}) {
      const spec = layout.edge.find((s) => s.name === 'gateway')!;
      const port = await getPort();
      replicas += 1;
      await supervisor.start(
        { ...spec, name: `gateway-${replicas}`, port, env: { ...spec.env, ...extraEnv } },
        60_000,
      );
      return `http://127.0.0.1:${port}`;
    },
    subgraphUrl: (name) => `http://127.0.0.1:${portOf[name]}/graphql`,
    logs: (name) => logs.get(name) ?? [],
    pid: (name) => supervisor.pid(name),
    kill(name, signal) {
      const pid = supervisor.pid(name);
      if (pid === undefined) throw new Error(`${name} is not running`);
      process.kill(pid, signal);
    },
    supervision: (name) => events.filter((e) => e.service === name),
    stopService: (name) => supervisor.stop(name, 3000),
    async stop() {
      await supervisor.stopAll(5000);
      await db.drop();
    },
  };
}

/** Creates the first admin the way an operator would, with `ecp bootstrap-admin`, and returns its key. */
async function bootstrapAdmin(databaseUrl: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(REPO_ROOT, 'packages/cli/bin/ecp.js'), 'bootstrap-admin'],
    {
      cwd: REPO_ROOT,
      env: { ...childEnv(), DATABASE_URL: databaseUrl },
    },
  );
  const key = /admin API key: (ecp_[A-Za-z0-9_-]{43})/.exec(stdout)?.[1];
  if (!key) throw new Error(`ecp bootstrap-admin printed no key:\n${stdout}`);
  return key;
}
