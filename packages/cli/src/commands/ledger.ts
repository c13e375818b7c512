import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { SingleBar } from 'cli-progress';
import type { CliConfig } from '../env';
import { GatewayClient } from '../gateway-client';
import { EXPORT_FORMAT, type ExportLine } from '../ledger-export-format';

export interface LedgerClientOptions {
  gateway?: string;
  apiKey?: string;
}

function client(config: CliConfig, options: LedgerClientOptions): GatewayClient {
  return new GatewayClient(options.gateway ?? config.ECP_GATEWAY_URL, options.apiKey ?? config.ECP_API_KEY);
}

/** `ecp ledger checkpoint`: prints the latest signed checkpoint (or the one at --size), to keep. */
export async function printCheckpoint(
  config: CliConfig,
  options: LedgerClientOptions & { size?: string },
): Promise<void> {
  const { checkpoint } = await client(config, options).query<{ checkpoint: { note: string } | null }>(
    'query ($s: String) { checkpoint(treeSize: $s) { note } }',
    { s: options.size ?? null },
  );
  if (!checkpoint)
    throw new Error(
      options.size ? `no checkpoint was published at size ${options.size}` : 'no checkpoint yet',
    );
  process.stdout.write(checkpoint.note);
}

/** `ecp ledger bundle <index>`: prints the self-contained proof bundle of one entry. */
export async function printBundle(
  config: CliConfig,
  index: string,
  options: LedgerClientOptions,
): Promise<void> {
  const { proofBundle } = await client(config, options).query<{ proofBundle: string }>(
    'query ($i: String!) { proofBundle(index: $i) }',
    {
      i: index,
    },
  );
  process.stdout.write(proofBundle);
}

const PAGE = 1000;

/**
 * `ecp ledger export --out <file>`: every checkpoint up to the latest and every entry it covers, as
 * JSON lines (see ledger-export-format.ts), with a progress bar on the terminal.
 */
export async function exportLedger(
  config: CliConfig,
  options: LedgerClientOptions & { out: string },
): Promise<void> {
  const gateway = client(config, options);
  const { checkpoint } = await gateway.query<{ checkpoint: { treeSize: string; origin: string } | null }>(
    '{ checkpoint { treeSize origin } }',
  );
  if (!checkpoint) throw new Error('no checkpoint yet: nothing to export');
  const total = BigInt(checkpoint.treeSize);
  const out = createWriteStream(options.out);
  const write = async (line: ExportLine) => {
    if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
  };
  const bar = new SingleBar({
    format: 'exporting entries [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left',
    hideCursor: true,
    noTTYOutput: false,
    stream: process.stderr,
  });
  bar.start(Number(total), 0);
  try {
    await write({
      format: EXPORT_FORMAT,
      origin: checkpoint.origin,
      treeSize: checkpoint.treeSize,
      exportedAt: new Date().toISOString(),
    });
    for (let from = 0n; ; ) {
      const { checkpoints } = await gateway.query<{ checkpoints: { treeSize: string; note: string }[] }>(
        'query ($f: String!) { checkpoints(fromSize: $f, first: 1000) { treeSize note } }',
        { f: from.toString() },
      );
      const within = checkpoints.filter((c) => BigInt(c.treeSize) <= total);
      for (const c of within) await write({ checkpoint: c.note });
      if (checkpoints.length < 1000 || within.length < checkpoints.length) break;
      from = BigInt(checkpoints.at(-1)!.treeSize) + 1n;
    }
    for (let from = 0n; from < total; ) {
      const { ledgerEntries } = await gateway.query<{
        ledgerEntries: { index: string; leafHash: string; canonicalJson: string | null }[];
      }>(
        'query ($f: String!, $n: Int!) { ledgerEntries(fromIndex: $f, first: $n) { index leafHash canonicalJson } }',
        { f: from.toString(), n: Number(total - from < BigInt(PAGE) ? total - from : BigInt(PAGE)) },
      );
      if (ledgerEntries.length === 0) throw new Error(`the ledger returned no entries from ${from}`);
      for (const e of ledgerEntries) {
        if (e.canonicalJson === null) {
          throw new Error(
            `entry ${e.index} is another agent's record, whose bytes are withheld from this key: export the whole log with the key of a person (ANALYST, OPERATOR or ADMIN)`,
          );
        }
        await write({ index: e.index, leafHash: e.leafHash, canonical: e.canonicalJson });
      }
      from += BigInt(ledgerEntries.length);
      bar.update(Number(from));
    }
  } finally {
    bar.stop();
    out.end();
    await once(out, 'finish');
  }
  process.stderr.write(`exported ${total} entries to ${options.out}\n`);
}
