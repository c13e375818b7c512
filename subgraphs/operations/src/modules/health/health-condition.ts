import { isDeepStrictEqual } from 'node:util';
import { JSONPath } from 'jsonpath-plus';

export type ConditionOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

/**
 * A condition on an environment's JSON body, as Gatus writes them: `$.status == "ok"`,
 * `$.items.length > 0`, `$.version != "x"`. The left side is a JSONPath (jsonpath-plus, with script
 * and filter expressions disabled: a registered condition never runs code), the right a JSON literal.
 */
export interface HealthCondition {
  /** As written. */
  source: string;
  path: string;
  operator: ConditionOperator;
  expected: unknown;
}

/** Why a condition does not parse. */
export class ConditionSyntaxError extends Error {}

// The path runs up to the operator: no spaces or comparison characters in it (filters are refused anyway).
const SHAPE = /^\s*(\$[^\s=!<>]*)\s*(==|!=|<=|>=|<|>)\s*(.*?)\s*$/;
const ORDERING: ReadonlySet<ConditionOperator> = new Set(['<', '<=', '>', '>=']);

/** Parses a condition, or throws ConditionSyntaxError saying what is wrong with it. */
export function parseCondition(source: string): HealthCondition {
  const shape = SHAPE.exec(source);
  if (!shape) {
    throw new ConditionSyntaxError(
      'must read `<JSONPath> <operator> <JSON literal>`, e.g. `$.status == "ok"` (operators ==, !=, <, <=, >, >=)',
    );
  }
  const [, path, operator, literal] = shape as unknown as [string, string, ConditionOperator, string];
  if (path.includes('(')) {
    throw new ConditionSyntaxError('filter and script expressions are not allowed in the JSONPath');
  }
  try {
    JSONPath({ path, json: {}, eval: false, wrap: true });
  } catch (err) {
    throw new ConditionSyntaxError(`the JSONPath ${path} does not parse: ${(err as Error).message}`);
  }
  if (literal === '') throw new ConditionSyntaxError(`nothing to compare with after ${operator}`);
  let expected: unknown;
  try {
    expected = JSON.parse(literal);
  } catch {
    throw new ConditionSyntaxError(
      `${literal} is not a JSON literal (quote strings: "ok"; numbers, true, false, null as they are)`,
    );
  }
  if (ORDERING.has(operator) && typeof expected !== 'number') {
    throw new ConditionSyntaxError(`${operator} compares numbers: ${literal} is not one`);
  }
  return { source: source.trim(), path, operator, expected };
}

/**
 * Whether the body satisfies the condition: null when it does, else why not (the failure a health run
 * records). One match is compared as it is; several are compared as the array of them.
 */
export function conditionFailure(condition: HealthCondition, body: unknown): string | null {
  let matches: unknown[];
  try {
    matches = (JSONPath({ path: condition.path, json: body as object, eval: false, wrap: true }) ??
      []) as unknown[];
  } catch (err) {
    return `${condition.source}: ${(err as Error).message}`;
  }
  if (matches.length === 0) return `${condition.source}: ${condition.path} matches nothing`;
  const actual = matches.length === 1 ? matches[0] : matches;
  if (holds(condition.operator, actual, condition.expected)) return null;
  return `${condition.source}: got ${preview(actual)}`;
}

function holds(operator: ConditionOperator, actual: unknown, expected: unknown): boolean {
  switch (operator) {
    case '==':
      return isDeepStrictEqual(actual, expected);
    case '!=':
      return !isDeepStrictEqual(actual, expected);
    default: {
      if (typeof actual !== 'number' || typeof expected !== 'number') return false;
      if (operator === '<') return actual < expected;
      if (operator === '<=') return actual <= expected;
      if (operator === '>') return actual > expected;
      return actual >= expected;
    }
  }
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
