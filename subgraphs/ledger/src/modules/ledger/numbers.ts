import { BadUserInputError } from '@ecp/errors/errors';

const UINT64 = /^(0|[1-9][0-9]{0,19})$/;
const MAX = (1n << 64n) - 1n;

/**
 * Indexes and tree sizes travel as decimal strings (GraphQL's Int is 32-bit). Parses one, refusing
 * anything that is not a canonical unsigned 64-bit decimal.
 */
export function parseUint64(value: string, path: string): bigint {
  if (!UINT64.test(value) || BigInt(value) > MAX) {
    throw new BadUserInputError(`${path} must be a non-negative integer below 2^64, written in decimal.`, [
      { path, reason: `"${value}" is not an unsigned 64-bit decimal` },
    ]);
  }
  return BigInt(value);
}
