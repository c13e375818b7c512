import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IDENTITY_HEADER, signIdentity, verifyIdentity } from '@ecp/identity/identity-header';
import type { Principal } from '@ecp/identity/principal';
import { createLogger } from '@ecp/logging/logger';
import { Counter, Histogram, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayContext } from '../src/context';
import { SubgraphDataSource } from '../src/subgraphs/subgraph-data-source';
import { OwnerAuthorization, SubscriptionRefusedError } from '../src/subscriptions/owner-authorization';
import { SubscriptionPlanner } from '../src/subscriptions/subscription-planner';

/**
 * The gateway's half of authorizing a subscription: what it asks the owning subgraph, with whose
 * identity, and what it makes of the answer. The owner here is a stand-in on loopback answering as a
 * subgraph would; the ledger's own rule is tested with the ledger, and the whole path end to end.
 */
const SECRET = 'owner-authorization-test-secret-0123456789';
const logger = createLogger({ service: 'test', level: 'silent' });
const agent: Principal = { kind: 'agent', id: 'a-1', name: 'a', roles: ['AGENT'], jurisdictions: ['EU'] };
const supergraphSdl = readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
const planner = new SubscriptionPlanner({ supergraphSdl, validationRules: [] });

let server: Server;
let url: string;
let answer: unknown = {};
const asked: { body: { query: string; variables: unknown }; principal: Principal; requestId: unknown }[] = [];

beforeAll(async () => {
  server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    asked.push({
      body: JSON.parse(body),
      principal: verifyIdentity(req.headers[IDENTITY_HEADER] as string, [SECRET]),
      requestId: req.headers['x-request-id'],
    });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(answer));
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

/** The authorization as the gateway builds it, with the ledger's data source pointed at `target`. */
function ledgerAt(target: string): OwnerAuthorization {
  const source = new SubgraphDataSource({
    name: 'ledger',
    url: target,
    timeoutMs: 2000,
    connections: 2,
    deduplicate: true,
    duration,
    deduplicated,
  });
  return new OwnerAuthorization(new Map([['ledger', source]]));
}

const context: GatewayContext = {
  principal: agent,
  requestId: 'sub-1',
  logger,
  identityHeader: () => signIdentity(agent, SECRET),
};

const FOLLOW = `subscription Follow($filter: DecisionFilter, $first: Int) {
  following: decisionRecorded(filter: $filter) {
    id agent { name } outcomes { success } citedBy(first: $first) { edges { cursor } }
  }
}`;

describe('the question a subscription puts to its owner', () => {
  it('is the root field with its arguments, selecting only __typename, declaring only what it uses', () => {
    expect(planner.plan(FOLLOW, undefined).authorizationFetch).toEqual({
      query:
        'subscription ECPSubscribe_decisionRecorded($filter: DecisionFilter) {\n  decisionRecorded(filter: $filter) {\n    __typename\n  }\n}',
      variables: ['filter'],
    });
    const literal = planner.plan(
      'subscription { decisionRecorded(filter: { category: "pricing" }) { id } }',
      undefined,
    );
    expect(literal.authorizationFetch.query).toMatch(
      /decisionRecorded\(filter: \{category: "pricing"\}\) \{\n {4}__typename/,
    );
    expect(literal.authorizationFetch.variables).toEqual([]);
    expect(
      planner.plan('subscription { checkpointPublished { treeSize } }', undefined).authorizationFetch.query,
    ).toBe(
      'subscription ECPSubscribe_checkpointPublished {\n  checkpointPublished {\n    __typename\n  }\n}',
    );
  });
});

describe('OwnerAuthorization', () => {
  const planned = planner.plan(FOLLOW, undefined);

  it('asks the owner with the subscriber’s signed identity, and allows what it answers with the type', async () => {
    asked.length = 0;
    answer = { data: { decisionRecorded: { __typename: 'Decision' } } };
    await ledgerAt(url).check(planned, { filter: { agentId: 'b-2' }, first: 3 }, context);
    expect(asked).toEqual([
      {
        body: {
          query: planned.authorizationFetch.query,
          variables: { filter: { agentId: 'b-2' } },
        },
        principal: expect.objectContaining({ kind: 'agent', id: 'a-1', roles: ['AGENT'] }),
        requestId: 'sub-1',
      },
    ]);
  });

  it('refuses with the owner’s errors as it sent them, code and details kept, naming the owner', async () => {
    answer = {
      data: null,
      errors: [
        {
          message: 'filter.agentId must be an agent id.',
          path: ['decisionRecorded'],
          extensions: {
            code: 'BAD_USER_INPUT',
            details: [{ path: 'filter.agentId', reason: 'must be a UUID' }],
          },
        },
        { message: 'Not for you.', extensions: { code: 'FORBIDDEN' } },
      ],
    };
    const refusal = await ledgerAt(url)
      .check(planned, { filter: { agentId: 'x' } }, context)
      .catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(SubscriptionRefusedError);
    expect((refusal as SubscriptionRefusedError).errors.map((e) => e.toJSON())).toEqual([
      {
        message: 'filter.agentId must be an agent id.',
        extensions: {
          code: 'BAD_USER_INPUT',
          details: [{ path: 'filter.agentId', reason: 'must be a UUID' }],
          serviceName: 'ledger',
        },
      },
      { message: 'Not for you.', extensions: { code: 'FORBIDDEN', serviceName: 'ledger' } },
    ]);
  });

  it('refuses when the owner cannot be asked, or answers neither an error nor the type', async () => {
    await expect(ledgerAt('http://127.0.0.1:1/graphql').check(planned, {}, context)).rejects.toMatchObject({
      errors: [{ extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'ledger' } }],
    });
    answer = { data: { decisionRecorded: null } };
    await expect(ledgerAt(url).check(planned, {}, context)).rejects.toMatchObject({
      errors: [{ extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'ledger' } }],
    });
  });
});
