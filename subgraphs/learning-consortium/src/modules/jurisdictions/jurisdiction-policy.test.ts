import { describe, expect, it } from 'vitest';
import { DEFAULT_LEARNING_SETTINGS } from '../../settings';
import { effectivePolicy, type JurisdictionDefinition, pathOf, wouldCycle } from './jurisdiction-policy';

const def = (code: string, parent: string | null, own: Partial<JurisdictionDefinition> = {}) =>
  [
    code,
    {
      code,
      version: 1,
      parent,
      riskWeight: null,
      frictionThreshold: null,
      divergenceThreshold: null,
      categoriesRequiringApproval: null,
      approvalRules: null,
      ...own,
    },
  ] as const;

const defaults = DEFAULT_LEARNING_SETTINGS.policyDefaults;

describe('the LSP tree', () => {
  it('follows parent links for defined codes and prefixes for the others', () => {
    const tree = new Map([def('EU', null), def('EU/DE', 'EU'), def('OTHER', null), def('EU/FR', 'OTHER')]);
    expect(pathOf('EU/DE/BY/MUC', tree)).toEqual(['EU/DE/BY/MUC', 'EU/DE/BY', 'EU/DE', 'EU']);
    expect(pathOf('EU/FR', tree)).toEqual(['EU/FR', 'OTHER']);
    expect(pathOf('US/CA', tree)).toEqual(['US/CA', 'US']);
    expect(wouldCycle('EU', 'EU/DE', tree)).toBe(true);
    expect(wouldCycle('EU/DE', 'OTHER', tree)).toBe(false);
  });
});

describe('effectivePolicy', () => {
  it('takes each setting from the nearest jurisdiction that sets it, else the defaults', () => {
    const tree = new Map([
      def('EU', null, { riskWeight: 0.8, approvalRules: [{ category: 'payments', approvers: 2 }] }),
      def('EU/DE', 'EU', { frictionThreshold: 0.4, version: 3 }),
    ]);
    const p = effectivePolicy('EU/DE/BY', tree, defaults);
    expect(p).toMatchObject({
      code: 'EU/DE/BY',
      definedAt: 'EU/DE',
      riskWeight: 0.8,
      riskWeightFrom: 'EU',
      frictionThreshold: 0.4,
      divergenceThreshold: 0.5,
      categoriesRequiringApproval: [],
      approvalRules: [{ category: 'payments', approvers: 2 }],
    });
    expect(p.version).toMatch(/^EU\/DE@3,EU@1;defaults=[0-9a-f]{12}$/);
    const none = effectivePolicy('US', tree, defaults);
    expect(none).toMatchObject({
      definedAt: null,
      riskWeight: 0.5,
      riskWeightFrom: null,
      frictionThreshold: 0.7,
    });
    expect(none.version).toMatch(/^defaults=[0-9a-f]{12}$/);
  });

  it('changes its version when any setting on the path changes, and only then', () => {
    const before = new Map([def('EU', null), def('EU/DE', 'EU')]);
    const after = new Map([def('EU', null, { version: 2, riskWeight: 0.9 }), def('EU/DE', 'EU')]);
    const sibling = new Map([...before, def('EU/FR', 'EU', { riskWeight: 0.1 })]);
    const v = (tree: typeof before, d = defaults) => effectivePolicy('EU/DE', tree, d).version;
    expect(v(after)).not.toBe(v(before));
    expect(v(sibling)).toBe(v(before));
    expect(v(before, { ...defaults, riskWeight: 0.6 })).not.toBe(v(before));
  });
});
