import { newId } from '@ecp/db/ids';
import { type Principal, servicePrincipal } from '@ecp/identity/principal';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { learningSubgraph } from '../src/subgraph';

let sg: SubgraphUnderTest;
const person = (roles: Principal['roles']): Principal => ({
  kind: 'agent',
  id: newId(),
  name: 'someone',
  roles,
  jurisdictions: [],
});
const operator = person(['OPERATOR']);
const agent = person(['AGENT']);

const DEFINE = `mutation ($input: DefineJurisdictionInput!) { defineJurisdiction(input: $input) {
  code version parent { code } riskWeight frictionThreshold policy { riskWeight frictionThreshold divergenceThreshold version }
} }`;
const POLICY = `query ($code: String!) { jurisdictionPolicy(code: $code) {
  code definedAt version riskWeight frictionThreshold divergenceThreshold categoriesRequiringApproval approvalRules { category approvers }
} }`;

beforeAll(async () => {
  sg = await startSubgraph(() => learningSubgraph());
});

afterAll(async () => {
  await sg?.stop();
});

async function define(input: Record<string, unknown>, as: Principal = operator) {
  return graphql<{ defineJurisdiction: { code: string; version: number; parent: { code: string } | null } }>(
    sg.url,
    DEFINE,
    { input },
    { as },
  );
}

async function versions(): Promise<number> {
  const [row] = await sg
    .em()
    .getConnection()
    .execute<{ n: string }[]>('select count(*) as n from learning.jurisdiction_version');
  return Number(row!.n);
}

describe('defineJurisdiction', () => {
  it('builds a tree whose policies inherit, versioned on each redefinition', async () => {
    const eu = await define({
      code: 'EU',
      riskWeight: 0.6,
      categoriesRequiringApproval: ['payments'],
      approvalRules: [{ category: 'payments', approvers: 2 }],
    });
    expect(eu.body.errors).toBeUndefined();
    expect(eu.body.data!.defineJurisdiction).toMatchObject({ code: 'EU', version: 1, parent: null });
    const de = await define({ code: 'EU/DE', frictionThreshold: 0.4 });
    expect(de.body.data!.defineJurisdiction).toMatchObject({ version: 1, parent: { code: 'EU' } });

    const policy = async (code: string, as: Principal = agent) =>
      (await graphql<{ jurisdictionPolicy: Record<string, unknown> }>(sg.url, POLICY, { code }, { as })).body
        .data!.jurisdictionPolicy;
    const before = await policy('EU/DE/BY');
    expect(before).toMatchObject({
      code: 'EU/DE/BY',
      definedAt: 'EU/DE',
      riskWeight: 0.6,
      frictionThreshold: 0.4,
      divergenceThreshold: 0.5,
      categoriesRequiringApproval: ['payments'],
      approvalRules: [{ category: 'payments', approvers: 2 }],
    });
    // A service acting for someone reads it too (the ledger's firewall does).
    expect(await policy('EU/DE/BY', servicePrincipal('ledger'))).toEqual(before);

    const again = await define({ code: 'EU', riskWeight: 0.9 });
    expect(again.body.data!.defineJurisdiction.version).toBe(2);
    const after = await policy('EU/DE/BY');
    expect(after).toMatchObject({ riskWeight: 0.9, categoriesRequiringApproval: [], approvalRules: [] });
    expect(after.version).not.toBe(before.version);

    const read = await graphql<{ jurisdiction: { history: { version: number; riskWeight: number }[] } }>(
      sg.url,
      '{ jurisdiction(code: "EU") { definedAt history { version riskWeight } children { code } } }',
      {},
      { as: agent },
    );
    expect(read.body.data!.jurisdiction).toEqual({
      definedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      history: [
        { version: 2, riskWeight: 0.9 },
        { version: 1, riskWeight: 0.6 },
      ],
      children: [{ code: 'EU/DE' }],
    });
    const missing = await graphql(sg.url, '{ jurisdiction(code: "NOWHERE") { code } }', {}, { as: agent });
    expect(missing.body).toEqual({ data: { jurisdiction: null } });
  });

  it('refuses bad input, a missing parent, a cycle and non-operators, changing nothing', async () => {
    await define({ code: 'ROOT' });
    await define({ code: 'ROOT/A' });
    const count = await versions();
    const refusals: [Record<string, unknown>, string, string | undefined][] = [
      [{ code: 'eu/de' }, 'BAD_USER_INPUT', 'input.code'],
      [{ code: 'X', parent: 'NOPE' }, 'BAD_USER_INPUT', 'input.parent'],
      [{ code: 'ROOT', parent: 'ROOT/A' }, 'BAD_USER_INPUT', 'input.parent'],
      [{ code: 'ROOT', parent: 'ROOT' }, 'BAD_USER_INPUT', 'input.parent'],
      [{ code: 'X', riskWeight: 1.5 }, 'BAD_USER_INPUT', 'input.riskWeight'],
      [{ code: 'X', frictionThreshold: 0 }, 'BAD_USER_INPUT', 'input.frictionThreshold'],
      [{ code: 'X', divergenceThreshold: 1.01 }, 'BAD_USER_INPUT', 'input.divergenceThreshold'],
      [
        { code: 'X', categoriesRequiringApproval: ['Payments'] },
        'BAD_USER_INPUT',
        'input.categoriesRequiringApproval.0',
      ],
      [
        { code: 'X', approvalRules: [{ category: 'payments', approvers: 11 }] },
        'BAD_USER_INPUT',
        'input.approvalRules.0.approvers',
      ],
      [
        { code: 'X', approvalRules: [{ category: 'payments', approvers: 0 }] },
        'BAD_USER_INPUT',
        'input.approvalRules.0.approvers',
      ],
    ];
    for (const [input, code, path] of refusals) {
      const res = await define(input);
      expect(errorCode(res), JSON.stringify(input)).toBe(code);
      const details = (res.body.errors?.[0]?.extensions?.details ?? []) as { path: string }[];
      expect(details.map((d) => d.path)).toContain(path);
    }
    const forbidden = await define({ code: 'X' }, agent);
    expect(errorCode(forbidden)).toBe('FORBIDDEN');
    expect(await versions()).toBe(count);
  });
});
