import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import { type DecisionBody, decisionSigningMessage, verifyDecisionSignature } from './decision-entry';
import { validateEntry } from './entry-schemas';

const agentId = '01936f7e-0000-7000-8000-000000000001';
const body: DecisionBody = {
  jurisdiction: 'EU/DE',
  category: 'pricing',
  context: { sku: 'A-1', demand: 'high' },
  options: [
    { id: 'raise', description: 'Raise the price 5%' },
    { id: 'hold', description: 'Keep it' },
  ],
  chosenOption: 'raise',
  rationale: 'Demand exceeds supply for the third week.',
  confidence: 0.82,
  inputDigests: [{ name: 'market-feed', algorithm: 'sha-256', digest: 'a'.repeat(64) }],
  precedents: [{ index: '12', leafHash: 'b'.repeat(64) }],
  idempotencyKey: 'order-7781',
};
const entry = {
  kind: 'ecp.decision/v1',
  decisionId: '01936f7e-0000-7000-8000-0000000000d1',
  agentId,
  recordedAt: '2026-11-27T12:00:00.000Z',
  body,
};

describe('ecp.decision/v1', () => {
  it('accepts a well-formed entry', () => {
    expect(validateEntry(entry)).toEqual([]);
  });

  it('refuses strings the canonical form or PostgreSQL cannot carry, in any field, keys included', () => {
    const bad = {
      ...entry,
      body: {
        ...body,
        context: { note: 'a\u0000b', '\ud800': 1, n: Number.POSITIVE_INFINITY },
        rationale: 'x\udfff',
        idempotencyKey: 'k\u0000',
      },
    };
    const problems = validateEntry(bad);
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: '/body/context/note', reason: 'contains U+0000, which the ledger cannot store' },
        { path: '/body/context/\ud800', reason: expect.stringMatching(/^its key contains a lone surrogate/) },
        { path: '/body/context/n', reason: expect.stringMatching(/finite/) },
        { path: '/body/rationale', reason: expect.stringMatching(/lone surrogate/) },
        { path: '/body/idempotencyKey', reason: expect.stringMatching(/U\+0000/) },
      ]),
    );
  });

  it('names the JSON path and the reason of every problem', () => {
    const bad = {
      ...entry,
      extra: true,
      body: {
        ...body,
        confidence: 1.5,
        jurisdiction: 'eu/de',
        precedents: [{ index: '-1', leafHash: 'xyz' }],
        rationale: undefined,
      },
    };
    const problems = validateEntry(JSON.parse(JSON.stringify(bad)));
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: '/extra', reason: 'is not a property of this entry kind' },
        { path: '/body/confidence', reason: 'must be <= 1' },
        { path: '/body/jurisdiction', reason: expect.stringContaining('must match pattern') },
        { path: '/body/precedents/0/index', reason: expect.stringContaining('must match pattern') },
        { path: '/body/precedents/0/leafHash', reason: expect.stringContaining('must match pattern') },
        { path: '/body/rationale', reason: 'is required' },
      ]),
    );
    expect(validateEntry({ kind: 'ecp.unknown/v9' })).toEqual([
      { path: '/kind', reason: expect.stringContaining('unknown entry kind') },
    ]);
  });

  it('verifies an Ed25519 signature made with node:crypto over {kind, agentId, body}', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const signature = sign(null, decisionSigningMessage(agentId, body), privateKey).toString('base64');
    expect(new TextDecoder().decode(decisionSigningMessage(agentId, body))).toBe(
      canonicalJson({ kind: 'ecp.decision/v1', agentId, body }),
    );
    expect(verifyDecisionSignature(agentId, body, signature, raw)).toBe(true);
    expect(verifyDecisionSignature(agentId, { ...body, confidence: 0.83 }, signature, raw)).toBe(false);
    expect(verifyDecisionSignature('01936f7e-0000-7000-8000-000000000002', body, signature, raw)).toBe(false);
    expect(verifyDecisionSignature(agentId, body, 'not base64!', raw)).toBe(false);
    const other = generateKeyPairSync('ed25519')
      .publicKey.export({ format: 'der', type: 'spki' })
      .subarray(-32);
    expect(verifyDecisionSignature(agentId, body, signature, other)).toBe(false);
  });
});
