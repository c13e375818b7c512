import { describe, expect, it } from 'vitest';
import { percentile, summarise } from './load';
import { markdownTable, textTable } from './report';

const counts = { duration: 2, errors: 0, timeouts: 0, non2xx: 0, mismatches: 0 };

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 95)).toBe(95);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('summarise', () => {
  it('sorts the latencies and rates successful requests over the run', () => {
    const result = summarise([3, 1, 2, 4], counts);
    expect(result).toEqual({
      requests: 4,
      seconds: 2,
      rps: 2,
      latencyMs: { p50: 2, p95: 4, p99: 4, max: 4 },
      failures: 0,
    });
  });

  it('counts refused bodies as failures, not successes', () => {
    const result = summarise([1, 1, 1, 1], { ...counts, mismatches: 2, timeouts: 1, non2xx: 3 });
    expect(result.requests).toBe(2);
    expect(result.rps).toBe(1);
    expect(result.failures).toBe(6);
  });
});

describe('tables', () => {
  const rows = [
    {
      key: 'a',
      target: 'direct',
      offered: 'max',
      connections: 32,
      result: summarise([1.234], counts),
    },
    { key: 'b', target: 'gateway', offered: '300/s burst', connections: 10, result: summarise([], counts) },
  ];

  it('prints aligned text', () => {
    const lines = textTable(rows).split('\n');
    expect(lines).toHaveLength(3);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[1]).toContain('1.23');
    expect(lines[2]).toContain('300/s burst');
  });

  it('prints Markdown', () => {
    const lines = markdownTable(rows).split('\n');
    expect(lines[1]).toBe('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    expect(lines[3]).toContain('| b | gateway | 300/s burst | 10 | 0 | – | – | – | 0 |');
  });
});
