import { GraphQLError } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import {
  BadUserInputError,
  ERROR_CODES,
  ForbiddenError,
  InvalidAdviceError,
  NotFoundError,
  UnknownPrecedentError,
} from './errors';
import { formatGraphQLError, toGraphQLError } from './graphql-errors';

describe('errors at the GraphQL boundary', () => {
  it('keeps the code and details of a known error', () => {
    const err = new BadUserInputError('name is empty', [{ path: 'input.name', reason: 'must not be empty' }]);
    const wrapped = new GraphQLError('wrapped', { originalError: err, path: ['registerAgent'] });
    const onUnexpected = vi.fn();
    const formatted = formatGraphQLError(wrapped.toJSON(), wrapped, onUnexpected);
    expect(formatted).toMatchObject({
      message: 'name is empty',
      path: ['registerAgent'],
      extensions: { code: 'BAD_USER_INPUT', details: [{ path: 'input.name', reason: 'must not be empty' }] },
    });
    expect(onUnexpected).not.toHaveBeenCalled();
  });

  it('masks unexpected errors and reports them once', () => {
    const bug = new TypeError('cannot read properties of undefined');
    const wrapped = new GraphQLError(bug.message, { originalError: bug });
    const onUnexpected = vi.fn();
    const formatted = formatGraphQLError(wrapped.toJSON(), wrapped, onUnexpected);
    expect(formatted).toEqual({
      message: 'Internal server error',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(onUnexpected).toHaveBeenCalledWith(bug);
  });

  it('passes through errors that already carry a code', () => {
    const err = new GraphQLError('Syntax Error', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    expect(formatGraphQLError(err.toJSON(), err, vi.fn())).toMatchObject({
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
  });

  it('maps each error class to its code and HTTP status', () => {
    expect(toGraphQLError(new ForbiddenError('no')).extensions).toMatchObject({
      code: 'FORBIDDEN',
      http: { status: 403 },
    });
    expect(new NotFoundError('x')).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404 });
  });

  it('refuses advice a decision names as INVALID_ADVICE, with the status of the other refused references', () => {
    const err = new InvalidAdviceError('no such poll', [
      { path: 'input.advice.pollId', reason: 'unknown poll' },
    ]);
    expect(ERROR_CODES).toContain('INVALID_ADVICE');
    expect(err).toMatchObject({
      code: 'INVALID_ADVICE',
      httpStatus: new UnknownPrecedentError('x').httpStatus,
    });
    expect(toGraphQLError(err).extensions).toMatchObject({
      code: 'INVALID_ADVICE',
      details: [{ path: 'input.advice.pollId', reason: 'unknown poll' }],
    });
  });
});
