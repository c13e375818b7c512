import { hashApiKey } from '@ecp/identity/api-key';
import { IDENTITY_HEADER, signIdentity } from '@ecp/identity/identity-header';
import { type Principal, servicePrincipal } from '@ecp/identity/principal';
import { agentInput } from '@ecp/test-kit/fixtures';
import { errorCode, graphql, TEST_IDENTITY_SECRET } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdmin, principalOf } from '../src/modules/agents/agent.service';
import { MAX_LIVE_KEYS } from '../src/modules/api-keys/api-key.service';
import { API_KEY_LOOKUP_PATH } from '../src/modules/api-keys/api-key-lookup.route';
import { OPEN_GATE } from '../src/modules/firewall/firewall-advice';
import { ledgerSubgraph } from '../src/subgraph';
import { testLedgerConfig } from './ledger-config';

let sg: SubgraphUnderTest;
let admin: Principal;

beforeAll(async () => {
  sg = await startSubgraph(
    (url) => ledgerSubgraph(testLedgerConfig(url), { firewall: OPEN_GATE }),
    testLedgerConfig,
  );
  const boot = await bootstrapAdmin(sg.em());
  admin = { ...principalOf(boot!.agent), credential: { apiKeyId: await firstKeyId(boot!.agent.id) } };
});

afterAll(async () => {
  await sg?.stop();
});

interface Holder {
  principal: Principal;
  apiKey: string;
}

async function firstKeyId(agentId: string): Promise<string> {
  const rows = (await sg
    .em()
    .getConnection()
    .execute('select id from ledger.api_key where agent_id = ? order by created_at limit 1', [agentId])) as {
    id: string;
  }[];
  return rows[0]!.id;
}

/** Registers an agent and returns it as the gateway would forward it: authenticated with its first key. */
async function registered(name: string): Promise<Holder> {
  const res = await graphql<{ registerAgent: { apiKey: string; agent: { id: string } } }>(
    sg.url,
    'mutation ($i: RegisterAgentInput!) { registerAgent(input: $i) { apiKey agent { id } } }',
    { i: agentInput({ name }) },
    { as: admin },
  );
  const { apiKey, agent } = res.body.data!.registerAgent;
  return {
    apiKey,
    principal: {
      kind: 'agent',
      id: agent.id,
      name,
      roles: ['AGENT'],
      jurisdictions: ['EU'],
      credential: { apiKeyId: await firstKeyId(agent.id) },
    },
  };
}

/** What the gateway would hear about a key: live (200) or not (404). */
async function gatewayLookup(apiKey: string): Promise<number> {
  const res = await fetch(`${sg.origin}${API_KEY_LOOKUP_PATH}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [IDENTITY_HEADER]: signIdentity(servicePrincipal('gateway'), TEST_IDENTITY_SECRET),
    },
    body: JSON.stringify({ keyHash: hashApiKey(apiKey) }),
  });
  await res.body?.cancel();
  return res.status;
}

type KeyView = {
  id: string;
  name: string | null;
  hint: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  active: boolean;
};
const KEY_FIELDS = 'id name hint createdAt lastUsedAt revokedAt active';

async function keysOf(agentId: string, as: Principal) {
  return graphql<{ agent: { apiKeys: KeyView[] | null } }>(
    sg.url,
    `query ($id: ID!) { agent(id: $id) { apiKeys { ${KEY_FIELDS} } } }`,
    { id: agentId },
    { as },
  );
}

async function create(as: Principal, input?: Record<string, unknown>) {
  return graphql<{ createApiKey: { apiKey: string; key: KeyView } }>(
    sg.url,
    `mutation ($i: CreateApiKeyInput) { createApiKey(input: $i) { apiKey key { ${KEY_FIELDS} } } }`,
    { i: input ?? null },
    { as },
  );
}

async function revoke(as: Principal, id: string) {
  return graphql<{ revokeApiKey: KeyView }>(
    sg.url,
    `mutation ($id: ID!) { revokeApiKey(id: $id) { ${KEY_FIELDS} } }`,
    { id },
    { as },
  );
}

async function rotate(as: Principal, id: string, overlapSeconds?: number) {
  return graphql<{ rotateApiKey: { apiKey: string; key: KeyView; previous: KeyView } }>(
    sg.url,
    `mutation ($id: ID!, $o: Int) { rotateApiKey(id: $id, overlapSeconds: $o) { apiKey key { ${KEY_FIELDS} } previous { ${KEY_FIELDS} } } }`,
    { id, o: overlapSeconds ?? null },
    { as },
  );
}

describe('listing API keys', () => {
  it('shows a holder its keys with hint and last use, never the key; admins see anyone’s; others nobody’s', async () => {
    const alice = await registered('alice');
    const bob = await registered('bob');
    expect(await gatewayLookup(alice.apiKey)).toBe(200);
    const own = await keysOf(alice.principal.id, alice.principal);
    expect(own.body.errors).toBeUndefined();
    const [key] = own.body.data!.agent.apiKeys!;
    expect(key).toMatchObject({ hint: `${alice.apiKey.slice(0, 10)}…`, active: true, revokedAt: null });
    expect(Date.now() - Date.parse(key!.lastUsedAt!)).toBeLessThan(60_000);
    expect(JSON.stringify(own.body)).not.toContain(alice.apiKey);
    expect(JSON.stringify(own.body)).not.toContain(hashApiKey(alice.apiKey));
    const asAdmin = await keysOf(alice.principal.id, admin);
    expect(asAdmin.body.data!.agent.apiKeys).toHaveLength(1);
    const asBob = await keysOf(alice.principal.id, bob.principal);
    expect(asBob.body.data!.agent.apiKeys).toBeNull();
    expect(errorCode(asBob)).toBe('FORBIDDEN');
  });
});

describe('revoking API keys', () => {
  it('lets the holder revoke its own key and an admin any key; the lookup the gateway makes stops at once', async () => {
    const alice = await registered('alice-r');
    const bob = await registered('bob-r');
    const second = (await create(alice.principal, { name: 'ci' })).body.data!.createApiKey;
    expect(await gatewayLookup(second.apiKey)).toBe(200);

    const forbidden = await revoke(bob.principal, second.key.id);
    expect(errorCode(forbidden)).toBe('FORBIDDEN');
    expect(await gatewayLookup(second.apiKey)).toBe(200);

    const own = await revoke(alice.principal, second.key.id);
    expect(own.body.data!.revokeApiKey).toMatchObject({ id: second.key.id, active: false, name: 'ci' });
    expect(await gatewayLookup(second.apiKey)).toBe(404);
    // Revoking again changes nothing.
    const again = await revoke(alice.principal, second.key.id);
    expect(again.body.data!.revokeApiKey.revokedAt).toBe(own.body.data!.revokeApiKey.revokedAt);

    const byAdmin = await revoke(admin, alice.principal.credential!.apiKeyId!);
    expect(byAdmin.body.data!.revokeApiKey.active).toBe(false);
    expect(await gatewayLookup(alice.apiKey)).toBe(404);
    const revokedBy = (await sg
      .em()
      .getConnection()
      .execute('select revoked_by from ledger.api_key where id = ?', [
        alice.principal.credential!.apiKeyId!,
      ])) as {
      revoked_by: string;
    }[];
    expect(revokedBy[0]!.revoked_by).toBe(admin.id);
    expect(errorCode(await revoke(admin, '01936f7e-0000-7000-8000-000000000000'))).toBe('NOT_FOUND');
  });

  it('refuses to revoke the last live key of the last admin', async () => {
    const res = await revoke(admin, admin.credential!.apiKeyId!);
    expect(errorCode(res)).toBe('CONFLICT');
    expect(res.body.errors![0]!.message).toMatch(/last live API key of any admin/);
    const spare = (await create(admin, { name: 'spare' })).body.data!.createApiKey;
    expect((await revoke(admin, spare.key.id)).body.data!.revokeApiKey.active).toBe(false);
  });
});

describe('creating and rotating API keys', () => {
  it('issues keys to the caller or, for admins, to anyone — never with an access token, and only so many', async () => {
    const alice = await registered('alice-c');
    const bob = await registered('bob-c');
    const forOther = await create(bob.principal, { agentId: alice.principal.id });
    expect(errorCode(forOther)).toBe('FORBIDDEN');
    const viaToken: Principal = {
      ...alice.principal,
      credential: {
        apiKeyId: alice.principal.credential!.apiKeyId!,
        expiresAt: Math.floor(Date.now() / 1000) + 600,
      },
    };
    const tokenCreate = await create(viaToken);
    expect(errorCode(tokenCreate)).toBe('FORBIDDEN');
    expect(tokenCreate.body.errors![0]!.message).toMatch(/Access tokens cannot create API keys/);
    const tokenRotate = await rotate(viaToken, alice.principal.credential!.apiKeyId!);
    expect(errorCode(tokenRotate)).toBe('FORBIDDEN');

    const byAdmin = await create(admin, { agentId: alice.principal.id, name: 'from admin' });
    expect(byAdmin.body.data!.createApiKey.apiKey).toMatch(/^ecp_/);
    expect(await gatewayLookup(byAdmin.body.data!.createApiKey.apiKey)).toBe(200);
    for (let i = 2; i < MAX_LIVE_KEYS; i++)
      expect((await create(alice.principal)).body.errors).toBeUndefined();
    const tooMany = await create(alice.principal);
    expect(errorCode(tooMany)).toBe('CONFLICT');
    expect(errorCode(await create(alice.principal, { name: ' ' }))).toBe('BAD_USER_INPUT');
  });

  it('rotates: the successor works at once, the old key until the overlap ends', async () => {
    const alice = await registered('alice-o');
    const oldId = alice.principal.credential!.apiKeyId!;
    const rotated = (await rotate(alice.principal, oldId, 3600)).body.data!.rotateApiKey;
    expect(rotated.key.active).toBe(true);
    expect(rotated.previous).toMatchObject({ id: oldId, active: true });
    const overlapEnds = Date.parse(rotated.previous.revokedAt!);
    expect(Math.abs(overlapEnds - (Date.now() + 3600_000))).toBeLessThan(60_000);
    expect(await gatewayLookup(rotated.apiKey)).toBe(200);
    expect(await gatewayLookup(alice.apiKey)).toBe(200);
    expect(errorCode(await rotate(alice.principal, oldId))).toBe('CONFLICT');
    // Revoking a key whose overlap is still running ends it now.
    expect((await revoke(alice.principal, oldId)).body.data!.revokeApiKey.active).toBe(false);
    expect(await gatewayLookup(alice.apiKey)).toBe(404);

    const immediate = (await rotate(alice.principal, rotated.key.id, 0)).body.data!.rotateApiKey;
    expect(immediate.previous.active).toBe(false);
    expect(await gatewayLookup(rotated.apiKey)).toBe(404);
    expect(await gatewayLookup(immediate.apiKey)).toBe(200);
    expect(errorCode(await rotate(alice.principal, immediate.key.id, -1))).toBe('BAD_USER_INPUT');
    expect(errorCode(await rotate(alice.principal, immediate.key.id, 10 ** 9))).toBe('BAD_USER_INPUT');
  });
});
