import { isUuid } from '@ecp/db/ids';
import { BadUserInputError } from '@ecp/errors/errors';
import { decodeCursor, encodeCursor } from './cursor';

/** One page of a Relay connection as @pothos/plugin-relay's resolveCursorConnection asks for it. */
export interface KeysetPage {
  after?: string;
  before?: string;
  limit: number;
  /** True when paging backwards (`last`/`before`): rows come in reverse order. */
  inverted: boolean;
}

/**
 * Keyset pagination on (timestamp, id), the order most lists here follow: the cursor is the row's sort
 * key, so pages never shift when rows are added. Returns the MikroORM conditions and ordering for a
 * page, oldest first or newest first.
 */
export function timeIdKeyset(
  timeField: string,
  page: KeysetPage,
  order: 'oldest-first' | 'newest-first',
): { where: Record<string, unknown>[]; orderBy: Record<string, 'asc' | 'desc'> } {
  const forward = order === 'oldest-first' ? '$gt' : '$lt';
  const backward = order === 'oldest-first' ? '$lt' : '$gt';
  const where: Record<string, unknown>[] = [];
  const bound = (cursor: string, op: string) => {
    const [at, id] = decodeTimeIdCursor(cursor);
    where.push({ $or: [{ [timeField]: { [op]: at } }, { [timeField]: at, id: { [op]: id } }] });
  };
  if (page.after) bound(page.after, forward);
  if (page.before) bound(page.before, backward);
  const ascending = (order === 'oldest-first') !== page.inverted;
  const direction = ascending ? 'asc' : 'desc';
  return { where, orderBy: { [timeField]: direction, id: direction } };
}

export function timeIdCursor(at: Date, id: string): string {
  return encodeCursor([at.toISOString(), id]);
}

function decodeTimeIdCursor(cursor: string): [Date, string] {
  const [time, id] = decodeCursor(cursor, 2) as [string, string];
  const at = new Date(time);
  if (Number.isNaN(at.getTime()) || !isUuid(String(id))) {
    throw new BadUserInputError('Invalid pagination cursor: pass a cursor returned by this connection.', [
      { path: 'after', reason: 'not a cursor of this connection' },
    ]);
  }
  return [at, id];
}
