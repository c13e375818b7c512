import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { newId } from '@ecp/db/ids';
import type { Principal } from '@ecp/identity/principal';
import { REPO_ROOT } from '@ecp/platform/repo';
import { graphql, TEST_LEDGER_ORIGIN } from '@ecp/test-kit/http';
import type { SubgraphUnderTest } from '@ecp/test-kit/subgraph';
import { logKeys } from '../src/modules/ledger/log-keys';
import { testLedgerConfig } from './ledger-config';

/** An auditor: reading every entry's bytes is for people. */
const auditor: Principal = {
  kind: 'agent',
  id: newId(),
  name: 'auditor',
  roles: ['ANALYST'],
  jurisdictions: [],
};

/** Runs the `ecp` command of this checkout. */
export function ecp(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [join(REPO_ROOT, 'packages/cli/bin/ecp.js'), ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH },
  });
}

/**
 * Exports the ledger under test up to its latest checkpoint, as `ecp ledger export` writes it, and
 * checks it with `ecp verify export` under the test log key; resolves with what it printed, rejects
 * when the check fails. `schemas` are entry kinds' schemas to pass with `--schema`.
 */
export async function verifyExport(
  sg: SubgraphUnderTest,
  schemas: Record<string, object> = {},
): Promise<string> {
  const read = await graphql<{
    checkpoints: { treeSize: string; note: string }[];
    ledgerEntries: { index: string; leafHash: string; canonicalJson: string }[];
  }>(
    sg.url,
    '{ checkpoints(first: 1000) { treeSize note } ledgerEntries(first: 1000) { index leafHash canonicalJson } }',
    {},
    { as: auditor },
  );
  const { checkpoints, ledgerEntries } = read.body.data!;
  const top = checkpoints.at(-1)!;
  const entries = ledgerEntries.filter((e) => BigInt(e.index) < BigInt(top.treeSize));
  const dir = mkdtempSync(join(tmpdir(), 'ecp-export-'));
  const file = join(dir, 'export.jsonl');
  writeFileSync(
    file,
    `${[
      {
        format: 'ecp-ledger-export/v1',
        origin: TEST_LEDGER_ORIGIN,
        treeSize: top.treeSize,
        exportedAt: new Date().toISOString(),
      },
      ...checkpoints
        .filter((c) => BigInt(c.treeSize) <= BigInt(top.treeSize))
        .map((c) => ({ checkpoint: c.note })),
      ...entries.map((e) => ({ index: e.index, leafHash: e.leafHash, canonical: e.canonicalJson })),
    ]
      .map((l) => JSON.stringify(l))
      .join('\n')}\n`,
  );
  const schemaArgs = Object.entries(schemas).flatMap(([name, schema]) => {
    const schemaFile = join(dir, name);
    writeFileSync(schemaFile, JSON.stringify(schema));
    return ['--schema', schemaFile];
  });
  const key = logKeys(TEST_LEDGER_ORIGIN, testLedgerConfig('').LEDGER_SIGNING_KEY, []).verifierKey;
  return (await ecp('verify', 'export', file, '--key', key, ...schemaArgs)).stdout;
}
