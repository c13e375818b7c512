import { jsonProfileProblems, numberLiteralProblem } from '@ecp/ledger-format/json-profile';
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { JSONObjectResolver } from 'graphql-scalars';

/**
 * `JSONObject` that refuses what the ledger could not keep exactly as sent (see
 * `@ecp/ledger-format/json-profile`): U+0000, lone surrogates, noncharacters, and numbers whose
 * canonical form would differ from what was written — from variables and from literals in the
 * document alike (a literal `12345678901234567890` would otherwise become 12345678901234567000).
 * Numbers in variables are checked as written by the HTTP layer's strict JSON parser.
 */
export const StrictJSONObjectResolver = new GraphQLScalarType({
  ...JSONObjectResolver.toConfig(),
  description:
    'A JSON object. Strings must be Unicode text without U+0000; numbers must be written as their shortest exact form (integers within ±(2^53−1)); send other values as strings.',
  parseValue: (value) => checked(JSONObjectResolver.parseValue(value), []),
  parseLiteral: (ast, variables) =>
    checked(JSONObjectResolver.parseLiteral(ast, variables), literalNumberProblems(ast, [])),
});

type Problem = { path: string; reason: string };

function checked(value: unknown, literalProblems: Problem[]): Record<string, unknown> {
  const problems = [
    ...literalProblems,
    ...jsonProfileProblems(value, 5).map((p) => ({ path: p.path.join('.'), reason: p.reason })),
  ].slice(0, 5);
  if (problems.length > 0) {
    throw new GraphQLError(
      `JSONObject cannot be kept exactly as sent: ${problems.map((d) => `${d.path} ${d.reason}`).join('; ')}`,
      { extensions: { code: 'BAD_USER_INPUT', details: problems } },
    );
  }
  return value as Record<string, unknown>;
}

/** Number literals in the document that their canonical form would not give back, with where they are. */
function literalNumberProblems(node: ValueNode, path: (string | number)[]): Problem[] {
  switch (node.kind) {
    case Kind.INT:
    case Kind.FLOAT: {
      const reason = numberLiteralProblem(node.value);
      return reason ? [{ path: path.join('.'), reason }] : [];
    }
    case Kind.LIST:
      return node.values.flatMap((v, i) => literalNumberProblems(v, [...path, i]));
    case Kind.OBJECT:
      return node.fields.flatMap((f) => literalNumberProblems(f.value, [...path, f.name.value]));
    default:
      return [];
  }
}
