import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocateLiability,
  InvalidLiabilityRulesError,
  type LiabilityParties,
} from '../src/modules/liability/liability-allocation';
import {
  DEFAULT_LIABILITY_RULES,
  formatShare,
  type LiabilityRules,
  liabilityRulesLookupOrder,
  liabilityRulesProblems,
  nearestRules,
  PPM_ONE,
  parseShare,
  readLiabilityRules,
} from '../src/modules/liability/liability-rules';

/**
 * The liability allocation: hand-computed examples, then properties over every valid rule set and
 * every combination of parties — the shares sum to exactly 1, none is negative — and the refusal of
 * rules whose shares cannot sum to 1.
 */

const AGENT = '00000000-0000-4000-8000-00000000000a';
const approver = (n: number) => `00000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;
const BREAK_GLASS = '00000000-0000-4000-8000-0000000000bb';

function parties(overrides: Partial<LiabilityParties> = {}): LiabilityParties {
  return {
    agentId: AGENT,
    organisation: 'Acme',
    approverIds: [],
    consortiumFollowed: false,
    breakGlassUserId: null,
    ...overrides,
  };
}

function rules(
  terms: Partial<Pick<LiabilityRules, 'base' | 'takes' | 'withoutOrganisation'>>,
): LiabilityRules {
  return { ...DEFAULT_LIABILITY_RULES, version: 'EU/DE@2', jurisdiction: 'EU/DE', revision: 2, ...terms };
}

/** The allocation as `party partyId share` lines, for readable expectations. */
function table(allocation: ReturnType<typeof allocateLiability>): string[] {
  return allocation.shares.map((s) => `${s.party} ${s.partyId ?? '-'} ${s.share}`);
}

describe('exact shares', () => {
  it('reads and writes decimals in parts per million, without floating point', () => {
    expect(parseShare('0.35')).toBe(350_000);
    expect(parseShare('0.333334')).toBe(333_334);
    expect(parseShare('1')).toBe(PPM_ONE);
    expect(parseShare('1.000')).toBe(PPM_ONE);
    expect(parseShare('0')).toBe(0);
    expect(parseShare('0.1')).toBe(100_000);
    for (const bad of ['0.1234567', '1.01', '2', '-0.1', '.5', '0.', '1e-1', ' 0.5', '0,5', ''])
      expect(parseShare(bad)).toBeNull();
    expect(formatShare(350_000)).toBe('0.35');
    expect(formatShare(333_334)).toBe('0.333334');
    expect(formatShare(PPM_ONE)).toBe('1');
    expect(formatShare(0)).toBe('0');
    expect(formatShare(1)).toBe('0.000001');
  });

  it('round-trips every ppm value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: PPM_ONE }), (ppm) => {
        expect(parseShare(formatShare(ppm))).toBe(ppm);
      }),
    );
  });
});

describe('allocateLiability, by hand', () => {
  it('with the default rules and no conditional party: the agent 0.6, its organisation 0.4', () => {
    const a = allocateLiability(DEFAULT_LIABILITY_RULES, parties());
    expect(a.rulesVersion).toBe('default@1');
    expect(table(a)).toEqual([`agent ${AGENT} 0.6`, 'organisation Acme 0.4']);
    expect(a.shares.map((s) => s.ppm)).toEqual([600_000, 400_000]);
    expect(a.shares[0]!.rule).toBe(
      'default@1 base.agent: the agent bears 0.6 of the 1 left after the takes — 0.6.',
    );
  });

  it('one approver takes 0.3; the agent and organisation share the 0.7 left 0.6 : 0.4', () => {
    const a = allocateLiability(DEFAULT_LIABILITY_RULES, parties({ approverIds: [approver(1)] }));
    // 0.6 × 0.7 = 0.42, 0.4 × 0.7 = 0.28.
    expect(table(a)).toEqual([
      `agent ${AGENT} 0.42`,
      'organisation Acme 0.28',
      `approver ${approver(1)} 0.3`,
    ]);
    expect(a.shares[2]!.rule).toBe('default@1 takes.approvers: the approver takes 0.3 — 0.3.');
  });

  it('every party present: 0.1 is all the base parties keep', () => {
    const a = allocateLiability(
      DEFAULT_LIABILITY_RULES,
      parties({
        approverIds: [approver(1), approver(2)],
        consortiumFollowed: true,
        breakGlassUserId: BREAK_GLASS,
      }),
    );
    // Takes 0.3 + 0.1 + 0.5 = 0.9; left 0.1: agent 0.06, organisation 0.04; approvers 0.15 each.
    expect(table(a)).toEqual([
      `agent ${AGENT} 0.06`,
      'organisation Acme 0.04',
      `approver ${approver(1)} 0.15`,
      `approver ${approver(2)} 0.15`,
      'consortium - 0.1',
      `breakGlass ${BREAK_GLASS} 0.5`,
    ]);
    expect(a.shares[2]!.rule).toBe('default@1 takes.approvers: the 2 approvers share 0.3 equally — 0.15.');
    expect(a.shares[4]!.rule).toBe(
      "default@1 takes.consortium: the consortium's recommendation was followed, so it takes 0.1 — 0.1.",
    );
  });

  it('without an organisation the agent bears the organisation’s share (withoutOrganisation AGENT)', () => {
    const a = allocateLiability(
      DEFAULT_LIABILITY_RULES,
      parties({ organisation: null, consortiumFollowed: true }),
    );
    expect(table(a)).toEqual([`agent ${AGENT} 0.9`, 'consortium - 0.1']);
    expect(a.shares[0]!.rule).toBe(
      "default@1 base.agent and withoutOrganisation=AGENT: the agent bears its base share 0.6 and, having no organisation, the organisation's 0.4, of the 0.9 left after the takes — 0.9.",
    );
  });

  it('without an organisation, APPROVERS splits its share among the approvers, or gives it to the agent when there are none', () => {
    const r = rules({ withoutOrganisation: 'APPROVERS' });
    const a = allocateLiability(r, parties({ organisation: null, approverIds: [approver(1), approver(2)] }));
    // Left 0.7: agent 0.42; the organisation's 0.28 to the two approvers, 0.14 each, beside their 0.15.
    expect(table(a)).toEqual([
      `agent ${AGENT} 0.42`,
      `approver ${approver(1)} 0.29`,
      `approver ${approver(2)} 0.29`,
    ]);
    const alone = allocateLiability(r, parties({ organisation: null }));
    expect(table(alone)).toEqual([`agent ${AGENT} 1`]);
    expect(alone.shares[0]!.rule).toContain('having no organisation nor approvers');
  });

  it('rounds by largest remainder, ties to the earlier party, so the shares sum to exactly 1', () => {
    // Three approvers share 0.25: 1/12 each = 0.0833333…; left 0.75: agent 0.45, organisation 0.3.
    const three = allocateLiability(
      rules({ takes: { approvers: '0.25', consortium: '0.1', breakGlass: '0.5' } }),
      parties({ approverIds: [approver(1), approver(2), approver(3)] }),
    );
    expect(three.shares.map((s) => s.share)).toEqual(['0.45', '0.3', '0.083334', '0.083333', '0.083333']);
    expect(three.shares[2]!.rule).toBe(
      'EU/DE@2 takes.approvers: the 3 approvers share 0.25 equally — 0.083334; exactly 1/12, rounded up to 0.083334 by largest remainder so the shares sum to exactly 1.',
    );
    expect(three.shares[3]!.rule).toContain('rounded down to 0.083333');

    // Base 1/3 : 2/3 is not writable; 0.333333 : 0.666667 with one approver taking 0.1: 0.9 left.
    // agent 0.333333 × 0.9 = 0.2999997 → 0.3 (remainder .7), organisation 0.6000003 → 0.6 (remainder .3).
    const odd = allocateLiability(
      rules({
        base: { agent: '0.333333', organisation: '0.666667' },
        takes: { approvers: '0.1', consortium: '0', breakGlass: '0.5' },
      }),
      parties({ approverIds: [approver(1)], consortiumFollowed: true }),
    );
    expect(odd.shares.map((s) => [s.party, s.ppm])).toEqual([
      ['agent', 300_000],
      ['organisation', 600_000],
      ['approver', 100_000],
      ['consortium', 0],
    ]);
    expect(odd.shares[0]!.rule).toContain('exactly 2999997/10000000, rounded up to 0.3');
    expect(odd.shares[1]!.rule).toContain('exactly 6000003/10000000, rounded down to 0.6');
  });

  it('seven approvers share 0.3: 0.042858 for the first, 0.042857 for the rest', () => {
    const ids = [1, 2, 3, 4, 5, 6, 7].map(approver);
    const a = allocateLiability(DEFAULT_LIABILITY_RULES, parties({ approverIds: ids }));
    // 0.3 / 7 = 0.0428571428…: 7 × 42857 = 299999, one ppm short → the first approver gets it.
    expect(a.shares.slice(2).map((s) => s.ppm)).toEqual([42858, 42857, 42857, 42857, 42857, 42857, 42857]);
    expect(a.shares.reduce((sum, s) => sum + s.ppm, 0)).toBe(PPM_ONE);
  });

  it('refuses the same approver twice and rules that cannot be allocated with', () => {
    expect(() =>
      allocateLiability(DEFAULT_LIABILITY_RULES, parties({ approverIds: [approver(1), approver(1)] })),
    ).toThrow(RangeError);
    expect(() =>
      allocateLiability(rules({ base: { agent: '0.6', organisation: '0.3' } }), parties()),
    ).toThrow(InvalidLiabilityRulesError);
  });
});

describe('rule validation', () => {
  it('names every problem with its path and reason', () => {
    expect(
      liabilityRulesProblems({
        base: { agent: '0.6', organisation: '0.3' },
        takes: { approvers: '0.5', consortium: '0.3', breakGlass: '0.2' },
        withoutOrganisation: 'AGENT',
      }),
    ).toEqual([
      { path: 'base', reason: 'the base shares must sum to exactly 1; these sum to 0.9' },
      {
        path: 'takes',
        reason:
          'the takes must sum to less than 1, so that the shares of a decision with every party present sum to 1 and its agent keeps a part; these sum to 1',
      },
    ]);
    expect(
      liabilityRulesProblems({
        base: { agent: 0.6, organisation: '0.4000001', owner: '0' },
        takes: { approvers: '1', consortium: '-0.1' },
        withoutOrganisation: 'NOBODY',
      }),
    ).toEqual([
      { path: 'base.owner', reason: 'is not a share of base' },
      {
        path: 'base.agent',
        reason: 'must be an exact decimal string with at most 6 decimal places in [0, 1], e.g. "0.6"',
      },
      {
        path: 'base.organisation',
        reason: 'must be an exact decimal string with at most 6 decimal places in [0, 1], e.g. "0.6"',
      },
      {
        path: 'takes.approvers',
        reason: 'must be an exact decimal string with at most 6 decimal places in [0, 1), e.g. "0.3"',
      },
      {
        path: 'takes.consortium',
        reason: 'must be an exact decimal string with at most 6 decimal places in [0, 1), e.g. "0.3"',
      },
      {
        path: 'takes.breakGlass',
        reason: 'must be an exact decimal string with at most 6 decimal places in [0, 1), e.g. "0.3"',
      },
      { path: 'withoutOrganisation', reason: 'must be one of AGENT, APPROVERS' },
    ]);
    expect(liabilityRulesProblems(DEFAULT_LIABILITY_RULES)).toEqual([]);
  });

  it('looks for rules at the code, then each code above it', () => {
    expect(liabilityRulesLookupOrder('EU/DE/BY')).toEqual(['EU/DE/BY', 'EU/DE', 'EU']);
    expect(liabilityRulesLookupOrder('US')).toEqual(['US']);
  });

  it('takes the latest revision of the nearest code that defines rules, never one beside or below', () => {
    const codes = ['EU', 'EU/DE', 'EU/DE/BY', 'EU/FR', 'EUX', 'US'];
    const versions = fc.array(
      fc.record({ jurisdiction: fc.constantFrom(...codes), revision: fc.integer({ min: 1, max: 9 }) }),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(versions, fc.constantFrom(...codes, 'EU/DE/BY/MUC', 'EU/IT'), (vs, asked) => {
        const picked = nearestRules(vs, asked);
        const onPath = liabilityRulesLookupOrder(asked);
        const defined = onPath.filter((code) => vs.some((v) => v.jurisdiction === code));
        if (defined.length === 0) {
          expect(picked).toBeUndefined();
        } else {
          expect(picked!.jurisdiction).toBe(defined[0]);
          const revisions = vs.filter((v) => v.jurisdiction === defined[0]).map((v) => v.revision);
          expect(picked!.revision).toBe(Math.max(...revisions));
        }
      }),
    );
    expect(nearestRules([{ jurisdiction: 'EUX', revision: 1 }], 'EU/DE')).toBeUndefined();
  });
});

/** A share in ppm written as a decimal, sometimes with trailing zeros (they mean the same). */
const decimalOf = (ppm: number) =>
  fc.constantFrom(formatShare(ppm), ppm === PPM_ONE ? '1.000000' : `0.${String(ppm).padStart(6, '0')}`);

/** Shares with few decimals most of the time (as people write them), any ppm otherwise. */
const ppmShare = (max: number) =>
  fc.oneof(
    fc.integer({ min: 0, max: Math.floor(max / 10_000) }).map((n) => n * 10_000),
    fc.integer({ min: 0, max }),
  );

/** A valid rule set: base shares summing to 1, takes summing to below 1. */
const validRules: fc.Arbitrary<LiabilityRules> = fc
  .record({
    agent: ppmShare(PPM_ONE),
    takesSum: ppmShare(PPM_ONE - 1),
    cuts: fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
    withoutOrganisation: fc.constantFrom('AGENT' as const, 'APPROVERS' as const),
  })
  .chain(({ agent, takesSum, cuts, withoutOrganisation }) => {
    const [lo, hi] = [Math.min(...cuts), Math.max(...cuts)].map((c) => Math.floor(c * takesSum)) as [
      number,
      number,
    ];
    const takes = [lo, hi - lo, takesSum - hi] as const;
    return fc
      .tuple(
        decimalOf(agent),
        decimalOf(PPM_ONE - agent),
        decimalOf(takes[0]),
        decimalOf(takes[1]),
        decimalOf(takes[2]),
      )
      .map(([a, o, ap, c, bg]) =>
        rules({
          base: { agent: a, organisation: o },
          takes: { approvers: ap, consortium: c, breakGlass: bg },
          withoutOrganisation,
        }),
      );
  });

const anyParties: fc.Arbitrary<LiabilityParties> = fc.record({
  agentId: fc.constant(AGENT),
  organisation: fc.option(fc.constantFrom('Acme', 'Globex'), { nil: null }),
  approverIds: fc
    .integer({ min: 0, max: 5 })
    .map((n) => Array.from({ length: n }, (_, i) => approver(i + 1))),
  consortiumFollowed: fc.boolean(),
  breakGlassUserId: fc.option(fc.constant(BREAK_GLASS), { nil: null }),
});

describe('allocateLiability, for every valid rule set and every combination of parties', () => {
  it('sums to exactly 1,000,000 ppm, no share negative, each share its ppm written exactly', () => {
    fc.assert(
      fc.property(validRules, anyParties, (r, p) => {
        expect(liabilityRulesProblems(r)).toEqual([]);
        const a = allocateLiability(r, p);
        expect(a.rulesVersion).toBe(r.version);
        expect(a.shares.reduce((sum, s) => sum + s.ppm, 0)).toBe(PPM_ONE);
        for (const s of a.shares) {
          expect(Number.isInteger(s.ppm)).toBe(true);
          expect(s.ppm).toBeGreaterThanOrEqual(0);
          expect(parseShare(s.share)).toBe(s.ppm);
          expect(s.rule.startsWith(`${r.version} `)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('has one share per party present, in order, and none for a party absent', () => {
    fc.assert(
      fc.property(validRules, anyParties, (r, p) => {
        const a = allocateLiability(r, p);
        expect(a.shares.map((s) => s.party)).toEqual([
          'agent',
          ...(p.organisation !== null ? ['organisation'] : []),
          ...p.approverIds.map(() => 'approver'),
          ...(p.consortiumFollowed ? ['consortium'] : []),
          ...(p.breakGlassUserId !== null ? ['breakGlass'] : []),
        ]);
        expect(a.shares.filter((s) => s.party === 'approver').map((s) => s.partyId)).toEqual(p.approverIds);
      }),
    );
  });

  it('moves no share by a ppm or more from its exact value, and splits approvers within a ppm of each other', () => {
    fc.assert(
      fc.property(validRules, anyParties, (r, p) => {
        const a = allocateLiability(r, p);
        const { ppm } = readLiabilityRules(r);
        const takes =
          (p.approverIds.length > 0 ? ppm!.takes.approvers : 0) +
          (p.consortiumFollowed ? ppm!.takes.consortium : 0) +
          (p.breakGlassUserId !== null ? ppm!.takes.breakGlass : 0);
        const left = PPM_ONE - takes;
        const agent = a.shares[0]!.ppm;
        // The agent's exact share is at least its base share of what is left.
        expect(agent).toBeGreaterThanOrEqual(Math.floor((ppm!.base.agent * left) / PPM_ONE));
        const approvers = a.shares.filter((s) => s.party === 'approver').map((s) => s.ppm);
        if (approvers.length > 0)
          expect(Math.max(...approvers) - Math.min(...approvers)).toBeLessThanOrEqual(1);
        const consortium = a.shares.find((s) => s.party === 'consortium');
        if (consortium) expect(consortium.ppm).toBe(ppm!.takes.consortium);
        const breakGlass = a.shares.find((s) => s.party === 'breakGlass');
        if (breakGlass) expect(breakGlass.ppm).toBe(ppm!.takes.breakGlass);
      }),
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(validRules, anyParties, (r, p) => {
        expect(allocateLiability(r, p)).toEqual(allocateLiability(structuredClone(r), structuredClone(p)));
      }),
    );
  });
});

describe('rules whose shares cannot sum to 1', () => {
  it('are refused: base shares off 1, or takes reaching 1', () => {
    const broken = fc.oneof(
      // Base shares that do not sum to 1.
      fc
        .tuple(fc.integer({ min: 0, max: PPM_ONE }), fc.integer({ min: 0, max: PPM_ONE }))
        .filter(([a, o]) => a + o !== PPM_ONE)
        .map(([a, o]) => rules({ base: { agent: formatShare(a), organisation: formatShare(o) } })),
      // Takes (each a valid share below 1) that sum to 1 or more.
      fc
        .tuple(
          fc.integer({ min: 0, max: PPM_ONE - 1 }),
          fc.integer({ min: 0, max: PPM_ONE - 1 }),
          fc.integer({ min: 0, max: PPM_ONE - 1 }),
        )
        .filter(([a, b, c]) => a + b + c >= PPM_ONE)
        .map(([a, b, c]) =>
          rules({
            takes: { approvers: formatShare(a), consortium: formatShare(b), breakGlass: formatShare(c) },
          }),
        ),
    );
    fc.assert(
      fc.property(broken, anyParties, (r, p) => {
        const problems = liabilityRulesProblems(r);
        expect(problems.length).toBeGreaterThan(0);
        expect(problems.every((x) => x.path === 'base' || x.path === 'takes')).toBe(true);
        expect(() => allocateLiability(r, p)).toThrow(InvalidLiabilityRulesError);
      }),
    );
  });
});
