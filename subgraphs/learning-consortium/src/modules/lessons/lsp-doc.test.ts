import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { weightOf } from '../calibration/calibration';
import { recommend } from './recommendation';

/** The worked example of docs/protocols/lsp-v0.1.md §7 is what the code computes. */
const spec = readFileSync(join(import.meta.dirname, '../../../../../docs/protocols/lsp-v0.1.md'), 'utf8');
const documented = JSON.parse(
  /<!-- schema: lsp\.recommendation\.v1 -->\n```json\n([\s\S]*?)\n```/.exec(spec)![1]!,
) as {
  lessonVersion: string;
  options: {
    option: string;
    expectedSuccess: number;
    interval: number[];
    effectiveSamples: number;
    priorFrom: string;
  }[];
};

describe('the LSP worked example', () => {
  it('matches the implementation to the digits shown', () => {
    const w = weightOf(20, 0.05, 10);
    expect(w).toBeCloseTo(23 / 30, 12);
    const answer = recommend(
      {
        jurisdiction: 'EU/DE/BY',
        category: 'payments',
        options: ['slow', 'fast', 'courier'],
        pseudoCount: 10,
      },
      [
        { jurisdiction: 'EU/DE/BY', version: 0, options: undefined },
        { jurisdiction: 'EU/DE', version: 1, options: { fast: { successes: w, failures: 0 } } },
        {
          jurisdiction: 'EU',
          version: 8,
          options: { fast: { successes: 6, failures: 2 }, slow: { successes: 1, failures: 3 } },
        },
      ],
    );
    expect(answer.lessonVersion).toBe(documented.lessonVersion);
    expect(answer.options.map((o) => o.option)).toEqual(documented.options.map((o) => o.option));
    answer.options.forEach((o, i) => {
      const d = documented.options[i]!;
      expect(o.expectedSuccess).toBeCloseTo(d.expectedSuccess, 4);
      expect(o.interval[0]).toBeCloseTo(d.interval[0]!, 4);
      expect(o.interval[1]).toBeCloseTo(d.interval[1]!, 4);
      expect(o.effectiveSamples).toBeCloseTo(d.effectiveSamples, 4);
      expect(o.priorFrom).toBe(d.priorFrom);
    });
  });
});
