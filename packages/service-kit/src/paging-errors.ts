import { BadUserInputError } from '@ecp/errors/errors';
import { PothosValidationError } from '@pothos/core';

/**
 * Runs a Relay connection resolver (`resolveCursorConnection`), turning Pothos's refusal of bad paging
 * arguments (`first: -1`, `last` without `before`) into BAD_USER_INPUT: the caller's mistake, not an
 * internal error.
 */
export async function withPagingErrors<R>(resolve: () => R | Promise<R>): Promise<R> {
  try {
    return await resolve();
  } catch (err) {
    if (err instanceof PothosValidationError) {
      const argument = /"(first|last|after|before)"/.exec(err.message)?.[1];
      throw new BadUserInputError(
        `${err.message}.`,
        argument ? [{ path: argument, reason: err.message }] : [{ reason: err.message }],
      );
    }
    throw err;
  }
}
