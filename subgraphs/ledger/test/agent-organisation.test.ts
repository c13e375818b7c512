import { newId } from '@ecp/db/ids';
import type { Principal } from '@ecp/identity/principal';
import { agentInput } from '@ecp/test-kit/fixtures';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerSubgraph } from '../src/subgraph';
import { testLedgerConfig } from './ledger-config';

/** An agent's operator organisation: optional at registration, trimmed, 1–128 characters, served as `Agent.organisation`. */

let sg: SubgraphUnderTest;
const admin: Principal = { kind: 'agent', id: newId(), name: 'root', roles: ['ADMIN'], jurisdictions: [] };

const REGISTER = `mutation ($input: RegisterAgentInput!) {
  registerAgent(input: $input) { agent { id organisation } }
}`;
const AGENT = 'query ($id: ID!) { agent(id: $id) { id name organisation } }';

beforeAll(async () => {
  sg = await startSubgraph((url) => ledgerSubgraph(testLedgerConfig(url)), testLedgerConfig);
  // Registrations name their registering admin, who must exist.
  await sg
    .em()
    .getConnection()
    .execute("insert into ledger.agent (id, name, roles) values (?, 'root', '{ADMIN}')", [admin.id]);
});

afterAll(async () => {
  await sg?.stop();
});

async function agents(): Promise<number> {
  const rows = await sg.em().getConnection().execute('select count(*)::int as n from ledger.agent');
  return (rows[0] as { n: number }).n;
}

function register(input: Record<string, unknown>) {
  return graphql<{ registerAgent: { agent: { id: string; organisation: string | null } } }>(
    sg.url,
    REGISTER,
    { input: agentInput(input) },
    { as: admin },
  );
}

describe('Agent.organisation', () => {
  it('is set at registration, trimmed, stored and served', async () => {
    const res = await register({ name: 'pricing-bot', organisation: '  Acme Pricing GmbH ' });
    expect(res.body.errors).toBeUndefined();
    const { id, organisation } = res.body.data!.registerAgent.agent;
    expect(organisation).toBe('Acme Pricing GmbH');
    const stored = await sg
      .em()
      .getConnection()
      .execute('select organisation from ledger.agent where id = ?', [id]);
    expect(stored).toEqual([{ organisation: 'Acme Pricing GmbH' }]);
    const read = await graphql<{ agent: { organisation: string | null } }>(
      sg.url,
      AGENT,
      { id },
      { as: admin },
    );
    expect(read.body.data!.agent.organisation).toBe('Acme Pricing GmbH');
  });

  it('is null when omitted or null', async () => {
    for (const input of [{ name: 'solo' }, { name: 'solo', organisation: null }]) {
      const res = await register(input);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.registerAgent.agent.organisation).toBeNull();
    }
  });

  it('is 1–128 characters once trimmed: blank or longer is BAD_USER_INPUT, and nothing is registered', async () => {
    const before = await agents();
    for (const [organisation, reason] of [
      ['   ', 'must not be empty'],
      ['', 'must not be empty'],
      ['x'.repeat(129), 'must be at most 128 characters'],
    ] as const) {
      const res = await register({ name: 'bad-org', organisation });
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
      expect(res.body.errors![0]!.extensions!.details).toEqual([{ path: 'input.organisation', reason }]);
    }
    expect(await agents()).toBe(before);
    const longest = await register({ name: 'long-org', organisation: ` ${'x'.repeat(128)} ` });
    expect(longest.body.data!.registerAgent.agent.organisation).toHaveLength(128);
  });
});
