import { describe, expect, it } from 'vitest';
import { prettyLine } from './log-format';

describe('prettyLine', () => {
  it('turns a JSON log line into one readable line', () => {
    const line = JSON.stringify({
      level: 'warn',
      time: '2026-11-27T09:37:05.552Z',
      service: 'gateway',
      msg: 'slow',
      ms: 120,
    });
    expect(prettyLine('gateway', line, false)).toBe(
      '09:37:05.552 gateway              WARN  slow {"ms":120}',
    );
  });
  it('passes other lines through with the service name', () => {
    expect(prettyLine('ledger', 'plain text', false)).toBe('ledger               plain text');
  });
});
