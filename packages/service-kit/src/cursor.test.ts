import { BadUserInputError } from '@ecp/errors/errors';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor';

describe('cursors', () => {
  it('round-trip their sort key', () => {
    const cursor = encodeCursor(['2026-11-27T09:00:00.000Z', 'abc']);
    expect(decodeCursor(cursor, 2)).toEqual(['2026-11-27T09:00:00.000Z', 'abc']);
  });
  it('refuse anything that is not one of ours', () => {
    expect(() => decodeCursor('not a cursor', 2)).toThrow(BadUserInputError);
    expect(() => decodeCursor(encodeCursor(['only one']), 2)).toThrow(BadUserInputError);
    expect(() => decodeCursor(Buffer.from('{"a":1}').toString('base64url'), 1)).toThrow(
      /Invalid pagination cursor/,
    );
  });
});
