import { ed25519 } from '@noble/curves/ed25519';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from './base64';
import {
  CheckpointError,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
} from './checkpoint';
import { emptyRoot } from './hash';
import { ed25519Signer, ed25519Verifier, NoteError } from './signed-note';

// The example body from c2sp.org/tlog-checkpoint.
const SPEC_EXAMPLE = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const ROOT = fromBase64('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
const b64 = toBase64(ROOT);

describe('checkpoint text', () => {
  it('parses and reproduces the specification example', () => {
    const cp = parseCheckpoint(SPEC_EXAMPLE);
    expect(cp).toEqual({
      origin: 'example.com/behind-the-sofa',
      size: 20852163n,
      rootHash: ROOT,
      extensions: [],
    });
    expect(formatCheckpoint(cp)).toBe(SPEC_EXAMPLE);
  });

  it('round-trips any valid checkpoint, including extension lines and uint64 sizes', () => {
    const line = fc
      .string({ minLength: 1, maxLength: 30 })
      .filter((s) => ![...s].some((c) => c.charCodeAt(0) < 0x20));
    fc.assert(
      fc.property(
        line,
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(line, { maxLength: 3 }),
        (origin, size, rootHash, extensions) => {
          const text = formatCheckpoint({ origin, size, rootHash, extensions });
          expect(parseCheckpoint(text)).toEqual({ origin, size, rootHash, extensions });
        },
      ),
    );
  });

  it('formats the empty tree as size 0 with the empty-tree hash', () => {
    expect(formatCheckpoint({ origin: 'o', size: 0n, rootHash: emptyRoot() })).toBe(
      'o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n',
    );
  });

  it.each([
    ['no final newline', `o\n1\n${b64}`],
    ['too few lines', 'o\n1\n'],
    ['empty origin', `\n1\n${b64}\n`],
    ['leading zero', `o\n01\n${b64}\n`],
    ['sign', `o\n+1\n${b64}\n`],
    ['negative', `o\n-1\n${b64}\n`],
    ['space in size', `o\n 1\n${b64}\n`],
    ['hex size', `o\n0x1\n${b64}\n`],
    ['empty size', `o\n\n${b64}\n`],
    ['size above uint64', `o\n18446744073709551616\n${b64}\n`],
    ['short root', `o\n1\n${toBase64(ROOT.slice(1))}\n`],
    ['long root', `o\n1\n${toBase64(new Uint8Array(33))}\n`],
    ['unpadded root', `o\n1\n${b64.slice(0, -1)}\n`],
    ['non-canonical root', `o\n1\n${b64.slice(0, -2)}J=\n`],
    ['empty extension line', `o\n1\n${b64}\n\next\n`],
    ['carriage return', `o\r\n1\n${b64}\n`],
  ])('rejects %s', (_desc, text) => {
    expect(() => parseCheckpoint(text)).toThrow(CheckpointError);
  });

  it('accepts the largest uint64 size', () => {
    expect(parseCheckpoint(`o\n18446744073709551615\n${b64}\n`).size).toBe((1n << 64n) - 1n);
  });

  it('refuses to format invalid fields', () => {
    const ok = { origin: 'o', size: 1n, rootHash: ROOT };
    expect(() => formatCheckpoint({ ...ok, origin: '' })).toThrow(CheckpointError);
    expect(() => formatCheckpoint({ ...ok, origin: 'a\nb' })).toThrow(CheckpointError);
    expect(() => formatCheckpoint({ ...ok, size: -1n })).toThrow(CheckpointError);
    expect(() => formatCheckpoint({ ...ok, size: 1n << 64n })).toThrow(CheckpointError);
    expect(() => formatCheckpoint({ ...ok, rootHash: new Uint8Array(31) })).toThrow(CheckpointError);
    expect(() => formatCheckpoint({ ...ok, extensions: [''] })).toThrow(CheckpointError);
    expect(() => formatCheckpoint({ ...ok, extensions: ['a\nb'] })).toThrow(CheckpointError);
  });
});

describe('signed checkpoints', () => {
  const seed = ed25519.utils.randomSecretKey();
  const origin = 'ledger.example/log';
  const signer = ed25519Signer(origin, seed);
  const verifier = ed25519Verifier(origin, ed25519.getPublicKey(seed));

  it('signs and opens a checkpoint, checking the origin', () => {
    const note = signCheckpoint({ origin, size: 42n, rootHash: ROOT, extensions: ['ext'] }, [signer]);
    expect(note.startsWith(`${origin}\n42\n${b64}\next\n\n\u2014 ${origin} `)).toBe(true);
    const opened = openCheckpoint(note, [verifier], origin);
    expect(opened.checkpoint).toEqual({ origin, size: 42n, rootHash: ROOT, extensions: ['ext'] });
    expect(opened.note.verified[0]?.verifier).toBe(verifier);
    expect(() => openCheckpoint(note, [verifier], 'other.example/log')).toThrow(CheckpointError);
  });

  it('rejects a signed note whose text is not a checkpoint, and a tampered checkpoint', () => {
    const note = signCheckpoint({ origin, size: 42n, rootHash: ROOT }, [signer]);
    expect(() => openCheckpoint(note.replace('\n42\n', '\n43\n'), [verifier])).toThrow(NoteError);
    const other = ed25519Signer(origin, ed25519.utils.randomSecretKey());
    expect(() =>
      openCheckpoint(signCheckpoint({ origin, size: 1n, rootHash: ROOT }, [other]), [verifier]),
    ).toThrow(NoteError);
  });
});
