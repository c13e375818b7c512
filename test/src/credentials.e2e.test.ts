import { agentInput, decisionInput } from '@ecp/test-kit/fixtures';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

/**
 * Credentials through the gateway, as a client holds them: API keys that can be listed, rotated and
 * revoked, access tokens that die with the key they were minted from and never outlive their parent,
 * and open subscriptions that end when their credential does.
 */
const AUTH_CACHE_TTL_MS = 1000;
let stack: Stack;
const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  stack = await startStack({ extraEnv: { AUTH_CACHE_TTL_MS: String(AUTH_CACHE_TTL_MS) } });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function registerAgent(name: string): Promise<{ apiKey: string; id: string }> {
  const res = await graphql<{ registerAgent: { apiKey: string; agent: { id: string } } }>(
    stack.graphqlUrl,
    'mutation ($i: RegisterAgentInput!) { registerAgent(input: $i) { apiKey agent { id } } }',
    { i: agentInput({ name }) },
    bearer(stack.adminKey),
  );
  return { apiKey: res.body.data!.registerAgent.apiKey, id: res.body.data!.registerAgent.agent.id };
}

async function mint(credential: string, ttlSeconds: number) {
  return graphql<{ issueAccessToken: { token: string; expiresAt: string } }>(
    stack.graphqlUrl,
    'mutation ($t: Int) { issueAccessToken(ttlSeconds: $t) { token expiresAt } }',
    { t: ttlSeconds },
    bearer(credential),
  );
}

async function whoAmI(credential: string) {
  return graphql<{ me: { id: string } }>(stack.graphqlUrl, '{ me { id } }', {}, bearer(credential));
}

async function keyIds(credential: string): Promise<string[]> {
  const res = await graphql<{ me: { apiKeys: { id: string }[] } }>(
    stack.graphqlUrl,
    '{ me { apiKeys { id } } }',
    {},
    bearer(credential),
  );
  return res.body.data!.me.apiKeys.map((k) => k.id);
}

async function revoke(credential: string, id: string) {
  return graphql(
    stack.graphqlUrl,
    'mutation ($id: ID!) { revokeApiKey(id: $id) { active } }',
    { id },
    bearer(credential),
  );
}

/** Polls until `credential` is refused, or fails after `withinMs`; returns how long it took. */
async function refusedWithin(credential: string, withinMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    const res = await whoAmI(credential);
    if (res.status === 401 && errorCode(res) === 'UNAUTHENTICATED') return Date.now() - started;
    await sleep(100);
  }
  throw new Error(`still accepted ${withinMs} ms after revocation`);
}

/** A graphql-ws connection subscribed to decisions; resolves `closed` with the close code. */
function subscribed(credential: string) {
  const ws = new WebSocket(stack.websocketUrl, 'graphql-transport-ws');
  let messages = 0;
  const ready = new Promise<void>((resolve, reject) => {
    ws.on('open', () =>
      ws.send(
        JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${credential}` } }),
      ),
    );
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string };
      if (message.type === 'connection_ack') {
        ws.send(
          JSON.stringify({
            id: '1',
            type: 'subscribe',
            payload: { query: 'subscription { decisionRecorded { id } }' },
          }),
        );
        setTimeout(resolve, 300);
      } else if (message.type === 'next') {
        messages++;
      }
    });
    ws.on('error', reject);
  });
  const closed = new Promise<{ code: number; at: number }>((resolve) =>
    ws.on('close', (code) => resolve({ code, at: Date.now() })),
  );
  return { ready, closed, received: () => messages, ws };
}

describe('access tokens', () => {
  it('never outlive the token that minted them, and cannot mint API keys', async () => {
    const agent = await registerAgent('chainer');
    const parent = (await mint(agent.apiKey, 300)).body.data!.issueAccessToken;
    const child = await mint(parent.token, 3600);
    expect(child.body.errors).toBeUndefined();
    expect(Date.parse(child.body.data!.issueAccessToken.expiresAt)).toBeLessThanOrEqual(
      Date.parse(parent.expiresAt),
    );
    const grandchild = (await mint(child.body.data!.issueAccessToken.token, 3600)).body.data!
      .issueAccessToken;
    expect(Date.parse(grandchild.expiresAt)).toBeLessThanOrEqual(Date.parse(parent.expiresAt));
    const mintedKey = await graphql(
      stack.graphqlUrl,
      'mutation { createApiKey { apiKey } }',
      {},
      bearer(grandchild.token),
    );
    expect(errorCode(mintedKey)).toBe('FORBIDDEN');
  });

  it('stop working, whole chains of them, within the auth cache period once their API key is revoked', async () => {
    const agent = await registerAgent('revoked-chain');
    const parent = (await mint(agent.apiKey, 600)).body.data!.issueAccessToken.token;
    const child = (await mint(parent, 600)).body.data!.issueAccessToken.token;
    for (const credential of [agent.apiKey, parent, child])
      expect((await whoAmI(credential)).status).toBe(200);
    const [keyId] = await keyIds(agent.apiKey);
    expect((await revoke(agent.apiKey, keyId!)).body.errors).toBeUndefined();
    for (const credential of [agent.apiKey, parent, child]) {
      expect(await refusedWithin(credential, AUTH_CACHE_TTL_MS + 1500)).toBeLessThanOrEqual(
        AUTH_CACHE_TTL_MS + 1500,
      );
    }
    expect((await whoAmI(child)).body.errors![0]!.message).toMatch(/minted from has been revoked/);
  });
});

describe('API keys', () => {
  it('are listed with their last use and rotated without an outage; the old key ends when told', async () => {
    const agent = await registerAgent('rotator');
    await whoAmI(agent.apiKey);
    const listed = await graphql<{
      me: { apiKeys: { id: string; hint: string; lastUsedAt: string | null }[] };
    }>(stack.graphqlUrl, '{ me { apiKeys { id hint lastUsedAt } } }', {}, bearer(agent.apiKey));
    const [key] = listed.body.data!.me.apiKeys;
    expect(key!.hint).toBe(`${agent.apiKey.slice(0, 10)}…`);
    expect(key!.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed.body)).not.toContain(agent.apiKey);

    const rotated = await graphql<{ rotateApiKey: { apiKey: string } }>(
      stack.graphqlUrl,
      'mutation ($id: ID!) { rotateApiKey(id: $id, overlapSeconds: 0) { apiKey } }',
      { id: key!.id },
      bearer(agent.apiKey),
    );
    const successor = rotated.body.data!.rotateApiKey.apiKey;
    expect((await whoAmI(successor)).body.data!.me.id).toBe(agent.id);
    await refusedWithin(agent.apiKey, AUTH_CACHE_TTL_MS + 1500);
    expect((await whoAmI(successor)).status).toBe(200);
  });

  it('may be revoked by an admin, and by nobody else but their holder', async () => {
    const holder = await registerAgent('holder');
    const stranger = await registerAgent('stranger');
    const [keyId] = await keyIds(holder.apiKey);
    expect(errorCode(await revoke(stranger.apiKey, keyId!))).toBe('FORBIDDEN');
    expect((await whoAmI(holder.apiKey)).status).toBe(200);
    expect((await revoke(stack.adminKey, keyId!)).body.errors).toBeUndefined();
    await refusedWithin(holder.apiKey, AUTH_CACHE_TTL_MS + 1500);
  });
});

describe('open subscriptions', () => {
  it('are closed with 4401 within the auth cache period once their API key, or the key behind their token, is revoked', async () => {
    const watcher = await registerAgent('watcher');
    const recorder = await registerAgent('recorder');
    const token = (await mint(watcher.apiKey, 600)).body.data!.issueAccessToken.token;
    const byKey = subscribed(watcher.apiKey);
    const byToken = subscribed(token);
    const bystander = subscribed(recorder.apiKey);
    await Promise.all([byKey.ready, byToken.ready, bystander.ready]);
    const record = () =>
      graphql(
        stack.graphqlUrl,
        'mutation ($i: RecordDecisionInput!) { recordDecision(input: $i) { ledgerIndex } }',
        { i: decisionInput({ jurisdiction: 'EU' }) },
        bearer(recorder.apiKey),
      );
    await record();
    await sleep(500);
    expect(byKey.received()).toBeGreaterThan(0);
    expect(byToken.received()).toBeGreaterThan(0);

    const [keyId] = await keyIds(watcher.apiKey);
    const revokedAt = Date.now();
    await revoke(stack.adminKey, keyId!);
    // Events keep flowing; the revoked connections must end on their own.
    const traffic = setInterval(() => void record(), 200);
    try {
      const [key, viaToken] = await Promise.all([byKey.closed, byToken.closed]);
      for (const closed of [key, viaToken]) {
        expect(closed.code).toBe(4401);
        // Within one re-check period of the cache expiring, with slack for a loaded machine.
        expect(closed.at - revokedAt).toBeLessThan(2 * AUTH_CACHE_TTL_MS + 1500);
      }
    } finally {
      clearInterval(traffic);
    }
    expect(bystander.ws.readyState).toBe(WebSocket.OPEN);
    const metrics = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
    expect(metrics).toMatch(/ecp_ws_credential_revoked_disconnects_total\{[^}]*\} 2/);
    bystander.ws.close();
  });
});
