import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { IDENTITY_HEADER } from '@ecp/identity/identity-header';

export interface HiveGatewayOptions {
  supergraphPath: string;
  /** Subgraph name in the supergraph → the URL to send its fetches to. */
  subgraphUrls: Record<string, string>;
  /**
   * The principal (its identity-header claims, without times) and secret with which every subgraph
   * request is signed, as ECP's subgraphs require. Headers live at most two minutes, so the gateway
   * signs a fresh one every 30 s rather than being given one.
   */
  identity: { claims: Record<string, unknown>; secret: string };
  /**
   * Whether identical subgraph queries in flight at the same time are sent once and shared (Hive
   * Gateway's default). ECP's gateway does the same per caller by default; the benchmark compares
   * the two with it on and with it off.
   */
  deduplicateInflightRequests: boolean;
  port: number;
  /** Working directory of the process (tsx and the packages resolve from there). */
  cwd: string;
}

export interface RunningHiveGateway {
  version: string;
  graphqlUrl: string;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

/**
 * Starts Hive Gateway (`hive-gateway supergraph`, one process, no forked workers) on the given
 * supergraph, pointed at the given subgraph URLs, with the identity header on every upstream request.
 * Its logging is limited to errors and it is given no Hive or GraphOS credentials, so it reports nowhere.
 */
export async function startHiveGateway(options: HiveGatewayOptions): Promise<RunningHiveGateway> {
  const packageJson = require.resolve('@graphql-hive/gateway/package.json');
  const { version } = require(packageJson) as { version: string };
  const bin = join(dirname(packageJson), 'dist/bin.js');

  const dir = mkdtempSync(join(tmpdir(), 'ecp-bench-hive-'));
  const configPath = join(dir, 'gateway.config.mjs');
  const transportEntries: Record<string, unknown> = {
    '*.http': { options: { deduplicateInflightRequests: options.deduplicateInflightRequests } },
  };
  for (const [name, url] of Object.entries(options.subgraphUrls)) transportEntries[name] = { location: url };
  const config = { logging: 'error', graphiql: false, landingPage: false, transportEntries };
  // The identity header's wire format (packages/identity/src/identity-header.ts, v1), signed in the
  // Hive process itself: it cannot load ECP's TypeScript.
  const signer = `
import { createHmac } from 'node:crypto';
const claims = ${JSON.stringify(options.identity.claims)};
const secret = ${JSON.stringify(options.identity.secret)};
let header = '';
let signedAt = 0;
function identityHeader() {
  const now = Math.floor(Date.now() / 1000);
  if (now - signedAt >= 30) {
    const body = 'v1.' + Buffer.from(JSON.stringify({ ...claims, iat: now, exp: now + 60 })).toString('base64url');
    header = body + '.' + createHmac('sha256', secret).update(body).digest('base64url');
    signedAt = now;
  }
  return header;
}
const signIdentity = {
  onFetch({ options, setOptions }) {
    setOptions({ ...options, headers: { ...options.headers, ${JSON.stringify(IDENTITY_HEADER)}: identityHeader() } });
  },
};
`;
  writeFileSync(
    configPath,
    `${signer}\nexport const gatewayConfig = { ...${JSON.stringify(config, null, 2)}, plugins: () => [signIdentity] };\n`,
  );

  const child = spawn(
    process.execPath,
    [
      bin,
      'supergraph',
      options.supergraphPath,
      '--config-path',
      configPath,
      '--host',
      '127.0.0.1',
      '--port',
      String(options.port),
      '--fork',
      '1',
      '--polling',
      '1h',
    ],
    {
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_OPTIONS: '',
        APOLLO_TELEMETRY_DISABLED: 'true',
        DO_NOT_TRACK: '1',
      },
    },
  );
  const recent: string[] = [];
  const keep = (chunk: Buffer) => {
    recent.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    recent.splice(0, Math.max(0, recent.length - 30));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    await terminate(child, exited);
    rmSync(dir, { recursive: true, force: true });
  };
  const origin = `http://127.0.0.1:${options.port}`;
  try {
    await waitReady(`${origin}/readiness`, child, 30_000);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}. Its last lines:\n${recent.join('\n')}`);
  }
  return { version, graphqlUrl: `${origin}/graphql`, stop };
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error('Hive Gateway exited during start');
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`Hive Gateway was not ready within ${timeoutMs} ms`);
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
