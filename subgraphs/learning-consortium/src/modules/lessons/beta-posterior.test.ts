import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pathOf } from '../jurisdictions/jurisdiction-policy';
import {
  childPrior,
  credibleInterval,
  type OptionData,
  posteriorAlong,
  posteriorMean,
} from './beta-posterior';
import { parseRecommendationVersion, recommend } from './recommendation';

const data = (successes: number, failures: number): OptionData => ({ successes, failures });

describe('the posterior arithmetic', () => {
  it('matches hand-computed values', () => {
    // A root with 3 weighted successes and 1 failure: Beta(1 + 3, 1 + 1) = Beta(4, 2), mean 2/3.
    const root = posteriorAlong([{ jurisdiction: 'EU', data: data(3, 1) }], 10);
    expect(root.posterior).toEqual({ alpha: 4, beta: 2 });
    expect(posteriorMean(root.posterior)).toBeCloseTo(2 / 3, 12);
    expect(root.priorFrom).toBe('uniform');
    // Its child, with 0.5 success weight and 0.5 failure: c = min(10, 6) = 6, prior Beta(4, 2),
    // posterior Beta(4.5, 2.5), mean 4.5/7.
    const child = posteriorAlong(
      [
        { jurisdiction: 'EU/DE', data: data(0.5, 0.5) },
        { jurisdiction: 'EU', data: data(3, 1) },
      ],
      10,
    );
    expect(child.posterior.alpha).toBeCloseTo(4.5, 12);
    expect(child.posterior.beta).toBeCloseTo(2.5, 12);
    expect(child.priorFrom).toBe('EU');
    // A rich parent lends at most K: Beta(81, 21) → mean 81/102, c = 10 → Beta(7.941…, 2.058…).
    const lent = childPrior({ alpha: 81, beta: 21 }, 10);
    expect(lent.alpha).toBeCloseTo((81 / 102) * 10, 12);
    expect(lent.beta).toBeCloseTo((21 / 102) * 10, 12);
  });

  it('gives the Beta’s equal-tailed 95% interval (reference values)', () => {
    // Beta(1, 1) is uniform: [0.025, 0.975].
    const [lo, hi] = credibleInterval({ alpha: 1, beta: 1 });
    expect(lo).toBeCloseTo(0.025, 10);
    expect(hi).toBeCloseTo(0.975, 10);
    // Beta(2, 1) has CDF x²: quantiles √0.025 and √0.975.
    const [lo2, hi2] = credibleInterval({ alpha: 2, beta: 1 });
    expect(lo2).toBeCloseTo(Math.sqrt(0.025), 10);
    expect(hi2).toBeCloseTo(Math.sqrt(0.975), 10);
    // Beta(10, 10) (R: qbeta(c(.025,.975),10,10) = 0.2886432, 0.7113568).
    const [lo3, hi3] = credibleInterval({ alpha: 10, beta: 10 });
    expect(lo3).toBeCloseTo(0.2886432, 6);
    expect(hi3).toBeCloseTo(0.7113568, 6);
  });
});

const counts = fc.record({
  successes: fc.double({ min: 0, max: 1000, noNaN: true }),
  failures: fc.double({ min: 0, max: 1000, noNaN: true }),
});

describe('shrinkage (property)', () => {
  it('a child without data starts from its parent’s mean; with much data it follows its own', () => {
    fc.assert(
      fc.property(counts, counts, fc.integer({ min: 1, max: 50 }), (parent, own, k) => {
        const parentPost = posteriorAlong([{ jurisdiction: 'EU', data: parent }], k).posterior;
        const empty = posteriorAlong(
          [
            { jurisdiction: 'EU/DE', data: undefined },
            { jurisdiction: 'EU', data: parent },
          ],
          k,
        ).posterior;
        expect(posteriorMean(empty)).toBeCloseTo(posteriorMean(parentPost), 9);
        // What the parent lends is bounded by K.
        expect(empty.alpha + empty.beta).toBeLessThanOrEqual(k + 1e-9);
        // With 1000× the data of the pseudo-count, the child's mean is within K/(n + K) of its own data's.
        const n = own.successes + own.failures;
        fc.pre(n > 0);
        const rich = posteriorAlong(
          [
            { jurisdiction: 'EU/DE', data: own },
            { jurisdiction: 'EU', data: parent },
          ],
          k,
        ).posterior;
        expect(Math.abs(posteriorMean(rich) - own.successes / n)).toBeLessThanOrEqual(k / (n + k) + 1e-9);
      }),
    );
  });
});

describe('isolation (property)', () => {
  it('changing what one jurisdiction learned changes no recommendation outside its subtree', () => {
    // A random tree: node i's parent is one of the nodes before it (so no cycles), or none.
    const tree = fc
      .array(fc.nat(), { minLength: 1, maxLength: 12 })
      .map((parents) => parents.map((p, i) => (i === 0 || p % (i + 1) === i ? null : p % i)));
    fc.assert(
      fc.property(
        tree,
        fc.array(counts, { minLength: 12, maxLength: 12 }),
        fc.nat(),
        counts,
        (parents, learned, pick, changed) => {
          const code = (i: number) => `J${i}`;
          const defined = new Map(
            parents.map((p, i) => [
              code(i),
              {
                code: code(i),
                version: 1,
                parent: p === null ? null : code(p),
                riskWeight: null,
                frictionThreshold: null,
                divergenceThreshold: null,
                categoriesRequiringApproval: null,
                approvalRules: null,
              },
            ]),
          );
          const ask = (i: number, data: OptionData[]) =>
            recommend(
              { jurisdiction: code(i), category: 'payments', options: ['a'], pseudoCount: 10 },
              pathOf(code(i), defined).map((j) => {
                const n = Number(j.slice(1));
                return { jurisdiction: j, version: 1, options: { a: data[n]! } };
              }),
            ).options[0];
          const x = pick % parents.length;
          const after = learned.map((d, i) => (i === x ? changed : d));
          for (let y = 0; y < parents.length; y++) {
            if (pathOf(code(y), defined).includes(code(x))) continue;
            expect(ask(y, after)).toEqual(ask(y, learned));
          }
        },
      ),
    );
  });
});

describe('recommendation versions', () => {
  it('name the versions on the path and read back', () => {
    const r = recommend(
      { jurisdiction: 'EU/DE', category: 'payments', options: ['a', 'b'], pseudoCount: 10 },
      [
        { jurisdiction: 'EU/DE', version: 3, options: { a: data(1, 0) } },
        { jurisdiction: 'EU', version: 0, options: undefined },
      ],
    );
    expect(r.lessonVersion).toBe('lsp1:payments:k=10;EU/DE@3,EU@0');
    expect(parseRecommendationVersion(r.lessonVersion)).toEqual({
      category: 'payments',
      pseudoCount: 10,
      path: [
        { jurisdiction: 'EU/DE', version: 3 },
        { jurisdiction: 'EU', version: 0 },
      ],
    });
    expect(r.options.map((o) => o.option)).toEqual(['a', 'b']);
    expect(parseRecommendationVersion('lsp1:payments:k=10;eu@1')).toBeNull();
  });
});
