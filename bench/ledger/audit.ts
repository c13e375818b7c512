import { servicePrincipal } from '@ecp/identity/principal';
import { LogAuditor, type LogAuditReport } from '@ecp/merkle/log-audit';
import { verifyInclusion } from '@ecp/merkle/proofs';
import type { NoteVerifier } from '@ecp/merkle/signed-note';
import { ProofService } from '@ecp/subgraph-ledger/bench/proof-service';
import type { MikroORM } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { latencySummary } from './stats';

export interface LatestCheckpoint {
  treeSize: bigint;
  root: Uint8Array;
  note: string;
}

export async function latestCheckpoint(db: pg.ClientBase): Promise<LatestCheckpoint> {
  const { rows } = await db.query<{ tree_size: string; root_hash: Buffer; note: string }>(
    'select c.tree_size::text as tree_size, c.root_hash, c.note from ledger.checkpoint c order by c.tree_size desc limit 1',
  );
  const row = rows[0];
  if (!row) throw new Error('no checkpoint has been published');
  return { treeSize: BigInt(row.tree_size), root: new Uint8Array(row.root_hash), note: row.note };
}

export interface Proof {
  index: bigint;
  treeSize: bigint;
  hashes: Uint8Array[];
}

export interface ProofRun {
  count: number;
  latencyMs: { p50: number; p99: number; max: number };
  meanMs: number;
  proofs: Proof[];
}

/**
 * Inclusion proofs for random indexes below `treeSize` through ProofService (the code behind the
 * `inclusionProof` query), one at a time, each on a fresh EntityManager fork as a request gets it;
 * the tree size is left to the service (the latest checkpoint).
 */
const AUDITOR = servicePrincipal('bench', ['ANALYST']);

export async function measureProofs(
  orm: MikroORM,
  treeSize: number,
  count: number,
  warmup: number,
): Promise<ProofRun> {
  const latencies: number[] = [];
  const proofs: Proof[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const index = Math.floor(Math.random() * treeSize);
    const started = performance.now();
    const proof = await new ProofService({ em: orm.em.fork(), principal: AUDITOR }).inclusion(String(index));
    const ms = performance.now() - started;
    if (proof.treeSize !== BigInt(treeSize)) {
      throw new Error(`proof against tree size ${proof.treeSize}, expected ${treeSize}`);
    }
    if (i >= warmup) {
      latencies.push(ms);
      proofs.push(proof);
    }
  }
  const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  return { count, latencyMs: latencySummary(latencies), meanMs: mean, proofs };
}

/**
 * Verifies the given proofs (with their stored leaf hashes, against the checkpoint's root) round and
 * round for `seconds`; returns proofs verified per second. The first round also proves them correct.
 */
export async function verifierRate(
  db: pg.ClientBase,
  proofs: readonly Proof[],
  root: Uint8Array,
  seconds: number,
): Promise<{ perSecond: number; verified: number; meanProofLength: number }> {
  const { rows } = await db.query<{ index: string; leaf_hash: Buffer }>(
    'select index::text, leaf_hash from ledger.entry where index = any($1::bigint[])',
    [proofs.map((p) => p.index.toString())],
  );
  const leaves = new Map(rows.map((r) => [BigInt(r.index), new Uint8Array(r.leaf_hash)]));
  const work = proofs.map((p) => {
    const leaf = leaves.get(p.index);
    if (!leaf) throw new Error(`no leaf hash for entry ${p.index}`);
    return { ...p, leaf };
  });
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let verified = 0;
  while (performance.now() < deadline) {
    for (const p of work) verifyInclusion(p.index, p.treeSize, p.leaf, p.hashes, root);
    verified += work.length;
  }
  const elapsed = (performance.now() - started) / 1000;
  const meanProofLength = work.reduce((a, p) => a + p.hashes.length, 0) / work.length;
  return { perSecond: verified / elapsed, verified, meanProofLength };
}

export interface AuditRun {
  entries: number;
  bytes: number;
  readSeconds: number;
  hashSeconds: number;
  totalSeconds: number;
  report: LogAuditReport;
}

/**
 * The full audit: every entry's canonical bytes read from the database in index order, in pages, and
 * fed to LogAuditor, which re-hashes them, rebuilds the tree and compares its root with the signed
 * checkpoint. Reading and hashing alternate, so their times add up to the total.
 */
export async function fullAudit(
  db: pg.ClientBase,
  checkpoint: LatestCheckpoint,
  verifiers: readonly NoteVerifier[],
  origin: string,
  pageSize: number,
  progress: (entries: number) => void,
): Promise<AuditRun> {
  const auditor = new LogAuditor({ verifiers, origin, checkpoints: [checkpoint.note] });
  const started = performance.now();
  let readMs = 0;
  let hashMs = 0;
  let next = 0n;
  let bytes = 0;
  let entries = 0;
  for (;;) {
    const t0 = performance.now();
    // int8 arrives as a string (node-postgres default), bytea as a Buffer.
    const { rows } = await db.query<{ index: string; canonical: Buffer }>(
      'select index, canonical from ledger.entry where index >= $1 order by index limit $2',
      [next.toString(), pageSize],
    );
    const t1 = performance.now();
    for (const r of rows) {
      auditor.push(BigInt(r.index), r.canonical);
      bytes += r.canonical.length;
    }
    const t2 = performance.now();
    readMs += t1 - t0;
    hashMs += t2 - t1;
    entries += rows.length;
    if (rows.length < pageSize || BigInt(entries) >= checkpoint.treeSize) break;
    next = BigInt(rows.at(-1)!.index) + 1n;
    if (entries % 200_000 === 0) progress(entries);
  }
  const t3 = performance.now();
  const report = auditor.finish();
  hashMs += performance.now() - t3;
  return {
    entries,
    bytes,
    readSeconds: readMs / 1000,
    hashSeconds: hashMs / 1000,
    totalSeconds: (performance.now() - started) / 1000,
    report,
  };
}
