import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scoreDivergence } from '../src/modules/divergence/divergence';
import { type FrictionDraft, type FrictionEvidence, scoreFriction } from '../src/modules/friction/friction';
import { pollResult, type TalliedVote, votesDigest } from '../src/modules/polls/poll-result';
import { FRICTION_FACTORS, type WeightSet, weightSetProblems } from '../src/modules/weights/weight-set';

/** The advisory rules on top of the scoring maths: friction, a poll's result, divergence. */
const weights = (overrides: Partial<WeightSet> = {}): WeightSet => ({
  jurisdiction: '*',
  version: 1,
  frictionWeights: {
    precedentDivergence: 0.25,
    pollDissent: 0.2,
    irreversibility: 0.2,
    impactScope: 0.15,
    jurisdictionRisk: 0.1,
    trackRecord: 0.1,
  },
  riskWeight: 0.5,
  divergenceWeights: { poll: 0.5, precedent: 0.3, consortium: 0.2 },
  divergenceThreshold: 0.5,
  note: '',
  createdBy: 'system',
  createdAt: new Date(0),
  ...overrides,
});

const unit = fc.double({ min: 0, max: 1, noNaN: true });
const OPTIONS = ['a', 'b', 'c'];

const draftArb = fc.record({
  chosenOption: fc.constantFrom(...OPTIONS),
  confidence: unit,
  irreversibility: fc.option(unit, { nil: undefined }),
  impactScope: fc.option(unit, { nil: undefined }),
});
const evidenceArb = fc.record({
  counts: fc.record({ a: fc.nat(20), b: fc.nat(20), c: fc.nat(20) }),
  poll: fc.option(
    fc.record({ a: fc.nat(10), b: fc.nat(10), c: fc.nat(10) }).map((w) => ({
      pollId: '00000000-0000-4000-8000-000000000000',
      status: 'CLOSED' as const,
      votes: w.a + w.b + w.c,
      weights: w,
    })),
    { nil: null },
  ),
});

type DraftValues = {
  chosenOption: string;
  confidence: number;
  irreversibility?: number | undefined;
  impactScope?: number | undefined;
};

function friction(
  d: DraftValues,
  e: { counts: Record<string, number>; poll: FrictionEvidence['poll'] },
  ws = weights(),
  options = OPTIONS,
) {
  const draft: FrictionDraft = {
    jurisdiction: 'EU/DE',
    category: 'pricing',
    optionIds: options,
    chosenOption: d.chosenOption,
    confidence: d.confidence,
    ...(d.irreversibility !== undefined ? { irreversibility: d.irreversibility } : {}),
    ...(d.impactScope !== undefined ? { impactScope: d.impactScope } : {}),
  };
  return scoreFriction(
    draft,
    { precedent: { source: 'HISTORY', counts: e.counts, beforeIndex: '9' }, poll: e.poll, trackRecord: null },
    ws,
  );
}

describe('friction', () => {
  it('is in [0, 1], the sum of its contributions, each value × weight, with every factor shown', () => {
    fc.assert(
      fc.property(draftArb, evidenceArb, (d, e) => {
        const s = friction(d, e);
        expect(s.score).toBeGreaterThanOrEqual(0);
        expect(s.score).toBeLessThanOrEqual(1);
        expect(s.factors.map((f) => f.name)).toEqual([...FRICTION_FACTORS]);
        for (const f of s.factors) expect(f.contribution).toBeCloseTo(f.value * f.weight, 12);
        expect(s.score).toBeCloseTo(
          s.factors.reduce((sum, f) => sum + f.contribution, 0),
          12,
        );
        expect(s.factors.reduce((sum, f) => sum + f.weight, 0)).toBeCloseTo(1, 12);
        expect(s.weightsVersion).toBe('default@1');
      }),
    );
  });

  it('is deterministic and does not depend on the order of the options', () => {
    fc.assert(
      fc.property(draftArb, evidenceArb, (d, e) => {
        const once = friction(d, e);
        expect(friction(d, e)).toEqual(once);
        expect(friction(d, e, weights(), [...OPTIONS].reverse()).score).toBeCloseTo(once.score, 12);
      }),
    );
  });

  it('rises with each declared factor whose weight is positive', () => {
    fc.assert(
      fc.property(draftArb, evidenceArb, unit, unit, (d, e, x, y) => {
        const [lo, hi] = x <= y ? [x, y] : [y, x];
        for (const name of ['irreversibility', 'impactScope'] as const) {
          const low = friction({ ...d, [name]: lo }, e).score;
          const high = friction({ ...d, [name]: hi }, e).score;
          expect(high).toBeGreaterThanOrEqual(low - 1e-12);
        }
        const lowRisk = friction(d, e, weights({ riskWeight: lo })).score;
        const highRisk = friction(d, e, weights({ riskWeight: hi })).score;
        expect(highRisk).toBeGreaterThanOrEqual(lowRisk - 1e-12);
      }),
    );
  });

  it('rises with dissent in the poll and with divergence from precedent', () => {
    const d = { chosenOption: 'a', confidence: 0.8, irreversibility: 0.3, impactScope: 0.3 };
    const poll = (a: number, b: number) => ({
      pollId: 'p',
      status: 'CLOSED' as const,
      votes: a + b,
      weights: { a, b, c: 0 },
    });
    const agreeing = friction(d, { counts: { a: 5 }, poll: poll(9, 1) }).score;
    const dissenting = friction(d, { counts: { a: 5 }, poll: poll(1, 9) }).score;
    expect(dissenting).toBeGreaterThan(agreeing);
    const following = friction(d, { counts: { a: 9, b: 1 }, poll: null }).score;
    const departing = friction(d, { counts: { a: 1, b: 9 }, poll: null }).score;
    expect(departing).toBeGreaterThan(following);
  });

  it('shares out the weight of a factor with nothing to measure, and says so', () => {
    const s = friction({ chosenOption: 'a', confidence: 1 }, { counts: {}, poll: null });
    const byName = Object.fromEntries(s.factors.map((f) => [f.name, f]));
    expect(byName.pollDissent).toMatchObject({ applicable: false, weight: 0, contribution: 0 });
    expect(byName.precedentDivergence).toMatchObject({ applicable: false, weight: 0 });
    expect(byName.irreversibility!.explanation).toContain('neutral 0.5');
    // 0.2 + 0.15 + 0.1 + 0.1 = 0.55 of the weight applies; each is scaled by 1 / 0.55.
    expect(byName.irreversibility!.weight).toBeCloseTo(0.2 / 0.55, 12);
    expect(s.score).toBeCloseTo(0.5, 12);
  });
});

describe('the worked examples of docs/scoring.md', () => {
  it('friction: a draft declining what its poll approved, without precedent, scores 0.6933', () => {
    const s = friction(
      { chosenOption: 'decline', confidence: 0.7, irreversibility: 0.8, impactScope: 0.4 },
      { counts: {}, poll: { pollId: 'p', status: 'CLOSED', votes: 3, weights: { approve: 3 } } },
      weights(),
      ['approve', 'decline'],
    );
    expect(s.score).toBeCloseTo(0.69333, 5);
    expect(s.factors.map((f) => Math.round(f.contribution * 10_000) / 10_000)).toEqual([
      0, 0.2667, 0.2133, 0.08, 0.0667, 0.0667,
    ]);
  });

  it('divergence: against its poll and half its precedent, combined 0.7417, exceeded', () => {
    const d = scoreDivergence({
      optionIds: ['approve', 'decline'],
      chosenOption: 'decline',
      poll: { approve: 3 },
      precedent: { approve: 1, decline: 1 },
      consortium: null,
      weights: { poll: 0.5, precedent: 0.3, consortium: 0.2 },
      threshold: 0.5,
    });
    expect(d.fromPrecedent).toBeCloseTo(0.31128, 5);
    expect(d.combined).toBeCloseTo(0.74173, 5);
    expect(d.exceeded).toBe(true);
  });
});

describe('weight sets', () => {
  it('must sum to 1, each in [0, 1], with every weight named and no other', () => {
    const ok = weights();
    expect(weightSetProblems(ok)).toEqual([]);
    expect(
      weightSetProblems({ ...ok, frictionWeights: { ...ok.frictionWeights, trackRecord: 0.2 } }),
    ).toEqual([{ path: 'input.frictionWeights', reason: expect.stringContaining('must sum to 1') }]);
    expect(
      weightSetProblems({ ...ok, divergenceWeights: { poll: 1.5, precedent: -0.5, consortium: 0 } }).map(
        (p) => p.path,
      ),
    ).toEqual(['input.divergenceWeights.poll', 'input.divergenceWeights.precedent']);
    expect(
      weightSetProblems({ ...ok, divergenceWeights: { ...ok.divergenceWeights, extra: 0 } as never })[0],
    ).toEqual({
      path: 'input.divergenceWeights.extra',
      reason: 'is not a weight of this set',
    });
  });
});

const vote = (
  agentId: string,
  option: string,
  confidence = 1,
  reputation: number | null = null,
): TalliedVote => ({
  agentId,
  option,
  confidence,
  rationale: '',
  signatureKeyId: null,
  signature: null,
  reputation,
});

describe('a poll’s result', () => {
  const poll = { options: ['yes', 'no'], eligibleVoters: 4, quorum: 3, weighting: 'EQUAL' as const };

  it('is inconclusive below quorum: tallies and participation, no consensus', () => {
    const r = pollResult(poll, [vote('1', 'yes'), vote('2', 'yes')]);
    expect(r).toMatchObject({
      quorumMet: false,
      consensus: null,
      consensusInterval: null,
      participation: 0.5,
      voteCount: 2,
    });
    expect(r.tallies).toEqual([
      { option: 'yes', votes: 2, weight: 2 },
      { option: 'no', votes: 0, weight: 0 },
    ]);
  });

  it('counts each vote of a REPUTATION poll with its voter’s calibration weight, kept with the vote', () => {
    const weighted = { ...poll, weighting: 'REPUTATION' as const };
    const r = pollResult(weighted, [
      vote('1', 'yes', 0.9, 0.8),
      vote('2', 'no', 0.9, 0.2),
      vote('3', 'no', 1, 0.3),
    ]);
    expect(r.tallies).toEqual([
      { option: 'yes', votes: 1, weight: 0.8 },
      { option: 'no', votes: 2, weight: 0.5 },
    ]);
    expect(() => pollResult(weighted, [vote('1', 'yes'), vote('2', 'no'), vote('3', 'no')])).toThrow(
      /without its voter’s calibration/,
    );
  });

  it('gives unanimity consensus 1 and an even split 0', () => {
    expect(pollResult(poll, [vote('1', 'yes'), vote('2', 'yes'), vote('3', 'yes')])).toMatchObject({
      quorumMet: true,
      consensus: 1,
      consensusInterval: [1, 1],
    });
    const split = pollResult(poll, [vote('1', 'yes'), vote('2', 'no'), vote('3', 'yes'), vote('4', 'no')]);
    expect(split.consensus).toBeCloseTo(0, 12);
  });

  it('weighs votes by confidence under CONFIDENCE', () => {
    const r = pollResult({ ...poll, weighting: 'CONFIDENCE' }, [
      vote('1', 'yes', 0.9),
      vote('2', 'no', 0.3),
      vote('3', 'no', 0.3),
    ]);
    expect(r.tallies).toEqual([
      { option: 'yes', votes: 1, weight: 0.9 },
      { option: 'no', votes: 2, weight: 0.6 },
    ]);
  });

  it('binds its votes by a digest that does not depend on their order', () => {
    const votes = [vote('b', 'yes'), vote('a', 'no'), vote('c', 'yes')];
    expect(votesDigest(votes)).toBe(votesDigest([...votes].reverse()));
    expect(votesDigest(votes)).not.toBe(votesDigest([vote('b', 'no'), vote('a', 'no'), vote('c', 'yes')]));
  });
});

describe('divergence', () => {
  const base = {
    optionIds: ['a', 'b'],
    consortium: null,
    weights: { poll: 0.5, precedent: 0.3, consortium: 0.2 },
    threshold: 0.5,
  };

  it('is 0 for a choice everyone made and 1 for one nobody backed, each part in [0, 1]', () => {
    expect(
      scoreDivergence({ ...base, chosenOption: 'a', poll: { a: 3 }, precedent: { a: 7 } }),
    ).toMatchObject({
      fromPoll: 0,
      fromPrecedent: 0,
      combined: 0,
      exceeded: false,
    });
    const against = scoreDivergence({ ...base, chosenOption: 'b', poll: { a: 3 }, precedent: { a: 7 } });
    expect(against.fromPoll).toBeCloseTo(1, 12);
    expect(against.combined).toBeCloseTo(1, 12);
    expect(against.exceeded).toBe(true);
  });

  it('combines only what it could measure, scaling the weights over it', () => {
    const s = scoreDivergence({ ...base, chosenOption: 'b', poll: null, precedent: { a: 1, b: 1 } });
    expect(s.fromPoll).toBeNull();
    expect(s.fromConsortium).toBeNull();
    expect(s.weightsUsed).toEqual({ poll: 0, precedent: 1, consortium: 0 });
    expect(s.combined).toBeCloseTo(s.fromPrecedent!, 12);
    expect(scoreDivergence({ ...base, chosenOption: 'a', poll: null, precedent: {} })).toMatchObject({
      combined: 0,
      fromPrecedent: null,
    });
  });

  it('does not depend on the order of the options', () => {
    fc.assert(
      fc.property(fc.nat(9), fc.nat(9), fc.nat(9), fc.nat(9), fc.boolean(), (pa, pb, ca, cb, chooseA) => {
        const input = {
          ...base,
          chosenOption: chooseA ? 'a' : 'b',
          poll: { a: pa, b: pb },
          precedent: { a: ca, b: cb },
        };
        const s = scoreDivergence(input);
        const r = scoreDivergence({ ...input, optionIds: ['b', 'a'] });
        expect(r.combined).toBeCloseTo(s.combined, 12);
        expect(s.combined).toBeGreaterThanOrEqual(0);
        expect(s.combined).toBeLessThanOrEqual(1);
      }),
    );
  });
});
