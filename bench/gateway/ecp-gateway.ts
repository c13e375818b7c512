import { platformLayout } from '@ecp/platform/layout';
import { REPO_ROOT } from '@ecp/platform/repo';
import { describeEvent, Supervisor } from '@ecp/platform/supervisor';
import { childEnv, testEnv } from '@ecp/test-kit/env';
import type { Stack } from '@ecp/test-kit/stack';

const HOST = '127.0.0.1';

export interface EcpGatewayOptions {
  /** The running stack whose subgraphs, database and secrets the extra gateway uses. */
  stack: Stack;
  /** Process name, for its log lines and errors. */
  name: string;
  /** The log level and extra environment the stack was started with, so both gateways match. */
  logLevel: string;
  extraEnv: Record<string, string>;
  /** Variables set on top of that environment (what this gateway is meant to differ in). */
  env: Record<string, string>;
  port: number;
}

export interface RunningEcpGateway {
  origin: string;
  graphqlUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts one more ECP gateway process next to a stack's own: the gateway's service spec from
 * `platformLayout`, built from the stack's ports, database and secrets as `startStack` builds it,
 * with its own port and the given variables added, run by a `Supervisor` as `startStack` runs it.
 */
export async function startEcpGateway(options: EcpGatewayOptions): Promise<RunningEcpGateway> {
  const { stack } = options;
  const layout = platformLayout({
    repoRoot: REPO_ROOT,
    host: HOST,
    ports: stack.ports,
    databaseUrl: stack.db.url,
    redisUrl: testEnv.redisUrl,
    secrets: stack.secrets,
    logLevel: options.logLevel,
    extraEnv: options.extraEnv,
  });
  const gateway = layout.edge.find((service) => service.name === 'gateway');
  if (!gateway) throw new Error('the platform layout has no gateway');
  const spec = {
    ...gateway,
    name: options.name,
    port: options.port,
    env: { ...gateway.env, ...options.env },
  };

  const supervisor = new Supervisor({
    cwd: REPO_ROOT,
    host: HOST,
    baseEnv: childEnv(),
    format: 'json',
    // Its lines are kept by the supervisor for start errors; at the benchmark's level there are few.
    write: () => {},
    // A restarted gateway would skew the figures: say so, with its last lines.
    onEvent: (event) => {
      const recent =
        event.kind === 'gave-up' ? `. Its last lines:\n${event.recent.slice(-15).join('\n')}` : '';
      console.error(`\n${describeEvent(event)}${recent}`);
    },
  });
  try {
    await supervisor.start(spec, 60_000);
  } catch (err) {
    await supervisor.stopAll(3000);
    throw err;
  }
  const origin = `http://${HOST}:${options.port}`;
  return { origin, graphqlUrl: `${origin}/graphql`, stop: () => supervisor.stopAll(5000) };
}

/** The gateway's count of subgraph fetches answered by a request already in flight (its `/metrics`). */
export async function deduplicatedFetches(origin: string): Promise<number> {
  const res = await fetch(`${origin}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`${origin}/metrics answered ${res.status}`);
  let total = 0;
  for (const line of (await res.text()).split('\n')) {
    const match = /^gateway_subgraph_requests_deduplicated_total(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match?.[1]) total += Number(match[1]);
  }
  return total;
}
