import { writeFile } from 'node:fs/promises';
import type { CliConfig } from '../env';
import { GatewayClient } from '../gateway-client';

export interface HealthCheckOptions {
  json?: string;
  gateway?: string;
  apiKey?: string;
}

/** How `ecp health-check` ends: for cron and CI jobs to branch on. */
export const HEALTH_CHECK_EXIT = {
  /** Every environment healthy, every check passed. */
  healthy: 0,
  /** An environment is unhealthy, or a check failed. */
  unhealthy: 1,
  /** Wrong usage, or the platform could not be asked (unreachable, refused, not an operator). */
  error: 2,
} as const;

interface Run {
  at: string;
  statusCode: number | null;
  latencyMs: number;
  ok: boolean;
  slow: boolean;
  failures: string[];
  environment: { id: string; name: string; url: string; status: string } | null;
}

/** The JSON report `--json FILE` writes. */
export interface HealthReport {
  checkedAt: string;
  healthy: boolean;
  environments: {
    name: string;
    url: string;
    status: string;
    statusCode: number | null;
    latencyMs: number;
    ok: boolean;
    slow: boolean;
    failures: string[];
    at: string;
  }[];
}

const CHECK = `mutation ECPHealthCheck { checkEnvironmentsNow {
  at statusCode latencyMs ok slow failures environment { id name url status } } }`;

/**
 * `ecp health-check [--json FILE]`: checks every environment now through the gateway
 * (`checkEnvironmentsNow`, an operator's API key), prints a table, writes the JSON report, and answers
 * the exit code: 0 all healthy, 1 any unhealthy or a check failed, 2 when it could not ask.
 */
export async function healthCheck(loadConfig: () => CliConfig, options: HealthCheckOptions): Promise<number> {
  let runs: Run[];
  try {
    const config = loadConfig();
    const gateway = new GatewayClient(
      options.gateway ?? config.ECP_GATEWAY_URL,
      options.apiKey ?? config.ECP_API_KEY,
    );
    ({ checkEnvironmentsNow: runs } = await gateway.query<{ checkEnvironmentsNow: Run[] }>(CHECK));
  } catch (err) {
    process.stderr.write(`ecp health-check: ${describe(err)}\n`);
    return HEALTH_CHECK_EXIT.error;
  }
  const report = reportOf(runs);
  process.stdout.write(`${table(report)}\n`);
  if (options.json) {
    try {
      await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
    } catch (err) {
      process.stderr.write(`ecp health-check: cannot write ${options.json}: ${(err as Error).message}\n`);
      return HEALTH_CHECK_EXIT.error;
    }
  }
  return report.healthy ? HEALTH_CHECK_EXIT.healthy : HEALTH_CHECK_EXIT.unhealthy;
}

export function reportOf(runs: readonly Run[]): HealthReport {
  const environments = runs
    .filter((r): r is Run & { environment: NonNullable<Run['environment']> } => r.environment !== null)
    .map((r) => ({
      name: r.environment.name,
      url: r.environment.url,
      status: r.environment.status,
      statusCode: r.statusCode,
      latencyMs: r.latencyMs,
      ok: r.ok,
      slow: r.slow,
      failures: r.failures,
      at: r.at,
    }));
  return {
    checkedAt: new Date().toISOString(),
    healthy: environments.every((e) => e.ok && e.status !== 'UNHEALTHY'),
    environments,
  };
}

function table(report: HealthReport): string {
  if (report.environments.length === 0) return 'No environment is registered (registerEnvironment).';
  const rows = [
    ['NAME', 'STATUS', 'CODE', 'LATENCY', 'FAILURES'],
    ...report.environments.map((e) => [
      e.name,
      e.status,
      e.statusCode === null ? '-' : String(e.statusCode),
      `${e.latencyMs} ms${e.slow ? ' (slow)' : ''}`,
      e.failures.join('; ') || '-',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  const unhealthy = report.environments.filter((e) => !e.ok || e.status === 'UNHEALTHY').length;
  lines.push(
    '',
    unhealthy === 0
      ? `${report.environments.length} environments, all healthy.`
      : `${unhealthy} of ${report.environments.length} environments unhealthy or failing.`,
  );
  return lines.join('\n');
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TypeError' && e.cause)
    return `cannot reach the gateway: ${e.cause.code ?? e.cause.message}`;
  return e.message;
}
