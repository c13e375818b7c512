import { getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DEFAULT_COST_MODEL, operationCost } from '../src/limits/operation-cost';
import { countTokens, isIntrospection, withoutSuggestions } from '../src/limits/operation-limits';

const costOf = (query: string, variables: Record<string, unknown> = {}) => {
  const document = parse(query);
  return operationCost(document, getOperationAST(document)!, variables);
};

describe('operationCost', () => {
  it('counts a field a point and multiplies a connection by the page it asks for', () => {
    expect(costOf('{ me { id name } }')).toBe(3);
    // agents: 1 + 10 × edges(1 + node(1 + id + name)) = 1 + 10 × 4
    expect(costOf('{ agents(first: 10) { edges { node { id name } } } }')).toBe(41);
    expect(costOf('{ agents(first: 100) { edges { node { id name } } } }')).toBe(401);
  });

  it('reads the page size from variables, so `first: $n` costs what it asks for', () => {
    const query = 'query ($n: Int) { agents(first: $n) { edges { node { id } } } }';
    expect(costOf(query, { n: 5 })).toBe(1 + 5 * 3);
    expect(costOf(query, { n: 100 })).toBe(1 + 100 * 3);
    // Not given: the default page.
    expect(costOf(query, {})).toBe(1 + DEFAULT_COST_MODEL.defaultPageSize * 3);
  });

  it('prices nested pages multiplicatively, and a connection without `first` at the default page', () => {
    const nested =
      '{ agents(first: 10) { edges { node { votes(first: 10) { edges { node { option } } } } } } }';
    // votes: 1 + 10 × 3 = 31; node: 1 + 31; edges: 1 + 32; agents: 1 + 10 × 33
    expect(costOf(nested)).toBe(331);
    expect(costOf('{ agents { edges { node { id } } } }')).toBe(1 + 20 * 3);
  });

  it('prices fragments where they are spread, and a mutation more than the fields it answers with', () => {
    const viaFragment =
      'query { agents(first: 10) { ...Page } } fragment Page on AgentConnection { edges { node { id } } }';
    expect(costOf(viaFragment)).toBe(costOf('{ agents(first: 10) { edges { node { id } } } }'));
    expect(costOf('mutation { revokeApiKey(id: "x") { id } }')).toBe(DEFAULT_COST_MODEL.mutationCost + 2);
  });

  it('does not loop on a fragment cycle (validation refuses it; the price stays finite)', () => {
    const cyclic = 'query { me { ...A } } fragment A on Agent { id ...B } fragment B on Agent { name ...A }';
    expect(costOf(cyclic)).toBe(3);
  });
});

describe('countTokens', () => {
  it('counts lexical tokens and stops one past the limit', () => {
    expect(countTokens('{ me { id } }', 100)).toBe(6);
    const huge = `{ ${Array.from({ length: 2000 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    expect(countTokens(huge, 3000)).toBe(3001);
    expect(countTokens(huge, 50)).toBe(51);
  });

  it('stops at a syntax error and leaves it to the parser', () => {
    expect(countTokens('{ me { id } } "unterminated', 100)).toBe(6);
  });
});

describe('isIntrospection', () => {
  it('finds __schema and __type anywhere, not __typename', () => {
    expect(isIntrospection(parse('{ __schema { queryType { name } } }'))).toBe(true);
    expect(
      isIntrospection(parse('query { ...F } fragment F on Query { __type(name: "Agent") { name } }')),
    ).toBe(true);
    expect(isIntrospection(parse('{ me { __typename id } }'))).toBe(false);
  });
});

describe('withoutSuggestions', () => {
  it('takes graphql-js suggestions out of a message and keeps the rest', () => {
    expect(withoutSuggestions('Cannot query field "nam" on type "Agent". Did you mean "name"?')).toBe(
      'Cannot query field "nam" on type "Agent".',
    );
    expect(withoutSuggestions('Unknown argument "frist". Did you mean "first" or "last"?')).toBe(
      'Unknown argument "frist".',
    );
    expect(withoutSuggestions('Query is nested too deeply.')).toBe('Query is nested too deeply.');
  });
});
