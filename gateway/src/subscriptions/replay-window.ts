import { BadUserInputError, CursorExpiredError, type EcpError } from '@ecp/errors/errors';
import { compareStreamIds, STREAM_ID } from '@ecp/events/event';
import type { Redis } from 'ioredis';

/** Why a resume cursor is not replayed (the `reason` of the refusals metric). */
export type CursorRefusal = 'invalid_cursor' | 'cursor_trimmed' | 'too_far_behind';

// Counted inside Redis: refusing a cursor far behind then costs one integer on the wire, not the events.
const COUNT_AFTER = "return #redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])";

/**
 * Whether the events after `cursor` on the stream `key` can be replayed: the cursor must be a stream
 * id, the stream must still hold every event after it, and there may be at most `maxEvents` of them
 * (stream entries, whatever the subscription's filter: the distance is what a replay has to read).
 * Undefined when they can be.
 */
export async function cursorRefusal(
  redis: Redis,
  key: string,
  cursor: unknown,
  maxEvents: number,
): Promise<CursorRefusal | undefined> {
  if (typeof cursor !== 'string' || !STREAM_ID.test(cursor)) return 'invalid_cursor';
  let info: unknown[];
  try {
    info = (await redis.call('XINFO', 'STREAM', key)) as unknown[];
  } catch {
    return undefined; // no stream yet: nothing to replay, nothing was ever trimmed
  }
  const field = (name: string) => info[info.indexOf(name) + 1];
  const maxDeleted = String(field('max-deleted-entry-id') ?? '0-0');
  const first = field('first-entry') as [string, string[]] | null;
  const removed = Number(field('entries-added') ?? 0) > Number(field('length') ?? 0);
  // Trimming removes the oldest entries; a cursor before the first one left may have missed some.
  // (A cursor whose own entry was the last one trimmed is refused too: being safe beats guessing.)
  if (
    (maxDeleted !== '0-0' && compareStreamIds(cursor, maxDeleted) < 0) ||
    (removed && first !== null && compareStreamIds(cursor, first[0]) < 0)
  ) {
    return 'cursor_trimmed';
  }
  const after = Number(await redis.eval(COUNT_AFTER, 1, key, `(${cursor}`, maxEvents + 1));
  return after > maxEvents ? 'too_far_behind' : undefined;
}

/** The error a subscriber gets for a refused cursor: what happened and what to do instead. */
export function cursorRefusalError(refusal: CursorRefusal, maxEvents: number): EcpError {
  switch (refusal) {
    case 'invalid_cursor':
      return new BadUserInputError(
        'extensions.cursor is not a cursor: send back the extensions.cursor of a payload you received.',
      );
    case 'cursor_trimmed':
      return new CursorExpiredError(
        'The cursor is older than the events the gateway still holds: refetch the current state with a query, then subscribe again without a cursor.',
      );
    case 'too_far_behind':
      return new CursorExpiredError(
        `The cursor is more than ${maxEvents} events behind the newest, and the gateway replays at most ${maxEvents}: refetch the current state with a query, then subscribe again without a cursor.`,
      );
  }
}
