import { isJurisdiction, JURISDICTION_PATTERN } from '@ecp/jurisdictions/jurisdiction';
import decisionV1 from '@ecp/schema/ledger/ecp.decision.v1.schema.json' with { type: 'json' };
import decisionV2 from '@ecp/schema/ledger/ecp.decision.v2.schema.json' with { type: 'json' };
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateEntry } from './entry-schemas';

const entry = (jurisdiction: string) => ({
  kind: 'ecp.decision/v1',
  decisionId: '01936f7e-0000-7000-8000-0000000000d1',
  agentId: '01936f7e-0000-7000-8000-000000000001',
  recordedAt: '2026-11-27T12:00:00.000Z',
  body: {
    jurisdiction,
    category: 'pricing',
    context: {},
    options: [{ id: 'hold', description: 'Keep it' }],
    chosenOption: 'hold',
    rationale: 'r',
    confidence: 0.5,
    inputDigests: [],
    precedents: [],
    idempotencyKey: 'k-1',
  },
});

const refusesJurisdiction = (jurisdiction: string) =>
  validateEntry(entry(jurisdiction)).some((p) => p.path === '/body/jurisdiction');

describe("ecp.decision/v1's jurisdiction", () => {
  it('is published with the grammar of @ecp/jurisdictions, in v2 as in v1', () => {
    for (const schema of [decisionV1, decisionV2]) {
      const { pattern } = schema.$defs.body.properties.jurisdiction;
      expect(new RegExp(pattern).source).toBe(JURISDICTION_PATTERN.source);
    }
  });

  it('is taken by the schema exactly when @ecp/jurisdictions reads it as one', () => {
    const near = fc.string({
      unit: fc.constantFrom('E', 'U', 'D', '0', '_', '-', '/', 'e', ' ', 'É'),
      maxLength: 20,
    });
    fc.assert(
      fc.property(fc.oneof(near, fc.string()), (j) => {
        expect(refusesJurisdiction(j)).toBe(!isJurisdiction(j));
      }),
      { numRuns: 500 },
    );
    expect(refusesJurisdiction('EU/DE/BY')).toBe(false);
    expect(refusesJurisdiction(`EU/${'D'.repeat(33)}`)).toBe(true);
  });
});
