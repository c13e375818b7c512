import { generateKeyPairSync } from 'node:crypto';
import { canonicalBytes } from '@ecp/ledger-format/canonical-json';
import {
  decisionSigningMessage,
  verifyDecisionSignature,
  verifyEd25519,
} from '@ecp/ledger-format/decision-entry';
import { decisionBodyOf } from '@ecp/ledger-format/decision-input';
import { voteSigningMessage } from '@ecp/ledger-format/vote-signature';
import { fromBase64 } from '@ecp/merkle/base64';
import { toHex } from '@ecp/merkle/hash';
import { sha256 } from '@noble/hashes/sha2';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adviceOf,
  DERIVED_KEY_PREFIX,
  type DecisionDraft,
  draftIdempotencyKey,
  idempotencySecret,
  recordDecisionInput,
  signVote,
} from '../src/drafts';
import { SigningKey } from '../src/signing-key';

const draft: DecisionDraft = {
  jurisdiction: 'EU/DE',
  category: 'pricing',
  context: { sku: 'A-1', stock: 12, nested: { b: 1, a: [1, 2] } },
  options: [{ id: 'raise', description: 'Raise by 5%' }, { id: 'hold' }],
  chosenOption: 'raise',
  rationale: 'Demand exceeds supply.',
  confidence: 0.8,
  tags: ['q4-review'],
};

function nodeKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return { privateKey, publicKey: new Uint8Array(raw) };
}

describe('SigningKey', () => {
  it('reads a KeyObject, its PEM and its seed as the same key', () => {
    const { privateKey, publicKey } = nodeKey();
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
    const keys = [new SigningKey(privateKey), new SigningKey(pem), new SigningKey(new Uint8Array(seed))];
    for (const key of keys) expect(Buffer.from(key.publicKey).equals(Buffer.from(publicKey))).toBe(true);
    const message = new TextEncoder().encode('bytes');
    // Ed25519 is deterministic: one key, one signature.
    expect(new Set(keys.map((k) => k.sign(message))).size).toBe(1);
    expect(verifyEd25519(message, keys[0]!.sign(message), publicKey)).toBe(true);
  });

  it('refuses what is not an Ed25519 private key, saying what it takes', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(() => new SigningKey(new Uint8Array(31))).toThrow(/32 bytes, not 31/);
    expect(() => new SigningKey('not a pem')).toThrow(/PKCS #8 Ed25519/);
    expect(() => new SigningKey(rsa.export({ format: 'pem', type: 'pkcs8' }).toString())).toThrow(
      /not a PKCS #8 Ed25519/,
    );
    expect(() => new SigningKey(publicKey)).toThrow(/Ed25519 private KeyObject/);
    expect(() => new SigningKey(rsa)).toThrow(/Ed25519 private KeyObject/);
  });

  it('never shows the private part when serialised', () => {
    const key = new SigningKey(new Uint8Array(32).fill(7));
    expect(JSON.stringify(key)).toBe(JSON.stringify({ publicKey: key.publicKeyBase64 }));
  });
});

describe('recordDecisionInput', () => {
  it('signs exactly the body the ledger builds from the input it sends', () => {
    const { privateKey, publicKey } = nodeKey();
    const key = new SigningKey(privateKey);
    const agentId = '0193a0b2-7c1e-7000-8000-000000000001';
    const advice = adviceOf([
      { id: 'f-1', weightsVersion: 'default@1' },
      { lessonVersion: 'EU/DE:pricing@3', options: [] },
    ]);
    const { input } = recordDecisionInput(draft, advice, 'key-1', { agentId, keyId: 'k', key });
    const { signature, ...sent } = input;
    // What the ledger does with what arrives: the shared mapping, then the shared check.
    const recorded = decisionBodyOf(JSON.parse(JSON.stringify(sent)));
    expect(verifyDecisionSignature(agentId, recorded, signature!.value, publicKey)).toBe(true);
    expect(recorded.advice).toEqual({ frictionAssessmentId: 'f-1', lessonVersion: 'EU/DE:pricing@3' });
    expect(recorded.options[1]).toEqual({ id: 'hold', description: '' });
    // Bound to the agent: the same signature is not another agent's.
    expect(
      verifyDecisionSignature('0193a0b2-7c1e-7000-8000-000000000002', recorded, signature!.value, publicKey),
    ).toBe(false);
    expect(fromBase64(signature!.value)).toHaveLength(64);
    expect(decisionSigningMessage(agentId, recorded)).toBeInstanceOf(Uint8Array);
  });

  it('signs a vote over the statement the advisory subgraph verifies (rationale "" when left out)', () => {
    const { privateKey, publicKey } = nodeKey();
    const vote = { pollId: 'p-1', option: 'raise', confidence: 0.6 };
    const value = signVote(vote, 'agent-1', new SigningKey(privateKey));
    const statement = { ...vote, agentId: 'agent-1', rationale: '' };
    expect(verifyEd25519(voteSigningMessage(statement), value, publicKey)).toBe(true);
    expect(verifyEd25519(voteSigningMessage({ ...statement, option: 'hold' }), value, publicKey)).toBe(false);
  });
});

const secret = idempotencySecret('ecp_an-agent-api-key');

describe('draftIdempotencyKey', () => {
  it('is keyed by the agent’s secret, so nobody who sees the key can test guesses of the context', () => {
    const key = draftIdempotencyKey(draft, {}, secret);
    expect(draftIdempotencyKey(draft, {}, idempotencySecret('ecp_another-key'))).not.toBe(key);
    // Not the plain digest of the body anyone could compute with a guessed context.
    const unkeyed = toHex(
      sha256(canonicalBytes(decisionBodyOf({ ...draft, advice: {}, idempotencyKey: '' }))),
    );
    expect(key).not.toContain(unkeyed);
    expect(key).toMatch(/^draft-hmac:[0-9a-f]{64}$/);
  });

  it('derives the secret from a signing key without the seed leaving it, the same every time', () => {
    const a = new SigningKey(new Uint8Array(32).fill(3));
    const b = new SigningKey(new Uint8Array(32).fill(3));
    expect(toHex(idempotencySecret(a))).toBe(toHex(idempotencySecret(b)));
    expect(toHex(idempotencySecret(a))).not.toBe(
      toHex(idempotencySecret(new SigningKey(new Uint8Array(32).fill(4)))),
    );
    expect(toHex(a.derive('one'))).not.toBe(toHex(a.derive('two')));
  });

  it('is the same for the same draft, whatever its keys’ order, and fits the ledger’s 200 characters', () => {
    const reordered: DecisionDraft = JSON.parse(
      JSON.stringify({ ...draft, context: { nested: { a: [1, 2], b: 1 }, stock: 12, sku: 'A-1' } }),
    );
    const key = draftIdempotencyKey(draft, {}, secret);
    expect(draftIdempotencyKey(reordered, {}, secret)).toBe(key);
    expect(key.startsWith(DERIVED_KEY_PREFIX)).toBe(true);
    expect(key.length).toBeLessThanOrEqual(200);
  });

  it('differs when anything recorded differs: a field, the context, the advice', () => {
    const key = draftIdempotencyKey(draft, {}, secret);
    const others = [
      draftIdempotencyKey({ ...draft, confidence: 0.81 }, {}, secret),
      draftIdempotencyKey({ ...draft, context: { ...draft.context, stock: 13 } }, {}, secret),
      draftIdempotencyKey({ ...draft, tags: [] }, {}, secret),
      draftIdempotencyKey(draft, { pollId: 'p-1' }, secret),
    ];
    expect(new Set([key, ...others]).size).toBe(5);
  });

  it('does not depend on what only friction reads (irreversibility, impact scope)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (i, s) =>
          draftIdempotencyKey({ ...draft, irreversibility: i, impactScope: s }, {}, secret) ===
          draftIdempotencyKey(draft, {}, secret),
      ),
    );
  });
});
