/**
 * `ecp ledger export` writes JSON lines:
 *   {"format":"ecp-ledger-export/v1","origin":…,"treeSize":"N","exportedAt":…}
 *   {"checkpoint":"<signed note>"}                                                     every checkpoint ≤ N
 *   {"index":"0","leafHash":"<hex>","canonical":"<the entry's canonical JSON text>"}   one per entry, in order
 * Everything an auditor needs to recompute the whole tree and compare it with signed checkpoints;
 * checkpoints come first so that a verifier can check the entries in one streaming pass.
 */
export const EXPORT_FORMAT = 'ecp-ledger-export/v1';

export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  origin: string;
  treeSize: string;
  exportedAt: string;
}

export interface ExportedEntry {
  index: string;
  leafHash: string;
  canonical: string;
}

export interface ExportedCheckpoint {
  checkpoint: string;
}

export type ExportLine = ExportHeader | ExportedEntry | ExportedCheckpoint;

export function isEntryLine(line: ExportLine): line is ExportedEntry {
  return 'canonical' in line;
}

export function isCheckpointLine(line: ExportLine): line is ExportedCheckpoint {
  return 'checkpoint' in line;
}
