import { toHex } from '@ecp/merkle/hash';
import { builder } from '../../builder';
import type { CheckpointRow, Entry } from './ledger.entities';
import { parseLedgerNumber } from './numbers';
import type { ConsistencyProofView, InclusionProofView } from './proof.service';
import { entryOwner, mayReadContents } from './visibility';

export const LedgerEntryRef = builder.objectRef<Entry>('LedgerEntry').implement({
  description: 'One entry of the Transparency Ledger: the exact bytes that were hashed into the tree.',
  fields: (t) => ({
    index: t.string({
      description: 'Position in the log (decimal; 0-based, gapless).',
      resolve: (e) => e.index,
    }),
    kind: t.exposeString('kind', { description: 'Entry kind and version, e.g. `ecp.decision/v2`.' }),
    leafHash: t.string({
      description: 'RFC 9162 leaf hash, SHA-256(0x00 ‖ canonical bytes), lowercase hex.',
      resolve: (e) => toHex(new Uint8Array(e.leafHash)),
    }),
    canonicalJson: t.string({
      nullable: true,
      description:
        'The entry in RFC 8785 canonical JSON: these UTF-8 bytes are what the leaf hash covers. Null for another agent’s entry unless the caller is a person (ANALYST, OPERATOR, ADMIN): it holds the decision’s context.',
      resolve: (e, _args, ctx) =>
        mayReadContents(ctx.principal, entryOwner(e)) ? Buffer.from(e.canonical).toString('utf8') : null,
    }),
    chosenOption: t.string({
      nullable: true,
      description:
        'For a decision entry, the option it chose (public, as on `Decision.chosenOption`, whoever recorded it); null for other kinds. What cited precedents count by.',
      resolve: (e) =>
        e.kind.startsWith('ecp.decision/')
          ? ((JSON.parse(Buffer.from(e.canonical).toString('utf8')) as { body?: { chosenOption?: string } })
              .body?.chosenOption ?? null)
          : null,
    }),
    treeSize: t.string({
      description: 'Size of the tree once the batch holding this entry was appended.',
      resolve: (e) => e.treeSize,
    }),
    recordedAt: t.field({
      type: 'DateTime',
      description: 'When the ledger appended it.',
      resolve: (e) => e.recordedAt,
    }),
  }),
});

export const CheckpointRef = builder.objectRef<CheckpointRow>('Checkpoint');

CheckpointRef.implement({
  description: 'A signed statement of the tree’s size and root hash (C2SP tlog-checkpoint in a signed note).',
  fields: (t) => ({
    origin: t.string({
      description: 'The log’s identity: the first line of the note.',
      resolve: (c) => c.note.slice(0, c.note.indexOf('\n')),
    }),
    treeSize: t.string({ description: 'Entries covered (decimal).', resolve: (c) => c.treeSize }),
    rootHash: t.string({
      description: 'RFC 9162 root hash, lowercase hex.',
      resolve: (c) => toHex(new Uint8Array(c.rootHash)),
    }),
    note: t.exposeString('note', {
      description: 'The signed note text, verifiable with the log’s public key (`GET /ledger/public-key`).',
    }),
    publishedAt: t.field({
      type: 'DateTime',
      description: 'When it was signed.',
      resolve: (c) => c.publishedAt,
    }),
  }),
});

export const InclusionProofRef = builder.objectRef<InclusionProofView>('InclusionProof').implement({
  description: 'RFC 9162 inclusion proof: the audit path from a leaf to the root of a tree of `treeSize`.',
  fields: (t) => ({
    index: t.string({ description: 'The entry’s index.', resolve: (p) => p.index.toString() }),
    treeSize: t.string({ description: 'The tree the proof is for.', resolve: (p) => p.treeSize.toString() }),
    hashes: t.stringList({
      description: 'Audit path, leaf to root, lowercase hex.',
      resolve: (p) => p.hashes.map(toHex),
    }),
  }),
});

export const ConsistencyProofRef = builder.objectRef<ConsistencyProofView>('ConsistencyProof').implement({
  description: 'RFC 9162 consistency proof: the tree of `fromSize` is a prefix of the tree of `toSize`.',
  fields: (t) => ({
    fromSize: t.string({ description: 'The older tree size.', resolve: (p) => p.fromSize.toString() }),
    toSize: t.string({ description: 'The newer tree size.', resolve: (p) => p.toSize.toString() }),
    hashes: t.stringList({
      description: 'The proof’s hashes, lowercase hex.',
      resolve: (p) => p.hashes.map(toHex),
    }),
  }),
});

const PAGE_MAX = 1000;

builder.queryFields((t) => ({
  ledgerEntry: t.field({
    type: LedgerEntryRef,
    nullable: true,
    description: 'The entry at `index`, or null beyond the tree.',
    args: { index: t.arg.string({ required: true, description: 'Decimal index.' }) },
    resolve: (_root, { index }, ctx) => ctx.proofs.entry(index),
  }),
  ledgerEntries: t.field({
    type: [LedgerEntryRef],
    description: `Entries in index order from \`fromIndex\`, at most ${PAGE_MAX} at a time: what \`ecp ledger export\` reads.`,
    args: {
      fromIndex: t.arg.string({ required: false, description: 'First index (default 0).' }),
      first: t.arg.int({ required: false, description: `How many (default 100, at most ${PAGE_MAX}).` }),
    },
    resolve: (_root, args, ctx) =>
      ctx.proofs.entries(
        parseLedgerNumber(args.fromIndex ?? '0', 'fromIndex'),
        clamp(args.first ?? 100, 1, PAGE_MAX),
      ),
  }),
  checkpoint: t.field({
    type: CheckpointRef,
    nullable: true,
    description: 'The latest signed checkpoint, or the one at exactly `treeSize`.',
    args: {
      treeSize: t.arg.string({ required: false, description: 'Decimal tree size; latest when omitted.' }),
    },
    resolve: (_root, { treeSize }, ctx) => ctx.proofs.checkpoint(treeSize),
  }),
  checkpoints: t.field({
    type: [CheckpointRef],
    description: `Signed checkpoints in size order from \`fromSize\`, at most ${PAGE_MAX} at a time.`,
    args: {
      fromSize: t.arg.string({ required: false, description: 'Smallest tree size (default 0).' }),
      first: t.arg.int({ required: false, description: `How many (default 100, at most ${PAGE_MAX}).` }),
    },
    resolve: (_root, args, ctx) =>
      ctx.proofs.checkpoints(
        parseLedgerNumber(args.fromSize ?? '0', 'fromSize'),
        clamp(args.first ?? 100, 1, PAGE_MAX),
      ),
  }),
  inclusionProof: t.field({
    type: InclusionProofRef,
    description:
      'Proof that entry `index` is in the tree of `treeSize` (the latest checkpoint’s size when omitted).',
    args: {
      index: t.arg.string({ required: true, description: 'Decimal index of the entry.' }),
      treeSize: t.arg.string({ required: false, description: 'Decimal tree size.' }),
    },
    resolve: (_root, { index, treeSize }, ctx) => ctx.proofs.inclusion(index, treeSize),
  }),
  consistencyProof: t.field({
    type: ConsistencyProofRef,
    description:
      'Proof that the tree of `fromSize` is a prefix of the tree of `toSize` (the latest checkpoint’s size when omitted).',
    args: {
      fromSize: t.arg.string({ required: true, description: 'Decimal older tree size (at least 1).' }),
      toSize: t.arg.string({ required: false, description: 'Decimal newer tree size.' }),
    },
    resolve: (_root, { fromSize, toSize }, ctx) => ctx.proofs.consistency(fromSize, toSize),
  }),
  proofBundle: t.string({
    description:
      'A self-contained text file proving entry `index` is in the log: the entry, its index, the inclusion path and the latest signed checkpoint. Check it with `ecp verify bundle`. Holds the entry’s bytes, so another agent’s entry is FORBIDDEN unless the caller is a person.',
    args: { index: t.arg.string({ required: true, description: 'Decimal index of the entry.' }) },
    resolve: (_root, { index }, ctx) => ctx.proofs.bundle(index),
  }),
}));

function clamp(n: number, min: number, max: number): number {
  return Math.min(Math.max(n, min), max);
}

builder.asEntity(CheckpointRef, {
  key: builder.selection<{ treeSize: string }>('treeSize'),
  resolveReference: ({ treeSize }, ctx) => ctx.proofs.checkpoint(treeSize),
});
