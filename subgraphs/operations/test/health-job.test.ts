import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '@ecp/db/ids';
import type { Principal } from '@ecp/identity/principal';
import { JobProducer } from '@ecp/jobs/job-producer';
import { createLogger } from '@ecp/logging/logger';
import { testEnv } from '@ecp/test-kit/env';
import { graphql } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { work } from '../src/jobs';
import { CHECK_ENVIRONMENTS_JOB, checkEnvironmentsAndPrune } from '../src/modules/health/health.jobs';
import { pruneHealthHistory } from '../src/modules/health/health-checks';
import type { OperationsRuntime } from '../src/runtime';
import { operationsSettings } from '../src/settings';
import { operationsSubgraph } from '../src/subgraph';
import { alertStatus, LoopbackEnvironments } from './health-support';

/**
 * The scheduled health check run as the workers run it (its processor, against this subgraph's
 * database) on an injected clock: history and uptime over time, pruning, the concurrency bound, and
 * an https environment whose self-signed certificate (made here with openssl) is about to expire.
 */
let sg: SubgraphUnderTest;
let redis: Redis;
let producer: JobProducer;
const prefix = `ecp:test:${newId()}:`;
const http = new LoopbackEnvironments();
const https = new LoopbackEnvironments();
const tls = mkdtempSync(join(tmpdir(), 'ecp-health-tls-'));
const caFile = join(tls, 'cert.pem');
const T = new Date(Date.now());
let clock = T;
const logger = createLogger({ service: 'test', level: 'silent' });
const operator: Principal = {
  kind: 'agent',
  id: newId(),
  name: 'ops',
  roles: ['OPERATOR'],
  jurisdictions: [],
};

const runtime = (env: Record<string, string> = {}): OperationsRuntime => ({
  jobs: producer,
  settings: operationsSettings({ HEALTH_CHECK_TIMEOUT_MS: '5000', HEALTH_TLS_CA_FILE: caFile, ...env }),
  now: () => clock,
});
const context = () => ({ orm: sg.built.orm, outbox: sg.built.platform.outbox, logger });

async function register(input: Record<string, unknown>): Promise<string> {
  const res = await graphql<{ registerEnvironment: { id: string } }>(
    sg.url,
    'mutation ($i: RegisterEnvironmentInput!) { registerEnvironment(input: $i) { id } }',
    { i: input },
    { as: operator },
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.registerEnvironment.id;
}

const sql = <R>(query: string, params: unknown[] = []) => sg.em().getConnection().execute<R[]>(query, params);

async function runsOf(environmentId: string) {
  const rows = await sql<{
    at: string;
    ok: boolean;
    failures: string[];
    certificate_expires_at: string | null;
  }>(
    'select at, ok, failures, certificate_expires_at from operations.health_run where environment_id = ? order by at',
    [environmentId],
  );
  return rows.map((r) => ({
    ...r,
    at: new Date(r.at),
    certificate_expires_at: r.certificate_expires_at ? new Date(r.certificate_expires_at) : null,
  }));
}

beforeAll(async () => {
  // A certificate for 127.0.0.1 valid 5 days: within the default 14-day warning.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(tls, 'key.pem'),
      '-out',
      caFile,
      '-days',
      '5',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  await http.start();
  await https.start(
    (handler) =>
      createHttpsServer({ key: readFileSync(join(tls, 'key.pem')), cert: readFileSync(caFile) }, handler),
    'https',
  );
  sg = await startSubgraph(() =>
    operationsSubgraph({
      redisUrl: testEnv.redisUrl,
      queuePrefix: `${prefix}q`,
      settings: runtime().settings,
      now: () => clock,
    }),
  );
  redis = new Redis(testEnv.redisUrl, { maxRetriesPerRequest: null });
  producer = new JobProducer(redis, `${prefix}q`);
});

afterAll(async () => {
  await producer?.close();
  await sg?.stop();
  await http.stop();
  await https.stop();
  rmSync(tls, { recursive: true, force: true });
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

beforeEach(async () => {
  await sql('delete from operations.environment');
});

describe('operations.check-environments', () => {
  it('is a scheduler every HEALTH_CHECK_INTERVAL_MS (15 minutes by default), hosted by the workers', () => {
    expect(CHECK_ENVIRONMENTS_JOB.queue).toBe('operations.check-environments');
    expect(CHECK_ENVIRONMENTS_JOB.scheduler).toEqual({
      id: 'operations.check-environments',
      everyMs: 900_000,
      data: {},
    });
    expect(work.jobs).toContain(CHECK_ENVIRONMENTS_JOB);
    expect(operationsSettings({})).toMatchObject({
      HEALTH_CHECK_INTERVAL_MS: 900_000,
      HEALTH_CHECK_CONCURRENCY: 50,
      HEALTH_CERT_WARNING_DAYS: 14,
    });
    expect(operationsSettings({ HEALTH_CHECK_INTERVAL_MS: '60000' }).HEALTH_CHECK_INTERVAL_MS).toBe(60_000);
    expect(() => operationsSettings({ HEALTH_CHECK_CONCURRENCY: '0' })).toThrow(/HEALTH_CHECK_CONCURRENCY/);
  });

  it('reads an https certificate’s expiry and raises certificate-expiring within the warning window', async () => {
    const id = await register({ name: 'secure', url: https.add('secure') });
    clock = T;
    await checkEnvironmentsAndPrune(context(), runtime());
    const [run] = await runsOf(id);
    expect(run).toMatchObject({ ok: true, failures: [] });
    const days = (run!.certificate_expires_at!.getTime() - T.getTime()) / 86_400_000;
    expect(days).toBeGreaterThan(4);
    expect(days).toBeLessThanOrEqual(5);
    const alert = await alertStatus(sg, 'certificate-expiring', 'secure');
    expect(alert).toMatchObject({ status: 'FIRING' });
    expect(alert!.summary).toMatch(/in 4 days/);
    // Outside a 2-day window the alert resolves.
    await checkEnvironmentsAndPrune(context(), runtime({ HEALTH_CERT_WARNING_DAYS: '2' }));
    expect(await alertStatus(sg, 'certificate-expiring', 'secure')).toMatchObject({ status: 'RESOLVED' });
    // A certificate nobody vouches for fails the check.
    const untrusted = { ...runtime(), settings: { ...runtime().settings, HEALTH_TLS_CA_FILE: undefined } };
    await checkEnvironmentsAndPrune(context(), untrusted);
    const last = (await runsOf(id)).at(-1)!;
    expect(last.ok).toBe(false);
    expect(last.failures[0]).toMatch(/certificate/i);
  });

  it('keeps a history from which uptime is computed over 24 hours and 7 days, pruned past 8 days', async () => {
    const id = await register({
      name: 'history',
      url: http.add('history', { status: 500 }),
      failThreshold: 1,
    });
    const at = (hoursBefore: number) => new Date(T.getTime() - hoursBefore * 3_600_000);
    clock = at(24 * 9);
    expect(await checkEnvironmentsAndPrune(context(), runtime())).toMatchObject({ checked: 1, failed: 1 });
    clock = at(24 * 3);
    expect(await checkEnvironmentsAndPrune(context(), runtime())).toMatchObject({ checked: 1, pruned: 0 });
    http.set('history', { status: 200 });
    clock = at(1);
    // The run of 9 days ago goes now: older than HEALTH_HISTORY_DAYS (8).
    expect(await checkEnvironmentsAndPrune(context(), runtime())).toMatchObject({ checked: 1, pruned: 1 });
    clock = T;
    await checkEnvironmentsAndPrune(context(), runtime());
    expect((await runsOf(id)).map((r) => [r.at.getTime(), r.ok])).toEqual([
      [at(72).getTime(), false],
      [at(1).getTime(), true],
      [T.getTime(), true],
    ]);
    const res = await graphql<{
      environment: { status: string; uptime24h: number; uptime7d: number; lastCheckedAt: string };
    }>(
      sg.url,
      'query ($id: ID!) { environment(id: $id) { status uptime24h uptime7d lastCheckedAt } }',
      { id },
      { as: { ...operator, roles: ['ANALYST'] } },
    );
    expect(res.body.data!.environment).toEqual({
      status: 'HEALTHY',
      uptime24h: 1,
      uptime7d: 2 / 3,
      lastCheckedAt: T.toISOString(),
    });
  });

  it('keeps at most HEALTH_HISTORY_MAX_RUNS runs per environment, the newest', async () => {
    const id = await register({ name: 'busy', url: http.add('busy') });
    await sql(
      `insert into operations.health_run (id, environment_id, at, status_code, latency_ms, ok, slow)
       select gen_random_uuid(), ?, ?::timestamptz - make_interval(mins => i), 200, 1, true, false
       from generate_series(1, 150) as i`,
      [id, T],
    );
    clock = T;
    expect(await pruneHealthHistory(sg.em(), runtime({ HEALTH_HISTORY_MAX_RUNS: '100' }))).toBe(50);
    const [kept] = await sql<{ n: string; oldest: string }>(
      'select count(*) as n, min(at) as oldest from operations.health_run where environment_id = ?',
      [id],
    );
    expect(Number(kept!.n)).toBe(100);
    expect(new Date(kept!.oldest).getTime()).toBe(T.getTime() - 100 * 60_000);
  });

  it('checks every environment at once, never more than HEALTH_CHECK_CONCURRENCY in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const counting = new LoopbackEnvironments();
    await counting.start((handler) =>
      createServer((req, res) => {
        inFlight++;
        most = Math.max(most, inFlight);
        res.on('close', () => {
          inFlight--;
        });
        handler(req, res);
      }),
    );
    try {
      for (let i = 0; i < 6; i++)
        await register({ name: `bounded-${i}`, url: counting.add(`b${i}`, { delayMs: 100 }) });
      clock = T;
      const summary = await checkEnvironmentsAndPrune(context(), runtime({ HEALTH_CHECK_CONCURRENCY: '2' }));
      expect(summary).toMatchObject({ checked: 6, failed: 0 });
      expect(most).toBe(2);
    } finally {
      await counting.stop();
    }
  });
});
