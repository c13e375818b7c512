import { describe, expect, it } from 'vitest';
import {
  ConditionSyntaxError,
  conditionFailure,
  parseCondition,
} from '../src/modules/health/health-condition';
import { nextHealthState } from '../src/modules/health/health-judgement';

/** Conditions on a JSON body (`<JSONPath> <operator> <JSON literal>`) and the thresholds, as pure functions. */
describe('parseCondition', () => {
  it('reads a JSONPath, an operator and a JSON literal', () => {
    expect(parseCondition(' $.status == "ok" ')).toEqual({
      source: '$.status == "ok"',
      path: '$.status',
      operator: '==',
      expected: 'ok',
    });
    expect(parseCondition('$.items.length>0')).toMatchObject({
      path: '$.items.length',
      operator: '>',
      expected: 0,
    });
    expect(parseCondition('$.a.b != null')).toMatchObject({ operator: '!=', expected: null });
    expect(parseCondition('$["x"][0] <= 1.5')).toMatchObject({
      path: '$["x"][0]',
      operator: '<=',
      expected: 1.5,
    });
    expect(parseCondition('$.tags == ["a","b"]').expected).toEqual(['a', 'b']);
  });

  it.each([
    ['status == "ok"', /must read/],
    ['$.status = "ok"', /must read/],
    ['$.status ==', /must read|nothing to compare/],
    ['$.status == ok', /not a JSON literal/],
    ['$.n > "1"', /compares numbers/],
    ['$.items[?(@.price < 10)] == 1', /filter and script/],
    ['$..[(@.length-1)] == 1', /filter and script/],
  ])('refuses %s', (source, reason) => {
    expect(() => parseCondition(source)).toThrow(ConditionSyntaxError);
    expect(() => parseCondition(source)).toThrow(reason);
  });
});

describe('conditionFailure', () => {
  const body = { status: 'ok', items: [{ id: 1 }, { id: 2 }], version: '1.2', n: 3, nested: { a: null } };
  const failure = (source: string, json: unknown = body) => conditionFailure(parseCondition(source), json);

  it('is null when the condition holds', () => {
    for (const source of [
      '$.status == "ok"',
      '$.items.length > 1',
      '$.items.length >= 2',
      '$.n < 4',
      '$.n <= 3',
      '$.version != "x"',
      '$.nested.a == null',
      '$.nested == {"a":null}',
      '$.items[*].id == [1,2]',
    ]) {
      expect(failure(source), source).toBeNull();
    }
  });

  it('says what was found when it does not', () => {
    expect(failure('$.status == "degraded"')).toBe('$.status == "degraded": got "ok"');
    expect(failure('$.n > 3')).toBe('$.n > 3: got 3');
    expect(failure('$.status > 1')).toBe('$.status > 1: got "ok"');
    expect(failure('$.missing == 1')).toBe('$.missing == 1: $.missing matches nothing');
    expect(failure('$.status == "ok"', 'text')).toMatch(/^\$\.status == "ok": /);
  });
});

describe('nextHealthState', () => {
  const env = { failThreshold: 2, successThreshold: 2 };
  it('changes status only after the threshold of checks in a row', () => {
    let state = { status: 'UNKNOWN' as const, consecutiveFailures: 0, consecutiveSuccesses: 0 } as ReturnType<
      typeof nextHealthState
    >;
    const step = (ok: boolean) => {
      state = nextHealthState({ ...env, ...state }, ok);
      return state.status;
    };
    expect([
      step(true),
      step(true),
      step(false),
      step(true),
      step(false),
      step(false),
      step(true),
      step(true),
    ]).toEqual(['UNKNOWN', 'HEALTHY', 'HEALTHY', 'HEALTHY', 'HEALTHY', 'UNHEALTHY', 'UNHEALTHY', 'HEALTHY']);
  });
});
