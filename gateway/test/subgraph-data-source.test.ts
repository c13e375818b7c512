import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Principal } from '@ecp/identity/principal';
import { createLogger } from '@ecp/logging/logger';
import { Counter, Histogram, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayContext } from '../src/context';
import { SubgraphDataSource } from '../src/subgraphs/subgraph-data-source';

/** A stand-in subgraph on loopback: answers after a delay and records what it was asked. */
let server: Server;
let url: string;
const received: { body: string; identity: string | undefined; requestId: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push({
      body,
      identity: req.headers['ecp-identity'] as string,
      requestId: req.headers['x-request-id'] as string,
    });
    await new Promise((r) => setTimeout(r, 40));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ data: { agent: { id: '1', name: 'answer', seen: received.length } } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const registry = new Registry();
const duration = new Histogram({
  name: 'd',
  help: 'd',
  labelNames: ['subgraph', 'outcome'] as const,
  registers: [registry],
});
const deduplicated = new Counter({
  name: 'c',
  help: 'c',
  labelNames: ['subgraph'] as const,
  registers: [registry],
});
const logger = createLogger({ service: 'test', level: 'silent' });

function source(deduplicate = true, target = url) {
  return new SubgraphDataSource({
    name: 'ledger',
    url: target,
    timeoutMs: 2000,
    connections: 4,
    deduplicate,
    duration,
    deduplicated,
  });
}

function context(principal: Principal, requestId: string): GatewayContext {
  return { principal, requestId, logger, identityHeader: () => `signed:${principal.id}:${requestId}` };
}

const alice: Principal = { kind: 'agent', id: 'a', name: 'alice', roles: ['AGENT'], jurisdictions: [] };
const bob: Principal = { ...alice, id: 'b', name: 'bob' };

function fetchOf(ds: SubgraphDataSource, query: string, ctx: GatewayContext) {
  return ds.process({
    // GraphQLDataSourceRequestKind.INCOMING_OPERATION; the enum is not exported from the package root.
    kind: 'incoming operation' as never,
    request: { query, variables: { id: '1' } },
    context: ctx,
    incomingRequestContext: {} as never,
  });
}

describe('SubgraphDataSource', () => {
  it('forwards the caller’s signed identity and the request id', async () => {
    received.length = 0;
    const res = await fetchOf(source(), 'query { agent { id } }', context(alice, 'r-1'));
    expect(res.data).toMatchObject({ agent: { name: 'answer' } });
    expect(received).toEqual([expect.objectContaining({ identity: 'signed:a:r-1', requestId: 'r-1' })]);
  });

  it('shares one request among identical concurrent queries of one caller, each getting its own copy', async () => {
    received.length = 0;
    const ds = source();
    const answers = await Promise.all(
      [1, 2, 3].map((n) =>
        fetchOf(ds, 'query Q($id: ID!) { agent(id: $id) { id } }', context(alice, `r-${n}`)),
      ),
    );
    expect(received).toHaveLength(1);
    (answers[0]!.data as { agent: { name: string } }).agent.name = 'changed by the first consumer';
    expect((answers[1]!.data as { agent: { name: string } }).agent.name).toBe('answer');
    expect(answers[0]!.data).not.toBe(answers[1]!.data);
  });

  it('never shares between callers, nor mutations, nor when turned off', async () => {
    received.length = 0;
    const ds = source();
    await Promise.all([
      fetchOf(ds, 'query { agent { id } }', context(alice, 'x')),
      fetchOf(ds, 'query { agent { id } }', context(bob, 'y')),
    ]);
    expect(received).toHaveLength(2);
    received.length = 0;
    await Promise.all(
      [1, 2].map(() => fetchOf(ds, 'mutation { registerAgent { id } }', context(alice, 'm'))),
    );
    expect(received).toHaveLength(2);
    received.length = 0;
    const off = source(false);
    await Promise.all([1, 2].map(() => fetchOf(off, 'query { agent { id } }', context(alice, 'o'))));
    expect(received).toHaveLength(2);
  });

  it('turns an unreachable subgraph into an error that names it', async () => {
    const res = await fetchOf(
      source(true, 'http://127.0.0.1:1/graphql'),
      'query { agent { id } }',
      context(alice, 'z'),
    );
    expect(res.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^Subgraph "ledger" is unavailable: /),
        extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
      }),
    ]);
  });
});
