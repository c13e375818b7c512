import { BadUserInputError } from '@ecp/errors/errors';

const DECIMAL = /^(0|[1-9][0-9]{0,18})$/;

/** The largest index or tree size the ledger can hold: its columns are PostgreSQL bigints. */
export const MAX_LEDGER_NUMBER = (1n << 63n) - 1n;

/**
 * Indexes and tree sizes travel as decimal strings (GraphQL's Int is 32-bit). Parses one, refusing
 * anything that is not a canonical decimal in [0, 2^63) with BAD_USER_INPUT, before it reaches SQL.
 */
export function parseLedgerNumber(value: string, path: string): bigint {
  if (!DECIMAL.test(value) || BigInt(value) > MAX_LEDGER_NUMBER) {
    throw new BadUserInputError(`${path} must be a non-negative integer below 2^63, written in decimal.`, [
      { path, reason: `"${value.slice(0, 40)}" is not a decimal in [0, 2^63)` },
    ]);
  }
  return BigInt(value);
}
