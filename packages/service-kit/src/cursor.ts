import { BadUserInputError } from '@ecp/errors/errors';

/**
 * Opaque, stable keyset cursors: the sort key of a row (e.g. its creation time and id), so a page
 * boundary never shifts when rows are inserted before it.
 */
export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parts) &&
      parts.length === arity &&
      parts.every((p) => typeof p === 'string' || typeof p === 'number')
    ) {
      return parts;
    }
  } catch {
    // fall through to the typed error below
  }
  throw new BadUserInputError('Invalid pagination cursor: pass a cursor returned by this connection.', [
    { path: 'after', reason: 'not a cursor of this connection' },
  ]);
}
