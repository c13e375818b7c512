import { agentInput } from '@ecp/test-kit/fixtures';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What an abusive operation meets at the gateway: every limit refuses before any subgraph is asked,
 * in development with the limit named, in production without; and the cost-weighted rate limit
 * shared by two gateway replicas through Redis.
 */
const LIMITS = {
  MAX_ALIASES: '5',
  MAX_DIRECTIVES: '4',
  MAX_TOKENS: '300',
  MAX_QUERY_COST: '2000',
  RATE_LIMIT_COST_PER_WINDOW: '3000',
  RATE_LIMIT_WINDOW_MS: '60000',
};
let stack: Stack;
let development: string;
let production: string;
const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

beforeAll(async () => {
  stack = await startStack({ extraEnv: { ...LIMITS, NODE_ENV: 'test' } });
  [development, production] = await Promise.all([
    stack.startGatewayReplica({ ...LIMITS, NODE_ENV: 'development' }),
    stack.startGatewayReplica({ ...LIMITS, NODE_ENV: 'production' }),
  ]);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

async function newAgentKey(): Promise<string> {
  const res = await graphql<{ registerAgent: { apiKey: string } }>(
    stack.graphqlUrl,
    'mutation ($input: RegisterAgentInput!) { registerAgent(input: $input) { apiKey } }',
    { input: agentInput({}) },
    bearer(stack.adminKey),
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.registerAgent.apiKey;
}

const graphqlAt = (base: string) => new URL('/graphql', base).toString();
const ledgerGraphqlRequests = () =>
  stack.logs('ledger').filter((l) => l.includes('"path":"/graphql"')).length;
const settle = () => new Promise((r) => setTimeout(r, 400));

const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
const PAGE_OF_PAGES =
  'query ($n: Int) { agents(first: $n) { edges { node { id votes(first: 100) { edges { node { option } } } } } } }';

describe('limits, refused before any subgraph is asked', () => {
  it('refuses 2,000 aliases of `me { id }` by its token count, and six by the alias limit', async () => {
    const key = await newAgentKey();
    await settle();
    const asked = ledgerGraphqlRequests();
    const huge = await graphql(stack.graphqlUrl, aliases(2000), {}, bearer(key));
    expect(huge.status).toBe(400);
    expect(errorCode(huge)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(huge.body.errors![0]!.message).toMatch(/token limit of 300/i);
    const six = await graphql(stack.graphqlUrl, aliases(6), {}, bearer(key));
    expect(six.status).toBe(400);
    expect(errorCode(six)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(six.body.errors![0]!.message).toMatch(/aliases limit of 5 exceeded, found 6/i);
    await settle();
    expect(ledgerGraphqlRequests()).toBe(asked);
    const five = await graphql<Record<string, { id: string }>>(stack.graphqlUrl, aliases(5), {}, bearer(key));
    expect(five.status).toBe(200);
    expect(Object.keys(five.body.data!)).toHaveLength(5);
  });

  it('refuses more directives than the limit', async () => {
    const key = await newAgentKey();
    const fields = (n: number) => Array.from({ length: n }, () => 'id @include(if: true)').join(' ');
    const over = await graphql(stack.graphqlUrl, `{ me { ${fields(5)} } }`, {}, bearer(key));
    expect(over.status).toBe(400);
    expect(over.body.errors![0]!.message).toMatch(/directives limit of 4 exceeded, found 5/i);
    const within = await graphql(stack.graphqlUrl, `{ me { ${fields(4)} } }`, {}, bearer(key));
    expect(within.status).toBe(200);
    expect(within.body.errors, JSON.stringify(within.body.errors)).toBeUndefined();
  });

  it('prices pages from their variables: the same document is refused for a big page and answered for a small one', async () => {
    await settle();
    const asked = ledgerGraphqlRequests();
    const big = await graphql(stack.graphqlUrl, PAGE_OF_PAGES, { n: 100 }, bearer(stack.adminKey));
    expect(big.status).toBe(400);
    expect(errorCode(big)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(big.body.errors![0]!.message).toMatch(/cost 30401 exceeds the limit of 2000/);
    await settle();
    expect(ledgerGraphqlRequests()).toBe(asked);
    const small = await graphql(stack.graphqlUrl, PAGE_OF_PAGES, { n: 2 }, bearer(stack.adminKey));
    expect(small.status).toBe(200);
    expect(small.body.errors).toBeUndefined();
  });
});

describe('what refusals and errors reveal, by environment', () => {
  it('hides "Did you mean …?" outside development and shows it in development', async () => {
    const key = await newAgentKey();
    const typo = '{ me { nam } }';
    const hidden = await graphql(stack.graphqlUrl, typo, {}, bearer(key));
    expect(errorCode(hidden)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(hidden.body.errors![0]!.message).toBe('Cannot query field "nam" on type "Agent".');
    const prod = await graphql(graphqlAt(production), typo, {}, bearer(key));
    expect(prod.body.errors![0]!.message).not.toMatch(/did you mean/i);
    const dev = await graphql(graphqlAt(development), typo, {}, bearer(key));
    expect(dev.body.errors![0]!.message).toMatch(/Did you mean "name"\?/);
  });

  it('names no limit in production', async () => {
    const key = await newAgentKey();
    const six = await graphql(graphqlAt(production), aliases(6), {}, bearer(key));
    expect(six.status).toBe(400);
    expect(six.body.errors![0]!.message).toBe('Query has too many aliases.');
    const huge = await graphql(graphqlAt(production), aliases(2000), {}, bearer(key));
    expect(huge.body.errors![0]!.message).toBe('Query has too many tokens.');
    const big = await graphql(graphqlAt(production), PAGE_OF_PAGES, { n: 100 }, bearer(key));
    expect(big.body.errors![0]!.message).toBe('Query is too expensive; ask for smaller pages.');
  });

  it('opens introspection to people only in production, and to every caller elsewhere', async () => {
    const key = await newAgentKey();
    const introspect = '{ __schema { queryType { name } } }';
    const agentInProduction = await graphql(graphqlAt(production), introspect, {}, bearer(key));
    expect(agentInProduction.status).toBe(403);
    expect(errorCode(agentInProduction)).toBe('FORBIDDEN');
    expect(agentInProduction.body.data).toBeUndefined();
    const adminInProduction = await graphql(graphqlAt(production), introspect, {}, bearer(stack.adminKey));
    expect(adminInProduction.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    const agentElsewhere = await graphql(stack.graphqlUrl, introspect, {}, bearer(key));
    expect(agentElsewhere.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    // __typename is not introspection.
    const typename = await graphql(graphqlAt(production), '{ me { __typename } }', {}, bearer(key));
    expect(typename.body).toEqual({ data: { me: { __typename: 'Agent' } } });
  });
});

describe('the cost-weighted rate limit', () => {
  it('charges each operation its cost from one budget per caller shared by the replicas, then refuses with RATE_LIMITED and Retry-After', async () => {
    const [key, other] = await Promise.all([newAgentKey(), newAgentKey()]);
    // me: 1 + votes (1 + 100 × edges (1 + node (1 + option))) = 302 for a page of 100
    const page = 'query ($n: Int) { me { votes(first: $n) { edges { node { option } } } } }';
    const remaining: number[] = [];
    // Alternate the two replicas: they spend from the same budget in Redis.
    for (let i = 0; i < 9; i += 1) {
      const url = i % 2 === 0 ? stack.graphqlUrl : graphqlAt(development);
      const res = await graphql(url, page, { n: 100 }, bearer(key));
      expect(res.status).toBe(200);
      expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
      expect(res.headers.get('ratelimit-policy')).toBe('"cost";q=3000;w=60');
      const header = res.headers.get('ratelimit') ?? '';
      const match = /^"cost";r=(\d+);t=(\d+)$/.exec(header);
      expect(match, header).not.toBeNull();
      remaining.push(Number(match![1]));
    }
    expect(remaining).toEqual([2698, 2396, 2094, 1792, 1490, 1188, 886, 584, 282]);
    // A cheap read still fits what is left (282 points); a page no longer does.
    const cheap = await graphql(stack.graphqlUrl, '{ me { id } }', {}, bearer(key));
    expect(cheap.status).toBe(200);
    expect(cheap.headers.get('ratelimit')).toMatch(/^"cost";r=280;/);
    const refused = await graphql(graphqlAt(development), page, { n: 100 }, bearer(key));
    expect(refused.status).toBe(429);
    expect(errorCode(refused)).toBe('RATE_LIMITED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body.errors![0]!.extensions!.retryAfterSeconds).toBe(retryAfter);
    expect(refused.body.data).toBeUndefined();
    // Another caller has its own budget.
    const theOther = await graphql(stack.graphqlUrl, page, { n: 100 }, bearer(other));
    expect(theOther.status).toBe(200);
    expect(theOther.headers.get('ratelimit')).toMatch(/^"cost";r=2698;/);
  });
});

describe('known denial-of-service shapes', () => {
  it('refuses thousands of __typename by their token count', async () => {
    const key = await newAgentKey();
    const res = await graphql(stack.graphqlUrl, `{ ${'__typename '.repeat(5000)}}`, {}, bearer(key));
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.body.errors![0]!.message).toMatch(/token limit/i);
  });

  it('refuses a fragment cycle at validation', async () => {
    const key = await newAgentKey();
    const cycle = 'query { me { ...A } } fragment A on Agent { id ...B } fragment B on Agent { name ...A }';
    const res = await graphql(stack.graphqlUrl, cycle, {}, bearer(key));
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.body.errors!.map((e) => e.message).join(' ')).toMatch(
      /cannot spread fragment "A" within itself/i,
    );
  });

  it('counts depth through fragments: nesting hidden in spreads is refused like nesting written out', async () => {
    const key = await newAgentKey();
    // Each fragment goes one level deeper into a decision's precedents: 3 + 10 + 1 levels, past 12.
    const fragments = Array.from(
      { length: 10 },
      (_, i) => `fragment F${i} on Decision { precedents { ${i < 9 ? `...F${i + 1}` : 'id'} } }`,
    ).join(' ');
    const deep = `query { decisions(first: 1) { edges { node { ...F0 } } } } ${fragments}`;
    const res = await graphql(stack.graphqlUrl, deep, {}, bearer(key));
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.body.errors![0]!.message).toMatch(/depth limit of 12 exceeded/i);
  });

  it('answers a variable list of 50,000 items with a typed refusal, never an internal error', async () => {
    const key = await newAgentKey();
    const options = Array.from({ length: 50_000 }, (_, i) => ({ id: `o${i}` }));
    const res = await graphql(
      stack.graphqlUrl,
      'mutation ($input: FrictionInput!) { assessFriction(input: $input) { score } }',
      {
        input: { category: 'pricing', chosenOption: 'o0', confidence: 0.5, jurisdiction: 'EU', options },
      },
      bearer(key),
    );
    const codes = (res.body.errors ?? []).map((e) => e.extensions?.code);
    expect(codes.length).toBeGreaterThan(0);
    expect(codes).not.toContain('INTERNAL_SERVER_ERROR');
    expect(codes[0]).toBe('BAD_USER_INPUT');
  });
});
