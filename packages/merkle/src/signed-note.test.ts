import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from './base64';
import type { NoteErrorCode, NoteSigner, NoteVerifier } from './signed-note';
import {
  ed25519KeyId,
  ed25519Signer,
  ed25519Verifier,
  formatSignerKey,
  formatVerifierKey,
  isValidKeyName,
  NoteError,
  openNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  verifierFromKey,
} from './signed-note';

// Published vectors of golang.org/x/mod/sumdb/note (note_test.go).
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_B64 =
  'x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=';
const ENOCH_B64 =
  'rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=';
const PETER_SIG = `\u2014 PeterNeumann ${PETER_B64}\n`;
const ENOCH_SIG = `\u2014 EnochRoot ${ENOCH_B64}\n`;
// The source splices "ABCD" in at byte offset 60; the em dash is 3 bytes in UTF-8 but 1 UTF-16 unit here.
const spliceAt60 = (line: string) => `${line.slice(0, 58)}ABCD${line.slice(58)}`;

const peter = verifierFromKey(PETER_VKEY);
const enoch = verifierFromKey(ENOCH_VKEY);

function codeOf(fn: () => unknown): NoteErrorCode | 'accepted' {
  try {
    fn();
    return 'accepted';
  } catch (e) {
    if (e instanceof NoteError) return e.code;
    throw e;
  }
}

function newSigner(name: string): { signer: NoteSigner; verifier: NoteVerifier; seed: Uint8Array } {
  const seed = ed25519.utils.randomSecretKey();
  return {
    signer: ed25519Signer(name, seed),
    verifier: ed25519Verifier(name, ed25519.getPublicKey(seed)),
    seed,
  };
}

describe('key encodings (sumdb/note vectors)', () => {
  it('parses the published verifier keys and recomputes their key IDs', () => {
    const k = parseVerifierKey(PETER_VKEY);
    expect(k.name).toBe('PeterNeumann');
    expect(k.keyId).toBe(0xc74f20a3);
    expect(ed25519KeyId(k.name, k.publicKey)).toBe(0xc74f20a3);
    expect(formatVerifierKey(k.name, k.publicKey)).toBe(PETER_VKEY);
    expect(parseVerifierKey(ENOCH_VKEY).keyId).toBe(0xaf0cfe78);
  });

  it('rejects every truncation and every single-character change of a verifier key', () => {
    for (let i = 0; i <= PETER_VKEY.length; i++) {
      for (let j = i + 1; j <= PETER_VKEY.length; j++) {
        if (i === 0 && j === PETER_VKEY.length) continue;
        expect(
          codeOf(() => parseVerifierKey(PETER_VKEY.slice(i, j))),
          PETER_VKEY.slice(i, j),
        ).toBe('malformed-key');
      }
    }
    for (let i = 0; i < PETER_VKEY.length; i++) {
      const mangled =
        PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1);
      expect(
        codeOf(() => parseVerifierKey(mangled)),
        mangled,
      ).toBe('malformed-key');
    }
  });

  it('rejects a wrong-length key and an unknown algorithm even with a matching key ID', () => {
    expect(
      codeOf(() =>
        parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='),
      ),
    ).toBe('malformed-key');
    expect(
      codeOf(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')),
    ).toBe('malformed-key');
    expect(() =>
      parseVerifierKey('PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
    ).toThrow(/lowercase/);
  });

  it('parses the published signer key, whose public key matches the verifier key', () => {
    const s = parseSignerKey(PETER_SKEY);
    expect(s).toMatchObject({ name: 'PeterNeumann', keyId: 0xc74f20a3 });
    expect(formatVerifierKey(s.name, ed25519.getPublicKey(s.seed))).toBe(PETER_VKEY);
    expect(formatSignerKey(s.name, s.seed)).toBe(PETER_SKEY);
  });

  it('rejects every truncation and every single-character change of a signer key', () => {
    for (let i = 0; i <= PETER_SKEY.length; i++) {
      for (let j = i + 1; j <= PETER_SKEY.length; j++) {
        if (i === 0 && j === PETER_SKEY.length) continue;
        expect(codeOf(() => parseSignerKey(PETER_SKEY.slice(i, j)))).toBe('malformed-key');
      }
    }
    for (let i = 0; i < PETER_SKEY.length; i++) {
      const mangled =
        PETER_SKEY.slice(0, i) + String.fromCharCode(PETER_SKEY.charCodeAt(i) + 1) + PETER_SKEY.slice(i + 1);
      expect(
        codeOf(() => parseSignerKey(mangled)),
        mangled,
      ).toBe('malformed-key');
    }
  });

  it('round-trips generated keys', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.constantFrom('a', 'log.example/x', 'ü'),
        (seed, name) => {
          const pk = ed25519.getPublicKey(seed);
          const vkey = parseVerifierKey(formatVerifierKey(name, pk));
          expect(vkey).toEqual({ name, keyId: ed25519KeyId(name, pk), publicKey: pk });
          expect(parseSignerKey(formatSignerKey(name, seed)).seed).toEqual(seed);
        },
      ),
      { numRuns: 20 },
    );
  });

  it.each([
    ['', false],
    ['a+b', false],
    ['a b', false],
    ['a\u00a0b', false],
    ['a\u2028b', false],
    ['a\u3000b', false],
    ['a\tb', false],
    ['a\u0085b', false],
    ['example.com/log', true],
    ['caf\u00e9', true],
  ])('key name %j valid: %s', (name, ok) => {
    expect(isValidKeyName(name)).toBe(ok);
  });
});

describe('signNote', () => {
  it('reproduces the published signature byte for byte', () => {
    const s = parseSignerKey(PETER_SKEY);
    expect(signNote(TEXT, [ed25519Signer(s.name, s.seed)])).toBe(`${TEXT}\n${PETER_SIG}`);
  });

  it('rejects text without a final newline, forbidden characters and bad signers', () => {
    const { signer } = newSigner('ok');
    expect(codeOf(() => signNote('abc', [signer]))).toBe('malformed-note');
    expect(codeOf(() => signNote('', [signer]))).toBe('malformed-note');
    expect(codeOf(() => signNote('a\rb\n', [signer]))).toBe('malformed-note');
    expect(codeOf(() => signNote('a\u0000\n', [signer]))).toBe('malformed-note');
    expect(codeOf(() => signNote('\ud800\n', [signer]))).toBe('malformed-note');
    expect(codeOf(() => signNote(TEXT, []))).toBe('invalid-signer');
    expect(codeOf(() => signNote(TEXT, [{ ...signer, name: 'bad name' }]))).toBe('invalid-signer');
    expect(codeOf(() => signNote(TEXT, [{ ...signer, name: 'a+b' }]))).toBe('invalid-signer');
    expect(codeOf(() => signNote(TEXT, [{ ...signer, keyId: 2 ** 32 }]))).toBe('invalid-signer');
    expect(codeOf(() => signNote(TEXT, [{ ...signer, keyId: -1 }]))).toBe('invalid-signer');
    expect(codeOf(() => signNote(TEXT, [{ ...signer, sign: () => new Uint8Array(0) }]))).toBe(
      'invalid-signer',
    );
    expect(
      codeOf(() =>
        signNote(
          TEXT,
          Array.from({ length: 101 }, () => signer),
        ),
      ),
    ).toBe('invalid-signer');
  });

  it('accepts text with empty lines, which stays separated by the last blank line', () => {
    const { signer, verifier } = newSigner('log.example/a');
    for (const text of ['\n', 'a\n\nb\n', 'a\n\n', '\u2014 x y\n']) {
      expect(openNote(signNote(text, [signer]), [verifier]).text).toBe(text);
    }
  });
});

describe('openNote (sumdb/note vectors)', () => {
  it('verifies one known signature and reports the other as unverified', () => {
    const n = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter]);
    expect(n.text).toBe(TEXT);
    expect(n.verified.map((s) => [s.name, s.keyId, s.base64, s.verifier])).toEqual([
      ['PeterNeumann', 0xc74f20a3, PETER_B64, peter],
    ]);
    expect(n.unverified).toEqual([{ name: 'EnochRoot', keyId: 0xaf0cfe78, base64: ENOCH_B64 }]);
  });

  it('verifies both signatures when both keys are configured', () => {
    const n = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter, enoch]);
    expect(n.verified.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    expect(n.unverified).toEqual([]);
  });

  it('rejects a note with no signature from a configured key', () => {
    expect(codeOf(() => openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, []))).toBe('unverified-note');
    expect(() => openNote(`${TEXT}\n${PETER_SIG}`, [enoch])).toThrow(/PeterNeumann\+c74f20a3/);
  });

  it('rejects ambiguous verifier configuration only when it matters', () => {
    expect(codeOf(() => openNote(`${TEXT}\n${ENOCH_SIG}`, [enoch, peter, enoch]))).toBe('ambiguous-key');
    expect(openNote(`${TEXT}\n${PETER_SIG}`, [enoch, peter, enoch]).verified).toHaveLength(1);
  });

  it('rejects more than 100 signatures, verified or not', () => {
    expect(codeOf(() => openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, [peter]))).toBe('malformed-note');
    expect(codeOf(() => openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, []))).toBe('malformed-note');
    expect(openNote(`${TEXT}\n${PETER_SIG.repeat(100)}`, [peter]).verified).toHaveLength(1);
  });

  it('rejects the whole note when a known key signature is invalid', () => {
    expect(codeOf(() => openNote(`${TEXT}\n${spliceAt60(PETER_SIG)}`, [peter]))).toBe('invalid-signature');
    expect(() => openNote(`${TEXT}\n${spliceAt60(PETER_SIG)}`, [peter])).toThrow(
      'invalid signature for key PeterNeumann+c74f20a3',
    );
    // One good and one bad signature by the same known key is still a rejection.
    expect(codeOf(() => openNote(`${TEXT}\n${PETER_SIG}${spliceAt60(PETER_SIG)}`, [peter]))).toBe(
      'invalid-signature',
    );
  });

  it('collapses duplicate signatures', () => {
    const enochABCD =
      'rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5nABCD2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=';
    const n = openNote(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${spliceAt60(ENOCH_SIG)}`, [
      peter,
    ]);
    expect(n.verified.map((s) => s.name)).toEqual(['PeterNeumann']);
    expect(n.unverified).toEqual([
      { name: 'EnochRoot', keyId: 0xaf0cfe78, base64: ENOCH_B64 },
      { name: 'EnochRoot', keyId: 0xaf0cfe78, base64: enochABCD },
    ]);
  });

  it.each([
    ['text only', TEXT],
    ['no signature lines', `${TEXT}\n`],
    ['last signature line without newline', `${TEXT}\n${PETER_SIG.slice(0, -1)}`],
    ['control character', `\u0001${TEXT}\n${PETER_SIG}`],
    ['carriage return', `${TEXT.replace('\n', '\r\n')}\n${PETER_SIG}`],
    ['space in key name', `${TEXT}\n\u2014 Bad Name ${PETER_B64}\n`],
    ['unexpected line', `${TEXT}\n${PETER_SIG}Unexpected line.\n`],
    ['hyphen instead of em dash', `${TEXT}\n- PeterNeumann ${PETER_B64}\n`],
    ['two spaces after the dash', `${TEXT}\n\u2014  PeterNeumann ${PETER_B64}\n`],
    ['missing signature', `${TEXT}\n\u2014 PeterNeumann\n`],
    ['empty signature', `${TEXT}\n\u2014 PeterNeumann \n`],
    ['signature shorter than 5 bytes', `${TEXT}\n\u2014 PeterNeumann x08gow==\n`],
    ['unpadded base64', `${TEXT}\n\u2014 PeterNeumann ${PETER_B64.slice(0, -1)}\n`],
    ['base64url', `${TEXT}\n\u2014 PeterNeumann ${PETER_B64.replace('/', '_')}\n`],
    ['trailing space', `${TEXT}\n\u2014 PeterNeumann ${PETER_B64} \n`],
    ['lone surrogate', `\ud800${TEXT}\n${PETER_SIG}`],
  ])('rejects a malformed note: %s', (_desc, note) => {
    expect(codeOf(() => openNote(note, [peter, enoch]))).toBe('malformed-note');
  });

  it('splits text from signatures at the last blank line', () => {
    // Everything before the last blank line is text, so the first signature line becomes part of the text.
    const note = `${TEXT}\n${PETER_SIG}\n${ENOCH_SIG}`;
    expect(codeOf(() => openNote(note, [peter]))).toBe('unverified-note');
    expect(codeOf(() => openNote(note, [peter, enoch]))).toBe('invalid-signature');
  });

  it('checks that byte input is UTF-8 and keeps a leading byte order mark as text', () => {
    const bytes = new TextEncoder().encode(`${TEXT}\n${PETER_SIG}`);
    expect(openNote(bytes, [peter]).text).toBe(TEXT);
    const invalid = new Uint8Array([0xff, ...bytes]);
    expect(codeOf(() => openNote(invalid, [peter]))).toBe('malformed-note');
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]);
    // The BOM is part of the signed text, so the published signature no longer matches.
    expect(codeOf(() => openNote(withBom, [peter]))).toBe('invalid-signature');
  });
});

describe('signing and verification', () => {
  it('round-trips arbitrary text', () => {
    const { signer, verifier } = newSigner('ledger.example/log');
    const line = fc
      .string({ unit: 'grapheme', maxLength: 40 })
      .filter((s) => ![...s].some((c) => c.charCodeAt(0) < 0x20));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), (lines) => {
        const text = `${lines.join('\n')}\n`;
        const opened = openNote(signNote(text, [signer]), [verifier]);
        expect(opened.text).toBe(text);
        expect(opened.verified[0]?.verifier).toBe(verifier);
      }),
      { numRuns: 50 },
    );
  });

  it('detects tampering with the text', () => {
    const { signer, verifier } = newSigner('ledger.example/log');
    const note = signNote('ledger.example/log\n10\nAAAA\n', [signer]);
    expect(codeOf(() => openNote(note.replace('10', '11'), [verifier]))).toBe('invalid-signature');
    expect(codeOf(() => openNote(`x${note}`, [verifier]))).toBe('invalid-signature');
    expect(codeOf(() => openNote(note.replace('log\n10', 'log\n\n10'), [verifier]))).toBe(
      'invalid-signature',
    );
  });

  it('detects tampering with any bit of the signature', () => {
    const { signer, verifier } = newSigner('ledger.example/log');
    const text = 'ledger.example/log\n10\nAAAA\n';
    const raw = fromBase64(signNote(text, [signer]).split(' ').pop()?.trim() as string);
    fc.assert(
      fc.property(fc.integer({ min: 32, max: raw.length * 8 - 1 }), (bit) => {
        const bad = raw.slice();
        bad[bit >> 3] = (bad[bit >> 3] as number) ^ (1 << (bit & 7));
        const note = `${text}\n\u2014 ledger.example/log ${toBase64(bad)}\n`;
        expect(codeOf(() => openNote(note, [verifier]))).toBe('invalid-signature');
      }),
      { numRuns: 100 },
    );
  });

  it('does not accept a signature from the wrong key', () => {
    const a = newSigner('ledger.example/log');
    const b = newSigner('ledger.example/log');
    const note = signNote(TEXT, [a.signer]);
    // Same name, different key: the key ID differs, so the signature is unknown to the verifier.
    expect(codeOf(() => openNote(note, [b.verifier]))).toBe('unverified-note');
    // Same name and key ID but a different key (a key ID collision): the signature must fail.
    const impostor: NoteVerifier = {
      name: a.verifier.name,
      keyId: a.verifier.keyId,
      verify: b.verifier.verify,
    };
    expect(codeOf(() => openNote(note, [impostor]))).toBe('invalid-signature');
    // Different name, same key: unknown.
    const renamed = ed25519Verifier('other.example/log', ed25519.getPublicKey(a.seed));
    expect(codeOf(() => openNote(note, [renamed]))).toBe('unverified-note');
  });

  it('supports key rotation: any configured key is accepted', () => {
    const oldKey = newSigner('ledger.example/log');
    const newKey = newSigner('ledger.example/log');
    const verifiers = [oldKey.verifier, newKey.verifier];
    expect(openNote(signNote(TEXT, [oldKey.signer]), verifiers).verified[0]?.verifier).toBe(oldKey.verifier);
    expect(openNote(signNote(TEXT, [newKey.signer]), verifiers).verified[0]?.verifier).toBe(newKey.verifier);
    const both = openNote(signNote(TEXT, [oldKey.signer, newKey.signer]), verifiers);
    expect(both.verified.map((s) => s.verifier)).toEqual([oldKey.verifier, newKey.verifier]);
    // After the old key is retired, notes signed by both still open with the new key alone.
    const retired = openNote(signNote(TEXT, [oldKey.signer, newKey.signer]), [newKey.verifier]);
    expect(retired.verified.map((s) => s.verifier)).toEqual([newKey.verifier]);
    expect(retired.unverified).toHaveLength(1);
  });

  it('interoperates with node:crypto Ed25519 keys (the server signing path)', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const pub = fromBase64(
      `${(publicKey.export({ format: 'jwk' }).x as string).replace(/-/g, '+').replace(/_/g, '/')}=`,
    );
    const name = 'ledger.example/log';
    const serverSigner: NoteSigner = {
      name,
      keyId: ed25519KeyId(name, pub),
      sign: (msg) => new Uint8Array(nodeSign(null, msg, privateKey)),
    };
    const note = signNote('ledger.example/log\n1\nAAAA\n', [serverSigner]);
    expect(openNote(note, [verifierFromKey(formatVerifierKey(name, pub))]).verified).toHaveLength(1);
  });

  it('rejects malleable and degenerate signatures (strict RFC 8032 verification)', () => {
    const { seed, verifier } = newSigner('ledger.example/log');
    const msg = new TextEncoder().encode(TEXT);
    const sig = ed25519.sign(msg, seed);
    expect(verifier.verify(msg, sig)).toBe(true);
    // S + L is a different encoding of the same scalar; RFC 8032 requires S < L.
    const L = (1n << 252n) + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i] as number);
    let sPlusL = s + L;
    const malleated = sig.slice();
    for (let i = 32; i < 64; i++) {
      malleated[i] = Number(sPlusL & 255n);
      sPlusL >>= 8n;
    }
    expect(sPlusL).toBe(0n);
    expect(verifier.verify(msg, malleated)).toBe(false);
    expect(verifier.verify(msg, sig.slice(0, 63))).toBe(false);
    // With the identity point as key and R, S = 0 "verifies" any message under the permissive ZIP-215
    // rules; strict verification must refuse it, and so must non-canonical encodings of that point.
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const universal = new Uint8Array(64);
    universal.set(identity);
    expect(ed25519.verify(universal, msg, identity, { zip215: true })).toBe(true);
    expect(ed25519Verifier('x', identity).verify(msg, universal)).toBe(false);
    const nonCanonical = new Uint8Array(32).fill(0xff);
    nonCanonical[0] = 0xee; // y = p + 1, another encoding of y = 1
    nonCanonical[31] = 0x7f;
    const universal2 = new Uint8Array(64);
    universal2.set(nonCanonical);
    expect(ed25519Verifier('x', nonCanonical).verify(msg, universal2)).toBe(false);
  });
});
