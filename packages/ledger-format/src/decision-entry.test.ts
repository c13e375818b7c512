import { generateKeyPairSync, sign } from 'node:crypto';
import decisionV1 from '@ecp/schema/ledger/ecp.decision.v1.schema.json' with { type: 'json' };
import decisionV2 from '@ecp/schema/ledger/ecp.decision.v2.schema.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import {
  CATEGORY_PATTERN,
  DECISION_KIND,
  DECISION_KIND_V1,
  DECISION_KIND_V2,
  type DecisionBody,
  type DecisionBodyV1,
  type DecisionEntry,
  decisionSigningMessage,
  MAX_TAGS,
  TAG_PATTERN,
  tagsAndAdvice,
  verifyDecisionSignature,
} from './decision-entry';
import { validateEntry } from './entry-schemas';

const agentId = '01936f7e-0000-7000-8000-000000000001';
const body: DecisionBodyV1 = {
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
    const message = decisionSigningMessage(agentId, body, DECISION_KIND_V1);
    const signature = sign(null, message, privateKey).toString('base64');
    expect(new TextDecoder().decode(message)).toBe(canonicalJson({ kind: 'ecp.decision/v1', agentId, body }));
    expect(verifyDecisionSignature(agentId, body, signature, raw, DECISION_KIND_V1)).toBe(true);
    expect(
      verifyDecisionSignature(agentId, { ...body, confidence: 0.83 }, signature, raw, DECISION_KIND_V1),
    ).toBe(false);
    expect(
      verifyDecisionSignature('01936f7e-0000-7000-8000-000000000002', body, signature, raw, DECISION_KIND_V1),
    ).toBe(false);
    expect(verifyDecisionSignature(agentId, body, 'not base64!', raw, DECISION_KIND_V1)).toBe(false);
    const other = generateKeyPairSync('ed25519')
      .publicKey.export({ format: 'der', type: 'spki' })
      .subarray(-32);
    expect(verifyDecisionSignature(agentId, body, signature, other, DECISION_KIND_V1)).toBe(false);
  });

  it('reads as a decision with no tags and nothing said of advice', () => {
    expect(tagsAndAdvice(entry as DecisionEntry)).toEqual({ tags: [], advice: null });
  });
});

const bodyV2: DecisionBody = {
  ...body,
  tags: ['pricing/eu', 'q4.review', 'sku-a1'],
  advice: {
    frictionAssessmentId: '01936f7e-0000-7000-8000-0000000000a1',
    pollId: '01936f7e-0000-7000-8000-0000000000b1',
  },
};
const entryV2 = { ...entry, kind: DECISION_KIND_V2, body: bodyV2 };

describe('ecp.decision/v2', () => {
  it('is still a decision kind, written before the Liability Firewall', () => {
    expect(DECISION_KIND_V2).toBe('ecp.decision/v2');
  });

  it('publishes the tag and category grammar the code checks queries with', () => {
    const { tags } = decisionV2.$defs.body.properties;
    expect(new RegExp(tags.items.pattern).source).toBe(TAG_PATTERN.source);
    expect(tags.maxItems).toBe(MAX_TAGS);
    for (const schema of [decisionV1, decisionV2]) {
      expect(new RegExp(schema.$defs.body.properties.category.pattern).source).toBe(CATEGORY_PATTERN.source);
    }
  });

  it('accepts v1’s body with tags and advice, either of which may be empty', () => {
    expect(validateEntry(entryV2)).toEqual([]);
    expect(validateEntry({ ...entryV2, body: { ...bodyV2, tags: [], advice: {} } })).toEqual([]);
    expect(
      validateEntry({ ...entryV2, body: { ...bodyV2, advice: { pollId: bodyV2.advice.pollId } } }),
    ).toEqual([]);
    expect(tagsAndAdvice(entryV2 as DecisionEntry)).toEqual({ tags: bodyV2.tags, advice: bodyV2.advice });
  });

  it('requires tags and advice, and refuses bad, repeated or too many tags and advice that is not ids', () => {
    const { tags: _tags, advice: _advice, ...v1Body } = bodyV2;
    expect(validateEntry({ ...entryV2, body: v1Body })).toEqual(
      expect.arrayContaining([
        { path: '/body/tags', reason: 'is required' },
        { path: '/body/advice', reason: 'is required' },
      ]),
    );
    const problems = (b: Record<string, unknown>) => validateEntry({ ...entryV2, body: { ...bodyV2, ...b } });
    expect(problems({ tags: ['ok', 'also-ok', 'Not OK', '-lead', 'x'.repeat(65)] })).toEqual([
      { path: '/body/tags/2', reason: expect.stringContaining('must match pattern') },
      { path: '/body/tags/3', reason: expect.stringContaining('must match pattern') },
      { path: '/body/tags/4', reason: expect.stringContaining('must match pattern') },
    ]);
    expect(problems({ tags: ['a', 'b', 'a'] })).toEqual([
      { path: '/body/tags', reason: expect.stringContaining('duplicate') },
    ]);
    expect(problems({ tags: Array.from({ length: 33 }, (_, i) => `t${i}`) })).toEqual([
      { path: '/body/tags', reason: 'must NOT have more than 32 items' },
    ]);
    expect(problems({ advice: { pollId: 'poll-7', friction: 'low' } })).toEqual(
      expect.arrayContaining([
        { path: '/body/advice/pollId', reason: expect.stringContaining('must match pattern') },
        { path: '/body/advice/friction', reason: 'is not a property of this entry kind' },
      ]),
    );
  });

  it('signs {kind: v2, agentId, body}: a v2 signature does not verify as v1, nor the reverse', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const message = decisionSigningMessage(agentId, bodyV2, DECISION_KIND_V2);
    expect(new TextDecoder().decode(message)).toBe(
      canonicalJson({ kind: 'ecp.decision/v2', agentId, body: bodyV2 }),
    );
    const signature = sign(null, message, privateKey).toString('base64');
    expect(verifyDecisionSignature(agentId, bodyV2, signature, raw, DECISION_KIND_V2)).toBe(true);
    expect(
      verifyDecisionSignature(agentId, { ...bodyV2, tags: ['other'] }, signature, raw, DECISION_KIND_V2),
    ).toBe(false);
    expect(
      verifyDecisionSignature(agentId, { ...bodyV2, advice: {} }, signature, raw, DECISION_KIND_V2),
    ).toBe(false);
    // Nor as the kind written now.
    expect(verifyDecisionSignature(agentId, bodyV2, signature, raw)).toBe(false);
    const v1Signature = sign(
      null,
      decisionSigningMessage(agentId, body, DECISION_KIND_V1),
      privateKey,
    ).toString('base64');
    expect(verifyDecisionSignature(agentId, { ...body, tags: [], advice: {} }, v1Signature, raw)).toBe(false);
    expect(verifyDecisionSignature(agentId, body, signature, raw, DECISION_KIND_V1)).toBe(false);
  });
});

const firewall = {
  holdReasons: ['FRICTION_ABOVE_THRESHOLD'],
  proposalSha256: 'ab'.repeat(32),
  approvals: ['41', '42'],
  frictionAssessmentId: '01936f7e-0000-7000-8000-0000000000a1',
  liability: {
    rulesVersion: 'default@1',
    shares: [
      { party: 'agent', partyId: agentId, share: '0.6', ppm: 600_000, rule: 'default@1: rest' },
      {
        party: 'approver',
        partyId: '01936f7e-0000-7000-8000-0000000000c1',
        share: '0.4',
        ppm: 400_000,
        rule: 'x',
      },
    ],
  },
};
const bodyV3: DecisionBody = { ...bodyV2, advice: { ...bodyV2.advice, lessonVersion: 'lesson-7' } };
const entryV3 = { ...entry, kind: DECISION_KIND, body: bodyV3, firewall };

describe('ecp.decision/v3', () => {
  it('is the kind decisions are written as', () => {
    expect(DECISION_KIND).toBe('ecp.decision/v3');
  });

  it('accepts v2’s body with a lesson version, and a firewall part, which may say it was never held', () => {
    expect(validateEntry(entryV3)).toEqual([]);
    expect(
      validateEntry({
        ...entryV3,
        body: bodyV2,
        firewall: {
          holdReasons: [],
          proposalSha256: null,
          approvals: [],
          frictionAssessmentId: null,
          liability: null,
        },
      }),
    ).toEqual([]);
    expect(tagsAndAdvice(entryV3 as DecisionEntry).advice).toEqual(bodyV3.advice);
  });

  it('requires the firewall part, with exact shares; v2 knows no lesson version', () => {
    const { firewall: _f, ...withoutFirewall } = entryV3;
    expect(validateEntry(withoutFirewall)).toEqual([{ path: '/firewall', reason: 'is required' }]);
    const shares = [{ ...firewall.liability.shares[0]!, share: '0.6000001' }];
    expect(
      validateEntry({ ...entryV3, firewall: { ...firewall, liability: { ...firewall.liability, shares } } })
        .length,
    ).toBeGreaterThan(0);
    expect(validateEntry({ ...entryV2, body: bodyV3 })).toEqual([
      { path: '/body/advice/lessonVersion', reason: 'is not a property of this entry kind' },
    ]);
  });

  it('signs {kind: v3, agentId, body}, the firewall part not included', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const message = decisionSigningMessage(agentId, bodyV3);
    expect(new TextDecoder().decode(message)).toBe(
      canonicalJson({ kind: 'ecp.decision/v3', agentId, body: bodyV3 }),
    );
    const signature = sign(null, message, privateKey).toString('base64');
    expect(verifyDecisionSignature(agentId, bodyV3, signature, raw)).toBe(true);
    expect(verifyDecisionSignature(agentId, bodyV3, signature, raw, DECISION_KIND_V2)).toBe(false);
  });
});
