import { describe, expect, it } from 'vitest';
import { DEMO_AGENTS, HELD_JURISDICTION, HELD_TOPIC, TOPICS } from '../src/demo/cast';
import type { DemoEvent } from '../src/demo/events';
import { lineOf, summaryOf } from '../src/demo/lines';
import { DemoRandom } from '../src/demo/random';
import { leadingOption } from '../src/demo/stories';
import { DemoTally } from '../src/demo/tally';

const atlas = { kind: 'agent', name: 'demo-atlas' } as const;
const operator = { kind: 'operator', name: 'demo-operator' } as const;
const decisionId = '01a23814-5ae1-7c1d-9b8e-3f2a9c1b22f0';

describe('the demo’s cast', () => {
  it('has agents that may act where they decide, and someone to decide where payments are held', () => {
    for (const agent of DEMO_AGENTS) {
      for (const where of agent.actsIn) {
        expect(agent.jurisdictions.some((j) => where === j || where.startsWith(`${j}/`))).toBe(true);
      }
    }
    expect(DEMO_AGENTS.filter((a) => a.actsIn.includes(HELD_JURISDICTION.code)).length).toBeGreaterThan(0);
    expect(HELD_TOPIC.category).toBe(HELD_JURISDICTION.category);
    for (const topic of TOPICS) expect(topic.category).toMatch(/^[a-z0-9][a-z0-9._-]{0,63}$/);
  });
});

describe('the demo’s dice', () => {
  it('plays the same choices for the same seed, and others for another', () => {
    const roll = (seed: number) => {
      const r = new DemoRandom(seed);
      return Array.from({ length: 20 }, () => r.int(0, 1000));
    };
    expect(roll(42)).toEqual(roll(42));
    expect(roll(42)).not.toEqual(roll(43));
  });

  it('never picks what weighs nothing, samples without repeats and keeps two decimals', () => {
    const r = new DemoRandom(7);
    for (let i = 0; i < 200; i++) {
      expect(r.weighted(['a', 'b', 'c'], (x) => (x === 'b' ? 0 : 1))).not.toBe('b');
      const sample = r.sample([1, 2, 3, 4, 5], 3);
      expect(new Set(sample).size).toBe(3);
      const u = r.unit(0.55, 0.95);
      expect(u).toBeGreaterThanOrEqual(0.55);
      expect(u).toBeLessThanOrEqual(0.95);
      expect(Math.round(u * 100) / 100).toBe(u);
    }
  });
});

describe('a closed poll’s leading option', () => {
  it('is the one with the most weight, then the most votes; none without votes', () => {
    const poll = (tallies: { option: string; votes: number; weight: number }[]) => ({
      id: 'p',
      status: 'CLOSED' as const,
      closeReason: 'ALL_VOTED' as const,
      votesCast: 3,
      result: { consensus: 0.3, quorumMet: true, voteCount: 3, tallies },
    });
    expect(
      leadingOption(
        poll([
          { option: 'a', votes: 2, weight: 1.1 },
          { option: 'b', votes: 1, weight: 1.5 },
        ]),
      ),
    ).toEqual({ option: 'b', votes: 1 });
    expect(
      leadingOption(
        poll([
          { option: 'a', votes: 1, weight: 1 },
          { option: 'b', votes: 2, weight: 1 },
        ]),
      ),
    ).toEqual({ option: 'b', votes: 2 });
    expect(leadingOption(poll([{ option: 'a', votes: 0, weight: 0 }]))).toBeNull();
  });
});

describe('the demo’s lines', () => {
  const recorded = (status: 'COMMITTED' | 'PENDING_APPROVAL'): DemoEvent => ({
    kind: 'decision-recorded',
    actor: atlas,
    jurisdiction: 'EU/DE',
    category: 'pricing',
    decisionId,
    chosenOption: 'hold',
    confidence: 0.81,
    status,
    ledgerIndex: status === 'COMMITTED' ? '42' : null,
    holdReasons: status === 'COMMITTED' ? [] : ['CATEGORY_REQUIRES_APPROVAL'],
    approvalsNeeded: status === 'COMMITTED' ? null : 1,
    signed: true,
    advice: ['friction', 'poll'],
    precedents: 1,
  });

  it('say where, who and what came of it, one line per action', () => {
    expect(lineOf(recorded('COMMITTED'))).toBe(
      'EU/DE   agent demo-atlas        recorded decision …9c1b22f0 pricing → hold (0.81): committed (ledger #42); signed, advice: friction + poll, citing 1 precedent',
    );
    expect(lineOf(recorded('PENDING_APPROVAL'))).toBe(
      'EU/DE   agent demo-atlas        recorded decision …9c1b22f0 pricing → hold (0.81): held by the Liability Firewall (CATEGORY_REQUIRES_APPROVAL, needs 1 approval); signed, advice: friction + poll, citing 1 precedent',
    );
    expect(
      lineOf({
        kind: 'decision-reviewed',
        actor: operator,
        jurisdiction: 'EU/NL',
        decisionId,
        verdict: 'approved',
        status: 'COMMITTED',
        ledgerIndex: '57',
        approvalsNeeded: 1,
        approvalsGiven: 1,
      }),
    ).toBe('EU/NL   operator demo-operator  approved held decision …9c1b22f0: committed (ledger #57)');
    expect(
      lineOf({
        kind: 'environment-checked',
        actor: operator,
        environment: 'demo-shop-api',
        ok: false,
        statusCode: 503,
        latencyMs: 4,
        status: 'HEALTHY',
        consecutiveFailures: 1,
        failThreshold: 2,
        checked: 1,
      }),
    ).toBe(
      '-       operator demo-operator  checked environments now: demo-shop-api failing, 1 of 2 failed checks before UNHEALTHY (503, 4 ms)',
    );
  });

  it('end with a summary of what was counted', () => {
    const tally = new DemoTally();
    const events: DemoEvent[] = [
      { kind: 'principal-ready', actor: atlas, jurisdictions: ['EU/DE'], how: 'reused', signingKeyId: 'k' },
      recorded('COMMITTED'),
      recorded('PENDING_APPROVAL'),
      {
        kind: 'decision-reviewed',
        actor: operator,
        jurisdiction: 'EU/NL',
        decisionId,
        verdict: 'approved',
        status: 'COMMITTED',
        ledgerIndex: '57',
        approvalsNeeded: 1,
        approvalsGiven: 1,
      },
      recorded('PENDING_APPROVAL'),
      {
        kind: 'action-failed',
        actor: atlas,
        jurisdiction: 'EU/DE',
        what: 'vote',
        code: 'CONFLICT',
        reason: 'closed',
      },
    ];
    for (const e of events) tally.add(e);
    expect(tally.actions).toBe(5);
    expect(tally.stillHeld).toBe(1);
    const summary = summaryOf(tally, 83_000);
    expect(summary.split('\n')[0]).toBe('ecp demo stopped after 1 min 23 s: 5 actions, 1 failed.');
    expect(summary).toContain(
      '  decisions    3 recorded: 1 committed at once, 2 held (1 approved, 0 rejected, 1 still held)',
    );
    expect(summary).toContain('  principals   1 found from an earlier run');
  });
});
