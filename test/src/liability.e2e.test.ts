import { liabilityRulesInput } from '@ecp/test-kit/fixtures';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEcp } from './support/callers';

/**
 * Liability rules as operators and agents use them through the gateway: an agent registered with its
 * organisation, rules defined by an operator (refused for an agent, refused when their shares cannot
 * sum to 1), the effective rules inherited by code, and `ecp liability explain`.
 */
let stack: Stack;
let agentKey: string;
let operatorKey: string;
const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

const ecp = (key: string, ...args: string[]) => runEcp(stack, key, ...args);

const REGISTER =
  'mutation ($i: RegisterAgentInput!) { registerAgent(input: $i) { apiKey agent { id organisation } } }';
const DEFINE =
  'mutation ($i: DefineLiabilityRulesInput!) { defineLiabilityRules(input: $i) { version ledgerIndex createdBy } }';

const rules = liabilityRulesInput();

beforeAll(async () => {
  stack = await startStack();
  const agent = await graphql<{ registerAgent: { apiKey: string; agent: { organisation: string | null } } }>(
    stack.graphqlUrl,
    REGISTER,
    { i: { name: 'pricing-bot', jurisdictions: ['EU/DE'], organisation: ' Acme ' } },
    bearer(stack.adminKey),
  );
  expect(agent.body.errors).toBeUndefined();
  expect(agent.body.data!.registerAgent.agent.organisation).toBe('Acme');
  agentKey = agent.body.data!.registerAgent.apiKey;
  const operator = await graphql<{ registerAgent: { apiKey: string } }>(
    stack.graphqlUrl,
    REGISTER,
    { i: { name: 'ops', roles: ['OPERATOR'] } },
    bearer(stack.adminKey),
  );
  operatorKey = operator.body.data!.registerAgent.apiKey;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('liability rules through the gateway', () => {
  it('serves the agent’s organisation on Agent', async () => {
    const me = await graphql<{ me: { organisation: string | null } }>(
      stack.graphqlUrl,
      '{ me { organisation } }',
      {},
      bearer(agentKey),
    );
    expect(me.body.data!.me.organisation).toBe('Acme');
  });

  it('lets an operator define rules, recorded in the ledger, and refuses an agent and rules that cannot sum to 1', async () => {
    const forbidden = await graphql(stack.graphqlUrl, DEFINE, { i: rules }, bearer(agentKey));
    expect(errorCode(forbidden)).toBe('FORBIDDEN');
    const broken = await graphql(
      stack.graphqlUrl,
      DEFINE,
      { i: { ...rules, takes: { approvers: '0.5', consortium: '0.3', breakGlass: '0.2' } } },
      bearer(operatorKey),
    );
    expect(errorCode(broken)).toBe('BAD_USER_INPUT');
    expect((broken.body.errors![0]!.extensions as { details: { path: string }[] }).details).toEqual([
      expect.objectContaining({ path: 'input.takes' }),
    ]);
    const defined = await graphql<{ defineLiabilityRules: { version: string; ledgerIndex: string } }>(
      stack.graphqlUrl,
      DEFINE,
      { i: rules },
      bearer(operatorKey),
    );
    expect(defined.body.errors).toBeUndefined();
    expect(defined.body.data!.defineLiabilityRules.version).toBe('EU/DE@1');
    const entry = await graphql<{ ledgerEntry: { kind: string } }>(
      stack.graphqlUrl,
      'query ($i: String!) { ledgerEntry(index: $i) { kind } }',
      { i: defined.body.data!.defineLiabilityRules.ledgerIndex },
      bearer(operatorKey),
    );
    expect(entry.body.data!.ledgerEntry.kind).toBe('ecp.liability-rules/v1');
    const effective = await graphql<{ de: { version: string }; fr: { version: string } }>(
      stack.graphqlUrl,
      '{ de: liabilityRules(jurisdiction: "EU/DE/BY") { version } fr: liabilityRules(jurisdiction: "EU/FR") { version } }',
      {},
      bearer(agentKey),
    );
    expect(effective.body.data).toEqual({ de: { version: 'EU/DE@1' }, fr: { version: 'default@1' } });
  });

  it('explains an allocation with `ecp liability explain`', async () => {
    const out = await ecp(
      agentKey,
      'liability',
      'explain',
      '--jurisdiction',
      'EU/DE/BY',
      '--organisation',
      'Acme',
      '--approvers',
      '3',
      '--consortium',
    );
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).toBe('Liability of a decision in EU/DE/BY under EU/DE@1:');
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/).slice(0, 2))).toEqual([
      ['agent', '0.275'],
      ['organisation', '0.275'],
      ['approver', '0.133334'],
      ['approver', '0.133333'],
      ['approver', '0.133333'],
      ['consortium', '0.05'],
      ['total', '1'],
    ]);
    const json = await ecp(agentKey, 'liability', 'explain', '--jurisdiction', 'US', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      rulesVersion: 'default@1',
      shares: [{ party: 'agent', share: '1', ppm: 1_000_000 }],
    });
  });
});
