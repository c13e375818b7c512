import { newId } from '@ecp/db/ids';
import { IDENTITY_HEADER, signIdentity } from '@ecp/identity/identity-header';
import { agentInput, decisionInput } from '@ecp/test-kit/fixtures';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The platform as a client sees it: four subgraphs and the gateway as separate processes, a real
 * database, and requests over HTTP with real credentials.
 */
let stack: Stack;
let db: pg.Client;
const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

beforeAll(async () => {
  stack = await startStack({ extraEnv: { MAX_QUERY_DEPTH: '6' } });
  db = new pg.Client({ connectionString: stack.db.url });
  await db.connect();
}, 120_000);

afterAll(async () => {
  await db?.end();
  await stack?.stop();
});

async function registerAgent(input: Record<string, unknown>) {
  const res = await graphql<{ registerAgent: { apiKey: string; agent: { id: string } } }>(
    stack.graphqlUrl,
    'mutation ($input: RegisterAgentInput!) { registerAgent(input: $input) { apiKey agent { id name roles } } }',
    { input: agentInput(input) },
    bearer(stack.adminKey),
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.registerAgent;
}

const ME = `{
  me {
    id name roles jurisdictions
    votes(first: 10) { edges { node { option confidence } } }
    calibration { reports brierScore successRate }
    breakGlassSessions(first: 5) { edges { node { reason active } } }
  }
}`;

describe('one entity, four subgraphs', () => {
  it('merges Agent fields from ledger, advisory, learning-consortium and operations into one answer', async () => {
    const { apiKey, agent } = await registerAgent({
      name: 'ops-lead',
      roles: ['AGENT', 'OPERATOR'],
      jurisdictions: ['EU/DE'],
    });
    // A vote, through the advisory API; then data the later features will write, put in place
    // directly so every subgraph has something to say.
    const opened = await graphql<{ openPoll: { id: string } }>(
      stack.graphqlUrl,
      'mutation ($input: OpenPollInput!) { openPoll(input: $input) { id } }',
      {
        input: {
          question: 'Approve?',
          jurisdiction: 'EU/DE',
          options: [{ id: 'approve' }, { id: 'reject' }],
          eligibleVoters: [agent.id],
          quorum: 1,
          closesAt: new Date(Date.now() + 3600_000).toISOString(),
        },
      },
      bearer(apiKey),
    );
    expect(opened.body.errors).toBeUndefined();
    const voted = await graphql(
      stack.graphqlUrl,
      'mutation ($input: CastVoteInput!) { castVote(input: $input) { id } }',
      { input: { pollId: opened.body.data!.openPoll.id, option: 'approve', confidence: 0.8 } },
      bearer(apiKey),
    );
    expect(voted.body.errors).toBeUndefined();
    await db.query(
      `insert into learning.outcome_report
         (id, decision_id, agent_id, reported_by, jurisdiction, category, chosen_option, stated_confidence, success, weight, ledger_index, ledger_leaf_hash)
       values ($1, $2, $3, $4, 'EU/DE', 'pricing', 'raise', 0.9, 1, 0.5, 900001, ''),
              ($5, $6, $3, $4, 'EU/DE', 'pricing', 'raise', 0.9, 0, 0.5, 900002, '')`,
      [newId(), newId(), agent.id, agent.id, newId(), newId()],
    );
    await db.query(
      "insert into operations.break_glass_session (id, operator_id, reason, opened_at, expires_at) values ($1, $2, 'database outage', now(), now() + interval '10 minutes')",
      [newId(), agent.id],
    );

    const res = await graphql(stack.graphqlUrl, ME, {}, bearer(apiKey));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: {
        me: {
          id: agent.id,
          name: 'ops-lead',
          roles: ['AGENT', 'OPERATOR'],
          jurisdictions: ['EU/DE'],
          votes: { edges: [{ node: { option: 'approve', confidence: 0.8 } }] },
          calibration: { reports: 2, brierScore: expect.closeTo(0.41, 10), successRate: 0.5 },
          breakGlassSessions: { edges: [{ node: { reason: 'database outage', active: true } }] },
        },
      },
    });
  });

  it('carries the request id from the gateway to every subgraph it asks', async () => {
    const { apiKey } = await registerAgent({ name: 'traced' });
    const requestId = `e2e-${newId()}`;
    const res = await graphql(
      stack.graphqlUrl,
      ME,
      {},
      { headers: { authorization: `Bearer ${apiKey}`, 'x-request-id': requestId } },
    );
    expect(res.headers.get('x-request-id')).toBe(requestId);
    await new Promise((r) => setTimeout(r, 200));
    for (const service of ['gateway', 'ledger', 'advisory', 'learning-consortium', 'operations']) {
      const lines = stack.logs(service).filter((l) => l.includes(requestId));
      expect(lines.length, `${service} logged the request id`).toBeGreaterThan(0);
      expect(JSON.parse(lines[0]!)).toMatchObject({ service, requestId });
    }
  });

  it('applies each subgraph’s own authorization to the forwarded identity', async () => {
    const owner = await registerAgent({ name: 'voter' });
    const other = await registerAgent({ name: 'curious' });
    const res = await graphql<{ agent: { name: string; votes: unknown } }>(
      stack.graphqlUrl,
      'query ($id: ID!) { agent(id: $id) { name calibration { reports } votes { edges { cursor } } } }',
      { id: owner.agent.id },
      bearer(other.apiKey),
    );
    expect(res.status).toBe(200);
    expect(res.body.data!.agent).toMatchObject({ name: 'voter', calibration: { reports: 0 }, votes: null });
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        path: ['agent', 'votes'],
        extensions: expect.objectContaining({ code: 'FORBIDDEN', serviceName: 'advisory' }),
      }),
    ]);
  });
});

describe('authentication', () => {
  it('refuses a request without credentials, with a wrong key, or a malformed header', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer ecp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      { authorization: 'Basic abc' },
      { authorization: 'Bearer nonsense' },
    ];
    for (const headers of attempts) {
      const res = await graphql(stack.graphqlUrl, '{ me { id } }', {}, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(errorCode(res)).toBe('UNAUTHENTICATED');
      expect(res.body.data).toBeUndefined();
    }
  });

  it('accepts the key in X-API-Key too, and an access token minted through the gateway', async () => {
    const { apiKey, agent } = await registerAgent({ name: 'token user' });
    const viaHeader = await graphql<{ me: { id: string } }>(
      stack.graphqlUrl,
      '{ me { id } }',
      {},
      { headers: { 'x-api-key': apiKey } },
    );
    expect(viaHeader.body.data!.me.id).toBe(agent.id);
    const minted = await graphql<{ issueAccessToken: { token: string } }>(
      stack.graphqlUrl,
      'mutation { issueAccessToken(ttlSeconds: 300) { token expiresAt } }',
      {},
      bearer(apiKey),
    );
    const token = minted.body.data!.issueAccessToken.token;
    const viaToken = await graphql<{ me: { id: string } }>(
      stack.graphqlUrl,
      '{ me { id } }',
      {},
      bearer(token),
    );
    expect(viaToken.body.data!.me.id).toBe(agent.id);
    const tampered = `${token.slice(0, -4)}AAAA`;
    const refused = await graphql(stack.graphqlUrl, '{ me { id } }', {}, bearer(tampered));
    expect(refused.status).toBe(401);
    expect(errorCode(refused)).toBe('UNAUTHENTICATED');
  });

  it('refuses admin-only mutations to other roles, and changes nothing', async () => {
    const { apiKey } = await registerAgent({ name: 'ambitious', roles: ['OPERATOR'] });
    const before = await db.query('select count(*)::int as n from ledger.agent');
    const res = await graphql(
      stack.graphqlUrl,
      'mutation { registerAgent(input: { name: "mine", roles: [ADMIN] }) { apiKey } }',
      {},
      bearer(apiKey),
    );
    expect(errorCode(res)).toBe('FORBIDDEN');
    expect(res.body.data).toBeNull();
    expect((await db.query('select count(*)::int as n from ledger.agent')).rows).toEqual(before.rows);
  });

  it('subgraphs refuse a caller that goes around the gateway, forged or not', async () => {
    const ledger = stack.subgraphUrl('ledger');
    const direct = await graphql(ledger, '{ agents(first: 1) { edges { cursor } } }');
    expect(direct.status).toBe(401);
    expect(errorCode(direct)).toBe('UNAUTHENTICATED');
    const forgedHeader = signIdentity(
      { kind: 'agent', id: newId(), name: 'mallory', roles: ['ADMIN'], jurisdictions: [] },
      'a-secret-that-is-not-the-platform-secret-at-all',
    );
    const forged = await graphql(
      ledger,
      '{ agents(first: 1) { edges { cursor } } }',
      {},
      { headers: { [IDENTITY_HEADER]: forgedHeader } },
    );
    expect(forged.status).toBe(401);
    expect(forged.body.errors![0]!.message).toMatch(/bad signature/);
  });
});

describe('bad input', () => {
  it('answers malformed GraphQL with GRAPHQL_PARSE_FAILED and 400', async () => {
    const res = await graphql(stack.graphqlUrl, '{ me { id ', {}, bearer(stack.adminKey));
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('answers an unknown field with GRAPHQL_VALIDATION_FAILED and 400', async () => {
    const res = await graphql(stack.graphqlUrl, '{ me { id password } }', {}, bearer(stack.adminKey));
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.body.errors![0]!.message).toMatch(/password/);
  });

  it('refuses an operation nested deeper than the limit before asking any subgraph', async () => {
    // This suite runs the gateway with MAX_QUERY_DEPTH=6.
    const within = '{ me { votes { edges { node { option } } } } }';
    expect((await graphql(stack.graphqlUrl, within, {}, bearer(stack.adminKey))).status).toBe(200);
    // The ledger's log lines reach this process through a pipe: let those of the request above arrive.
    // Only its GraphQL requests count: the gateway may look the key up again (its cache is short here).
    await new Promise((r) => setTimeout(r, 500));
    const graphqlRequests = () => stack.logs('ledger').filter((l) => l.includes('"path":"/graphql"')).length;
    const asked = graphqlRequests();
    const tooDeep = '{ agents { edges { node { votes { edges { node { option } } } } } } }';
    const res = await graphql(stack.graphqlUrl, tooDeep, {}, bearer(stack.adminKey));
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.body.errors![0]!.message).toMatch(/depth limit of 6/i);
    await new Promise((r) => setTimeout(r, 300));
    expect(graphqlRequests()).toBe(asked);
    expect(asked).toBeGreaterThan(0);
  });

  it('answers an unknown agent with NOT_FOUND and a malformed id with BAD_USER_INPUT', async () => {
    const unknown = await graphql(
      stack.graphqlUrl,
      'query ($id: ID!) { agent(id: $id) { name } }',
      { id: newId() },
      bearer(stack.adminKey),
    );
    expect(unknown.status).toBe(200);
    expect(unknown.body.data).toEqual({ agent: null });
    expect(errorCode(unknown)).toBe('NOT_FOUND');
    const malformed = await graphql(
      stack.graphqlUrl,
      '{ agent(id: "x") { name } }',
      {},
      bearer(stack.adminKey),
    );
    expect(errorCode(malformed)).toBe('BAD_USER_INPUT');
  });

  it('refuses invalid registrations with the reasons, and writes nothing', async () => {
    const before = await db.query(
      'select (select count(*) from ledger.agent)::int as a, (select count(*) from ledger.api_key)::int as k',
    );
    const res = await graphql(
      stack.graphqlUrl,
      'mutation { registerAgent(input: { name: "", jurisdictions: ["not a path"] }) { apiKey } }',
      {},
      bearer(stack.adminKey),
    );
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.body.errors![0]!.extensions!.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'input.name' }),
        expect.objectContaining({ path: 'input.jurisdictions.0' }),
      ]),
    );
    const after = await db.query(
      'select (select count(*) from ledger.agent)::int as a, (select count(*) from ledger.api_key)::int as k',
    );
    expect(after.rows).toEqual(before.rows);
  });
});

describe('appends from many callers', () => {
  const RECORD = 'mutation ($i: RecordDecisionInput!) { recordDecision(input: $i) { ledgerIndex } }';

  it('refuse what the ledger cannot keep, naming the path, and never fail another caller’s append', async () => {
    const mallory = await registerAgent({ name: 'mallory' });
    const bob = await registerAgent({ name: 'bob' });
    const before = await db.query('select count(*)::int as n from ledger.entry');
    // Sent as raw JSON: the escapes must reach the gateway as written.
    const poisoned = (i: number) => {
      const input = JSON.stringify(decisionInput({ context: { i } }));
      const value = ['"\\u0000"', '"\\ud800"', '1e400', '12345678901234567890'][i % 4];
      return fetch(stack.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${mallory.apiKey}` },
        body: `{"query":${JSON.stringify(RECORD)},"variables":{"i":${input.replace('"context":{', `"context":{"probe":${value},`)}}}`,
      });
    };
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        i % 2
          ? poisoned(i).then(async (res) => ({ from: 'mallory', status: res.status, body: await res.json() }))
          : graphql(
              stack.graphqlUrl,
              RECORD,
              { i: decisionInput({ context: { i } }) },
              bearer(bob.apiKey),
            ).then((res) => ({ from: 'bob', status: res.status, body: res.body })),
      ),
    );
    for (const r of results.filter((r) => r.from === 'bob')) {
      expect((r.body as { errors?: unknown }).errors, JSON.stringify(r.body)).toBeUndefined();
    }
    for (const r of results.filter((r) => r.from === 'mallory')) {
      expect(r.status).toBe(400);
      const error = (r.body as { errors: { extensions: { code: string; details: { path: string }[] } }[] })
        .errors[0]!;
      expect(error.extensions.code).toBe('BAD_USER_INPUT');
      expect(error.extensions.details[0]!.path).toBe('/variables/i/context/probe');
    }
    const after = await db.query('select count(*)::int as n from ledger.entry');
    expect(after.rows[0].n - before.rows[0].n).toBe(30);
  });
});

describe('malformed requests', () => {
  it('are 4xx or typed field errors through the gateway, never INTERNAL_SERVER_ERROR', async () => {
    const { apiKey } = await registerAgent({ name: 'malformed' });
    const huge = '9223372036854775808';
    for (const query of [
      '{ decisions(first: -1) { edges { cursor } } }',
      `{ ledgerEntry(index: "${huge}") { index } }`,
      `{ inclusionProof(index: "${huge}") { hashes } }`,
      '{ me { votes(first: -5) { edges { cursor } } } }',
    ]) {
      const res = await graphql(stack.graphqlUrl, query, {}, bearer(apiKey));
      expect(errorCode(res), `${query}: ${JSON.stringify(res.body)}`).toBe('BAD_USER_INPUT');
    }
    const twoOperations = await graphql(
      stack.graphqlUrl,
      'query A { me { id } } query B { me { name } }',
      {},
      bearer(apiKey),
    );
    expect(twoOperations.status, JSON.stringify(twoOperations.body)).toBe(400);
    expect(errorCode(twoOperations)).not.toBe('INTERNAL_SERVER_ERROR');
    const unknownOperation = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(apiKey).headers },
      body: JSON.stringify({ query: 'query A { me { id } }', operationName: 'B' }),
    });
    expect(unknownOperation.status).toBe(400);
  });
});

describe('operability', () => {
  it('serves health, readiness of every subgraph and Prometheus metrics at the gateway', async () => {
    expect((await fetch(`${stack.gatewayUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${stack.gatewayUrl}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: Record<string, { ok: boolean }> };
    expect(Object.keys(body.checks).sort()).toEqual([
      'redis',
      'subgraph:advisory',
      'subgraph:learning-consortium',
      'subgraph:ledger',
      'subgraph:operations',
    ]);
    const metrics = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /gateway_subgraph_request_duration_seconds_count\{[^}]*subgraph="ledger"[^}]*outcome="ok"[^}]*\} [1-9]/,
    );
    expect(metrics).toMatch(
      /http_request_duration_seconds_count\{[^}]*route="\/graphql",status_code="401"[^}]*\} [1-9]/,
    );
  });

  it('answers with a partial result and an error naming a subgraph that is down, and reports it in /readyz', async () => {
    const { apiKey } = await registerAgent({ name: 'partial' });
    await stack.stopService('advisory');
    const res = await graphql<{ me: Record<string, unknown> }>(stack.graphqlUrl, ME, {}, bearer(apiKey));
    expect(res.status).toBe(200);
    expect(res.body.data!.me).toMatchObject({ name: 'partial', votes: null, calibration: { reports: 0 } });
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('Subgraph "advisory" is unavailable'),
        extensions: expect.objectContaining({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'advisory' }),
      }),
    ]);
    const ready = await fetch(`${stack.gatewayUrl}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { checks: Record<string, { ok: boolean; error?: string }> };
    expect(body.checks['subgraph:advisory']!.ok).toBe(false);
    expect(body.checks['subgraph:ledger']!.ok).toBe(true);
  });
});
