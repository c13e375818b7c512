import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { knownEntryKinds, registerEntrySchema, validateEntry } from '@ecp/ledger-format/entry-schemas';
import { openCheckpoint } from '@ecp/merkle/checkpoint';
import { fromHex, leafHash, toHex } from '@ecp/merkle/hash';
import { LogAuditor } from '@ecp/merkle/log-audit';
import { verifyProofBundle } from '@ecp/merkle/proof-bundle';
import { verifyConsistency } from '@ecp/merkle/proofs';
import { type NoteVerifier, verifierFromKey } from '@ecp/merkle/signed-note';
import { SingleBar } from 'cli-progress';
import type { CliConfig } from '../env';
import { GatewayClient } from '../gateway-client';
import {
  EXPORT_FORMAT,
  type ExportHeader,
  type ExportLine,
  isCheckpointLine,
  isEntryLine,
} from '../ledger-export-format';

/**
 * `ecp verify …`: checks that trust nothing but the log's public key (`--key`, the verifier key string
 * served at GET /ledger/public-key — pin your own copy). Each prints what it checked and exits non-zero
 * on the first thing that does not hold.
 */
export interface KeyOptions {
  key: string[];
  origin?: string;
}

export class VerificationFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerificationFailed';
  }
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const encoder = new TextEncoder();

function verifiers(options: KeyOptions): NoteVerifier[] {
  if (options.key.length === 0)
    throw new Error('give the log’s verifier key with --key (see GET /ledger/public-key)');
  return options.key.map((k) =>
    verifierFromKey(k.startsWith('@') ? readFileSync(k.slice(1), 'utf8').trim() : k),
  );
}

/** `ecp verify checkpoint <file…>`: each file is a signed checkpoint note. */
export function verifyCheckpoints(files: string[], options: KeyOptions): void {
  for (const file of files) {
    const { checkpoint, note } = openCheckpoint(
      readFileSync(file, 'utf8'),
      verifiers(options),
      options.origin,
    );
    say(
      `ok  ${file}: ${checkpoint.origin} size ${checkpoint.size} root ${toHex(checkpoint.rootHash)} signed by ${note.verified.map((v) => v.name).join(', ')}`,
    );
  }
}

/** `ecp verify bundle <file…>`: each file is a proof bundle (`proofBundle` / `ecp ledger bundle`). */
export function verifyBundles(files: string[], options: KeyOptions): void {
  for (const file of files) {
    const verified = verifyProofBundle(readFileSync(file, 'utf8'), verifiers(options), options.origin);
    say(
      `ok  ${file}: entry ${verified.index} (leaf ${toHex(verified.leafHash)}) is in the tree of size ${verified.treeSize}`,
    );
  }
}

/**
 * `ecp verify consistency <older> <newer>`: the newer checkpoint's tree extends the older one's. The proof
 * comes from --proof (a file of hex hashes, one per line) or is fetched from the gateway; either way it
 * is checked here, against the two signed roots.
 */
export async function verifyCheckpointConsistency(
  config: CliConfig,
  olderFile: string,
  newerFile: string,
  options: KeyOptions & { proof?: string; gateway?: string; apiKey?: string },
): Promise<void> {
  const keys = verifiers(options);
  const older = openCheckpoint(readFileSync(olderFile, 'utf8'), keys, options.origin).checkpoint;
  const newer = openCheckpoint(readFileSync(newerFile, 'utf8'), keys, options.origin).checkpoint;
  if (older.origin !== newer.origin)
    throw new VerificationFailed(`the checkpoints are of two logs: ${older.origin} and ${newer.origin}`);
  let hashes: string[];
  if (options.proof) {
    hashes = readFileSync(options.proof, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  } else {
    const gateway = new GatewayClient(
      options.gateway ?? config.ECP_GATEWAY_URL,
      options.apiKey ?? config.ECP_API_KEY,
    );
    const { consistencyProof } = await gateway.query<{ consistencyProof: { hashes: string[] } }>(
      'query ($f: String!, $t: String!) { consistencyProof(fromSize: $f, toSize: $t) { hashes } }',
      { f: older.size.toString(), t: newer.size.toString() },
    );
    hashes = consistencyProof.hashes;
  }
  verifyConsistency(
    older.size,
    newer.size,
    hashes.map((h) => fromHex(h, 32)),
    older.rootHash,
    newer.rootHash,
  );
  say(
    `ok  the tree of size ${newer.size} extends the tree of size ${older.size} (${hashes.length} proof hashes)`,
  );
}

/**
 * `ecp verify export <file>`: re-hashes every entry of an `ecp ledger export`, recomputes the whole tree
 * and compares it with every checkpoint in the export and every one given with --checkpoint, and checks
 * every entry against its kind's published JSON Schema (those this ecp knows, and any given with
 * --schema). A changed entry is named by index; with --previous (an earlier export) even one whose
 * recorded hash was forged. Entries of kinds it has no schema for are counted and named, not failed.
 */
export async function verifyExport(
  file: string,
  options: KeyOptions & { checkpoint: string[]; previous?: string; schema?: string[] },
): Promise<void> {
  for (const schemaFile of options.schema ?? [])
    registerEntrySchema(JSON.parse(readFileSync(schemaFile, 'utf8')));
  const kinds = new KindCheck();
  const previous = options.previous ? await loadEntries(options.previous) : undefined;
  const lines = readLines(file);
  const first = await lines.next();
  const header = (first.done ? undefined : JSON.parse(first.value)) as ExportHeader | undefined;
  if (header?.format !== EXPORT_FORMAT)
    throw new VerificationFailed(`${file} is not an ${EXPORT_FORMAT} file`);
  const notes = options.checkpoint.map((f) => readFileSync(f, 'utf8'));
  const total = Number(header.treeSize);
  const bar = new SingleBar({
    format: 'checking entries [{bar}] {percentage}% | {value}/{total}',
    stream: process.stderr,
    hideCursor: true,
  });
  let auditor: LogAuditor | undefined;
  let read = 0;
  bar.start(total, 0);
  for await (const text of lines) {
    const line = JSON.parse(text) as ExportLine;
    if (isCheckpointLine(line)) {
      if (auditor) throw new VerificationFailed(`${file}: a checkpoint line after the entries`);
      notes.push(line.checkpoint);
    } else if (isEntryLine(line)) {
      // Checkpoints precede entries, so every target is known before the first leaf.
      auditor ??= new LogAuditor({
        verifiers: verifiers(options),
        origin: options.origin ?? header.origin,
        checkpoints: notes,
        previous: previous ? (i) => previous.get(i) : undefined,
      });
      auditor.push(BigInt(line.index), encoder.encode(line.canonical), fromHex(line.leafHash, 32));
      kinds.check(line.index, line.canonical);
      if (++read % 1000 === 0) bar.update(read);
    }
  }
  bar.update(read);
  bar.stop();
  auditor ??= new LogAuditor({
    verifiers: verifiers(options),
    origin: options.origin ?? header.origin,
    checkpoints: notes,
  });
  const report = auditor.finish();
  if (report.size !== BigInt(header.treeSize)) {
    report.findings.push({
      kind: 'beyond-entries',
      message: `the header promises ${header.treeSize} entries, the file has ${report.size}`,
    });
    report.ok = false;
  }
  for (const finding of report.findings) say(`FAIL ${finding.message}`);
  for (const problem of kinds.problems) say(`FAIL ${problem}`);
  const failures = report.findings.length + kinds.problems.length;
  if (failures > 0) throw new VerificationFailed(`${failures} problem(s) in ${file}`);
  say(
    `ok  ${report.size} entries re-hashed; the tree (root ${report.root}) matches all ${report.checkpointsVerified} signed checkpoints`,
  );
  say(`ok  ${kinds.summary()}`);
}

/** Every entry against its kind's schema: problems are failures, kinds without a schema are counted. */
class KindCheck {
  readonly problems: string[] = [];
  private readonly checked = new Map<string, number>();
  private readonly unknown = new Map<string, number>();
  /** Read once: every `--schema` is registered before the check is made. */
  private readonly known = new Set(knownEntryKinds());

  check(index: string, canonical: string): void {
    let entry: { kind?: unknown };
    try {
      entry = JSON.parse(canonical) as { kind?: unknown };
    } catch {
      this.problems.push(`entry ${index} is not JSON`);
      return;
    }
    const kind = typeof entry.kind === 'string' ? entry.kind : '(no kind)';
    if (!this.known.has(kind)) {
      this.unknown.set(kind, (this.unknown.get(kind) ?? 0) + 1);
      return;
    }
    this.checked.set(kind, (this.checked.get(kind) ?? 0) + 1);
    const problems = validateEntry(entry);
    if (problems.length > 0 && this.problems.length < 100) {
      this.problems.push(
        `entry ${index} (${kind}) does not match its schema: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}`,
      );
    }
  }

  summary(): string {
    const list = (m: Map<string, number>) => [...m].map(([k, n]) => `${n} ${k}`).join(', ');
    const checked =
      this.checked.size > 0
        ? `entries match their kinds' schemas (${list(this.checked)})`
        : 'no entry has a known kind';
    return this.unknown.size > 0
      ? `${checked}; not checked, no schema known: ${list(this.unknown)} (give it with --schema)`
      : checked;
  }
}

/** The leaf hashes recomputed from an earlier export's bytes (32 bytes per entry, not the entries). */
async function loadEntries(file: string): Promise<Map<bigint, Uint8Array>> {
  const entries = new Map<bigint, Uint8Array>();
  for await (const text of readLines(file)) {
    const line = JSON.parse(text) as ExportLine;
    if (isEntryLine(line)) entries.set(BigInt(line.index), leafHash(encoder.encode(line.canonical)));
  }
  return entries;
}

function readLines(file: string): AsyncIterator<string> & AsyncIterable<string> {
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  return rl[Symbol.asyncIterator]() as AsyncIterator<string> & AsyncIterable<string>;
}
