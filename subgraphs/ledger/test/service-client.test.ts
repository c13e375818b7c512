import { PassThrough } from 'node:stream';
import { type Principal, type Role, servicePrincipal } from '@ecp/identity/principal';
import { createLogger } from '@ecp/logging/logger';
import { createMetrics } from '@ecp/service-kit/metrics';
import { RemoteError } from '@ecp/service-kit/service-call-errors';
import { ServiceClient } from '@ecp/service-kit/service-client';
import { defineOperation } from '@ecp/service-kit/service-operation';
import { type BuiltSubgraph, buildSubgraph } from '@ecp/service-kit/subgraph-runtime';
import { createTestDatabase, type TestDatabase } from '@ecp/test-kit/database';
import { agentInput } from '@ecp/test-kit/fixtures';
import { TEST_IDENTITY_SECRET } from '@ecp/test-kit/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdmin, principalOf } from '../src/modules/agents/agent.service';
import { OPEN_GATE } from '../src/modules/firewall/firewall-advice';
import { ledgerSubgraph } from '../src/subgraph';
import { testLedgerConfig } from './ledger-config';

/*
 * Another subgraph calling the ledger through the shared service client, as the real ledger answers
 * it: typed data, its error codes, its role checks, and the actor in its logs.
 */

const AGENT = defineOperation<{ agent: { id: string; name: string; roles: Role[] } | null }, { id: string }>(
  'query AgentForAdvice($id: ID!) { agent(id: $id) { id name roles } }',
);
const AGENTS = defineOperation<{ agents: { edges: { node: { name: string } }[] } }, { first: number }>(
  'query AgentsForAdvice($first: Int!) { agents(first: $first) { edges { node { name } } } }',
);
const REGISTER = defineOperation<
  { registerAgent: { agent: { id: string } } },
  { input: Record<string, unknown> }
>(
  'mutation RegisterForOperations($input: RegisterAgentInput!) { registerAgent(input: $input) { agent { id } } }',
);

let db: TestDatabase;
let built: BuiltSubgraph;
let url: string;
let admin: Principal;
let stopped = false;
const logs: Record<string, unknown>[] = [];
const clients: ServiceClient[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line));
  });
  const config = testLedgerConfig(db.url);
  built = await buildSubgraph(
    ledgerSubgraph(config, { firewall: OPEN_GATE }),
    config,
    createLogger({ service: 'ledger', level: 'info', destination }),
  );
  url = `http://127.0.0.1:${await built.http.listen(0, '127.0.0.1')}/graphql`;
  const boot = await bootstrapAdmin(built.orm.em.fork());
  if (!boot) throw new Error('expected a fresh database to get an admin');
  admin = principalOf(boot.agent);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  if (!stopped) await built?.stop();
  await db?.drop();
});

/** A client of the ledger as the named service, holding `roles` of its own. */
function clientAs(service: string, roles: Role[] = []) {
  const client = new ServiceClient({
    identity: servicePrincipal(service, roles),
    identitySecret: TEST_IDENTITY_SECRET,
    target: { name: 'ledger', url, timeoutMs: 2000, retryDelayMs: 5 },
    registry: createMetrics(service).registry,
    logger: createLogger({ service, level: 'silent' }),
  });
  clients.push(client);
  return client;
}

describe('calling the ledger from another subgraph', () => {
  it("answers a typed query, and keeps the ledger's error codes", async () => {
    const advisory = clientAs('advisory');
    const { agent } = await advisory.request(AGENT, { id: admin.id }, { actingFor: admin });
    expect(agent).toEqual({ id: admin.id, name: admin.name, roles: ['ADMIN'] });
    const unknown = advisory.request(AGENT, { id: '01936f7e-0000-7000-8000-000000000000' });
    await expect(unknown).rejects.toBeInstanceOf(RemoteError);
    await expect(unknown).rejects.toMatchObject({ code: 'NOT_FOUND', remoteCode: 'NOT_FOUND' });
    await expect(advisory.request(AGENT, { id: 'nope' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(advisory.circuit).toBe('closed');
  });

  it("authorizes on the service's own roles: acting for an admin grants it nothing", async () => {
    const advisory = clientAs('advisory');
    await expect(advisory.request(AGENTS, { first: 1 }, { actingFor: admin })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(
      advisory.request(REGISTER, { input: agentInput({ name: 'by proxy' }) }, { actingFor: admin }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const analyst = clientAs('advisory', ['ANALYST']);
    const { agents } = await analyst.request(AGENTS, { first: 1 });
    expect(agents.edges).toHaveLength(1);
  });

  it('logs what a service did on behalf of an actor under that actor, via the service', async () => {
    const operations = clientAs('operations', ['ADMIN']);
    const { registerAgent } = await operations.request(
      REGISTER,
      { input: agentInput({ name: 'registered for an admin' }) },
      { actingFor: admin, requestId: 'svc-call-1' },
    );
    const line = logs.find((l) => l.msg === 'agent registered' && l.agentId === registerAgent.agent.id);
    expect(line).toMatchObject({ requestId: 'svc-call-1', actor: admin.id, via: 'service:operations' });
  });

  it("answers with the caller's fallback once the ledger is gone", async () => {
    const advisory = clientAs('advisory');
    stopped = true;
    await built.stop();
    const answer = await advisory.request(AGENT, { id: admin.id }, { fallback: { agent: null } });
    expect(answer).toEqual({ agent: null });
    // That call was sent three times (two retries); two more failures make the five that open the
    // circuit, so the next call's third attempt is not sent at all.
    await expect(advisory.request(AGENT, { id: admin.id })).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      reason: 'circuit-open',
      attempts: 2,
    });
    expect(advisory.circuit).toBe('open');
  });
});
