import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Caller, gqlAs, registerCaller, runEcp } from './support/callers';
import { collect, settled } from './support/live';

/**
 * Environment health checks as an operator runs them: environments registered through the gateway,
 * `ecp health-check` (table, JSON report, exit code for cron and CI) and `healthChanged` streamed to
 * an analyst over graphql-ws, against environments on a loopback server that go down and come back.
 */
let stack: Stack;
let operator: Caller;
let analyst: Caller;
let agent: Caller;
let server: Server;
let base: string;
const down = new Set<string>();
const clients: Client[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ecp-health-'));

const REGISTER = 'mutation ($i: RegisterEnvironmentInput!) { registerEnvironment(input: $i) { id } }';

beforeAll(async () => {
  server = createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    res.writeHead(down.has(name) ? 503 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: down.has(name) ? 'degraded' : 'ok' }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stack = await startStack();
  operator = await registerCaller(stack, 'ops', [], '[OPERATOR]');
  analyst = await registerCaller(stack, 'analyst', [], '[ANALYST]');
  agent = await registerCaller(stack, 'bot', ['EU']);
}, 120_000);

afterAll(async () => {
  for (const c of clients) await c.dispose();
  await stack?.stop();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ecp health-check', () => {
  it('prints a table and a JSON report, exits 0 when all are healthy and 1 when one is not, and streams each change', async () => {
    for (const name of ['api', 'web']) {
      const res = await gqlAs(stack, operator.key, REGISTER, {
        i: { name, url: `${base}/${name}`, conditions: ['$.status == "ok"'], failThreshold: 1 },
      });
      expect(res.body.errors).toBeUndefined();
    }
    const ws = createClient({
      url: stack.websocketUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${analyst.key}` },
      retryAttempts: 0,
    });
    clients.push(ws);
    const live = collect(ws, 'subscription { healthChanged { name status } }');
    await settled();

    const report = join(dir, 'report.json');
    const healthy = await runEcp(stack, operator.key, 'health-check', '--json', report);
    expect(healthy.stderr).toBe('');
    expect(healthy.code).toBe(0);
    const lines = healthy.stdout.trim().split('\n');
    expect(lines[0]!.split(/\s+/)).toEqual(['NAME', 'STATUS', 'CODE', 'LATENCY', 'FAILURES']);
    expect(lines.slice(1, 3).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      ['api', 'HEALTHY', '200'],
      ['web', 'HEALTHY', '200'],
    ]);
    expect(lines.at(-1)).toBe('2 environments, all healthy.');
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({
      healthy: true,
      environments: [
        { name: 'api', status: 'HEALTHY', statusCode: 200, ok: true, failures: [] },
        { name: 'web', status: 'HEALTHY', statusCode: 200, ok: true, failures: [] },
      ],
    });

    down.add('web');
    const unhealthy = await runEcp(stack, operator.key, 'health-check', '--json', report);
    expect(unhealthy.code).toBe(1);
    expect(unhealthy.stdout).toMatch(/web\s+UNHEALTHY\s+503/);
    expect(unhealthy.stdout).toContain('status 503, expected 200; $.status == "ok": got "degraded"');
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({
      healthy: false,
      environments: [
        { name: 'api', ok: true },
        { name: 'web', status: 'UNHEALTHY', ok: false },
      ],
    });

    await live.next(3);
    expect(live.received.map((p) => p.data!.healthChanged)).toEqual(
      expect.arrayContaining([
        { name: 'api', status: 'HEALTHY' },
        { name: 'web', status: 'UNHEALTHY' },
      ]),
    );
    down.delete('web');
  });

  it('exits 2 when it cannot ask: not an operator, an unknown option, no gateway', async () => {
    const forbidden = await runEcp(stack, agent.key, 'health-check');
    expect(forbidden.code).toBe(2);
    expect(forbidden.stderr).toMatch(/FORBIDDEN/);
    expect((await runEcp(stack, operator.key, 'health-check', '--bogus')).code).toBe(2);
    const unreachable = await runEcp(
      stack,
      operator.key,
      'health-check',
      '--gateway',
      'http://127.0.0.1:59999',
    );
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/cannot reach the gateway/);
  });
});
