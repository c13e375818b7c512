import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { createLogger } from '@ecp/logging/logger';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHttpShell, type HttpShell } from './http-app';
import { createMetrics } from './metrics';
import { strictJsonBody } from './strict-json-body';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  reusedSocket: boolean;
}

/** One request with node:http, so that the path goes out exactly as written (fetch would normalise it). */
function send(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
  agent: Agent | false = false,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        agent,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
            reusedSocket: req.reusedSocket,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A stack frame (`at readStream (/…/raw-body/index.js:…)`), a module path, an error's name, an HTML page. */
const STACK_OR_PAGE = /\bat [\w.<>]+ \(|node_modules|Error:|<html|<pre>/;

function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
  });
  return { logger: createLogger({ service: 'test', level: 'info', destination }), lines };
}

describe.each(['development', 'production'])('errors with NODE_ENV=%s', (nodeEnv) => {
  let shell: HttpShell;
  let port: number;
  let dir: string;
  let logs: Record<string, unknown>[];
  const previousEnv = process.env.NODE_ENV;

  beforeAll(async () => {
    // Express reads NODE_ENV when the app is made; outside production its own handler shows stacks.
    process.env.NODE_ENV = nodeEnv;
    dir = mkdtempSync(join(tmpdir(), 'ecp-http-shell-'));
    writeFileSync(join(dir, 'present.txt'), 'here\n');
    const captured = captureLogs();
    logs = captured.lines;
    shell = createHttpShell({ logger: captured.logger, metrics: createMetrics('test'), readiness: [] });
    const { routes } = shell;
    routes.post('/graphql', ...strictJsonBody(1024), (req, res) => res.json({ got: req.body }));
    routes.post('/internal', express.json({ limit: 1024 }), (req, res) => res.json({ got: req.body }));
    routes.use('/assets', express.static(dir, { fallthrough: false }));
    routes.get('/page', (_req, res) => res.sendFile(join(dir, 'missing.html')));
    routes.get('/things/:id', (req, res) => res.json({ id: req.params.id }));
    routes.get('/boom', async () => {
      throw new Error(`a bug that mentions ${dir}`);
    });
    port = await shell.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await shell?.drain(1000);
    rmSync(dir, { recursive: true, force: true });
    process.env.NODE_ENV = previousEnv;
  });

  /** Asserts the ECP error shape and that nothing about the server's insides is in it. */
  function expectCoded(answer: Answer, status: number, code: string) {
    expect(answer.status, answer.text).toBe(status);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(answer.text)).toEqual({
      errors: [{ message: expect.any(String), extensions: expect.objectContaining({ code }) }],
    });
    expect(answer.text).not.toMatch(STACK_OR_PAGE);
    expect(answer.text).not.toContain(dir);
    expect(answer.text).not.toContain(process.cwd());
  }

  const json = { 'content-type': 'application/json' };

  it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE, for every parser', async () => {
    const big = JSON.stringify({ query: 'x'.repeat(2 * 1024 * 1024) });
    for (const path of ['/graphql', '/internal']) {
      const answer = await send(port, { method: 'POST', path, headers: json, body: big });
      expectCoded(answer, 413, 'PAYLOAD_TOO_LARGE');
      expect(JSON.parse(answer.text).errors[0].message).toBe(
        'The request body is larger than the limit of 1024 bytes.',
      );
    }
  });

  it('answers a body that is not what its Content-Encoding says with 400 BAD_REQUEST', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const answer = await send(port, {
        method: 'POST',
        path: '/graphql',
        headers: { ...json, 'content-encoding': encoding },
        body: 'this is not compressed',
      });
      expectCoded(answer, 400, 'BAD_REQUEST');
    }
    const gzipped = await send(port, {
      method: 'POST',
      path: '/graphql',
      headers: { ...json, 'content-encoding': 'gzip' },
      body: gzipSync('{"query":"{ me { id } }"}'),
    });
    expect(JSON.parse(gzipped.text)).toEqual({ got: { query: '{ me { id } }' } });
  });

  it('answers an unknown Content-Encoding or charset with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    for (const headers of [
      { ...json, 'content-encoding': 'compress' },
      { 'content-type': 'application/json; charset=klingon' },
    ]) {
      for (const path of ['/graphql', '/internal']) {
        const answer = await send(port, { method: 'POST', path, headers, body: '{}' });
        expectCoded(answer, 415, 'UNSUPPORTED_MEDIA_TYPE');
      }
    }
  });

  it('answers malformed JSON with 400 BAD_REQUEST, and a repeated key with BAD_USER_INPUT', async () => {
    for (const path of ['/graphql', '/internal']) {
      expectCoded(
        await send(port, { method: 'POST', path, headers: json, body: '{"a":' }),
        400,
        'BAD_REQUEST',
      );
    }
    const repeated = await send(port, {
      method: 'POST',
      path: '/graphql',
      headers: json,
      body: '{"a":1,"a":2}',
    });
    expectCoded(repeated, 400, 'BAD_USER_INPUT');
    expect(JSON.parse(repeated.text).errors[0].extensions.details).toEqual([
      { path: '/', reason: 'duplicate key "a"' },
    ]);
  });

  it('serves files, and answers missing, malformed and escaping paths without naming any', async () => {
    expect((await send(port, { path: '/assets/present.txt' })).text).toBe('here\n');
    expectCoded(await send(port, { path: '/assets/missing.js' }), 404, 'NOT_FOUND');
    expectCoded(await send(port, { path: '/assets/' }), 404, 'NOT_FOUND');
    expectCoded(await send(port, { path: '/assets/%E0%A4%A' }), 400, 'BAD_REQUEST');
    expectCoded(await send(port, { path: '/assets/%2e%2e/%2e%2e/etc/passwd' }), 403, 'FORBIDDEN');
    expectCoded(await send(port, { path: '/page' }), 404, 'NOT_FOUND');
    expectCoded(await send(port, { path: '/things/%E0%A4%A' }), 400, 'BAD_REQUEST');
  });

  it('answers what no route serves with 404 NOT_FOUND', async () => {
    expectCoded(await send(port, { path: '/nowhere' }), 404, 'NOT_FOUND');
    expectCoded(await send(port, { method: 'POST', path: '/healthz' }), 404, 'NOT_FOUND');
    expectCoded(await send(port, { method: 'DELETE', path: '/graphql' }), 404, 'NOT_FOUND');
  });

  it('logs an unexpected error once, with its stack, and answers 500 with no detail', async () => {
    const answer = await send(port, { path: '/boom', headers: { 'x-request-id': `boom-${nodeEnv}` } });
    expectCoded(answer, 500, 'INTERNAL_SERVER_ERROR');
    expect(JSON.parse(answer.text).errors[0].message).toBe('Internal server error');
    await new Promise((r) => setImmediate(r));
    const logged = logs.filter((l) => l.requestId === `boom-${nodeEnv}`);
    expect(logged.map((l) => [l.level, l.msg])).toEqual([
      ['error', 'unexpected error answering a request'],
      ['info', 'request'],
    ]);
    expect((logged[0]!.err as { stack: string }).stack).toMatch(/a bug that mentions[\s\S]*\bat /);
    expect(logged[1]).toMatchObject({ status: 500, code: 'INTERNAL_SERVER_ERROR' });
  });
});

describe('the request log line', () => {
  it('names the path asked for, as GraphQL is mounted, not the path the handler sees', async () => {
    const { logger, lines } = captureLogs();
    const shell = createHttpShell({ logger, metrics: createMetrics('test'), readiness: [] });
    // As the gateway and the subgraphs mount Apollo: under /graphql, where the handler sees "/".
    const seen: string[] = [];
    const graphqlRouter = express.Router();
    graphqlRouter.use((req, res) => {
      seen.push(req.path);
      res.json({ data: { ok: true } });
    });
    shell.routes.use('/graphql', graphqlRouter);
    const port = await shell.listen(0, '127.0.0.1');
    try {
      const headers = { 'content-type': 'application/json', 'x-request-id': 'log-path' };
      await send(port, { method: 'POST', path: '/graphql', headers, body: '{"query":"{ ok }"}' });
      await send(port, { path: '/graphql?query=%7Bok%7D&variables=%7B%22secret%22%3A1%7D', headers });
      await send(port, { path: '/nowhere', headers });
      await new Promise((r) => setImmediate(r));
      expect(seen).toEqual(['/', '/']);
      const logged = lines.filter((l) => l.msg === 'request' && l.requestId === 'log-path');
      // The path only: a query string can carry an operation's variables.
      expect(logged.map((l) => [l.method, l.path, l.status])).toEqual([
        ['POST', '/graphql', 200],
        ['GET', '/graphql', 200],
        ['GET', '/nowhere', 404],
      ]);
    } finally {
      await shell.drain(0);
    }
  });
});

describe('drain', () => {
  const shells: HttpShell[] = [];
  afterEach(async () => {
    await Promise.all(shells.splice(0).map((s) => s.drain(0)));
  });

  /** A shell with an upload route whose requests the test can see arriving. */
  async function start() {
    const { logger } = captureLogs();
    const shell = createHttpShell({ logger, metrics: createMetrics('test'), readiness: [] });
    shells.push(shell);
    let arrived: () => void = () => {};
    const uploadArrived = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    shell.routes.post(
      '/upload',
      (_req, _res, next) => {
        arrived();
        next();
      },
      express.text({ type: '*/*' }),
      (req, res) => res.json({ bytes: String(req.body).length }),
    );
    shell.routes.get('/never', () => {});
    const port = await shell.listen(0, '127.0.0.1');
    return { shell, port, uploadArrived };
  }

  it('refuses new connections, answers what is in flight and says Connection: close on kept-alive ones', async () => {
    const { shell, port, uploadArrived } = await start();
    const keptAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await send(port, { path: '/healthz' }, keptAlive)).headers.connection).toBe('keep-alive');

    // An upload whose headers are in and whose body is still on its way.
    const upload = new Promise<Answer>((resolve, reject) => {
      const headers = { 'content-type': 'text/plain' };
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: '/upload', headers, agent: false },
        (res) => {
          let text = '';
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, reusedSocket: false }),
          );
        },
      );
      req.on('error', reject);
      req.write('first half,');
      setTimeout(() => req.end('second half'), 400);
    });
    await uploadArrived;

    const drained = shell.drain(5000);
    await expect(send(port, { path: '/healthz' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const ready = await send(port, { path: '/readyz' }, keptAlive);
    expect(ready).toMatchObject({ status: 503, reusedSocket: true, headers: { connection: 'close' } });
    expect(JSON.parse(ready.text)).toEqual({ status: 'draining', checks: {} });

    const uploaded = await upload;
    expect(uploaded).toMatchObject({ status: 200, headers: { connection: 'close' } });
    expect(JSON.parse(uploaded.text)).toEqual({ bytes: 'first half,second half'.length });
    expect(await drained).toBe(true);
    keptAlive.destroy();
  });

  it('closes idle kept-alive connections after a moment, and ends as soon as nothing is open', async () => {
    const { shell, port } = await start();
    const keptAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    await send(port, { path: '/healthz' }, keptAlive);
    const started = performance.now();
    expect(await shell.drain(5000)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
    // Once the agent has seen the close, its next request needs a new connection, which is refused.
    await vi.waitFor(() => expect(Object.keys(keptAlive.freeSockets)).toEqual([]));
    await expect(send(port, { path: '/healthz' }, keptAlive)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    keptAlive.destroy();
  });

  it('cuts what is still running when the grace period ends', async () => {
    const { shell, port } = await start();
    const never = send(port, { path: '/never' });
    never.catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    expect(await shell.drain(300)).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    await expect(never).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});
