import type { CliConfig } from '../env';
import { GatewayClient } from '../gateway-client';

export interface ExplainLiabilityOptions {
  jurisdiction: string;
  organisation?: string;
  approvers?: string;
  consortium?: boolean;
  breakGlass?: boolean;
  json?: boolean;
  gateway?: string;
  apiKey?: string;
}

interface Preview {
  rulesVersion: string;
  shares: { party: string; partyId: string | null; share: string; ppm: number; rule: string }[];
}

/**
 * `ecp liability explain --jurisdiction J [--organisation O] [--approvers N] [--consortium]
 * [--break-glass]`: how a decision there would be shared under its effective liability rules
 * (`liabilityPreview`), each share with its rule trail.
 */
export async function explainLiability(config: CliConfig, options: ExplainLiabilityOptions): Promise<void> {
  const approvers = Number(options.approvers ?? '0');
  if (!Number.isInteger(approvers))
    throw new Error(`--approvers must be a whole number, not ${options.approvers}`);
  const gateway = new GatewayClient(
    options.gateway ?? config.ECP_GATEWAY_URL,
    options.apiKey ?? config.ECP_API_KEY,
  );
  const { liabilityPreview } = await gateway.query<{ liabilityPreview: Preview }>(
    `query ($j: String!, $o: String, $a: Int, $c: Boolean, $b: Boolean) {
       liabilityPreview(jurisdiction: $j, organisation: $o, approvers: $a, consortiumFollowed: $c, breakGlass: $b) {
         rulesVersion shares { party partyId share ppm rule } } }`,
    {
      j: options.jurisdiction,
      o: options.organisation ?? null,
      a: approvers,
      c: options.consortium ?? false,
      b: options.breakGlass ?? false,
    },
  );
  if (options.json) {
    process.stdout.write(`${JSON.stringify(liabilityPreview, null, 2)}\n`);
    return;
  }
  const width = Math.max(...liabilityPreview.shares.map((s) => s.share.length));
  const lines = [
    `Liability of a decision in ${options.jurisdiction} under ${liabilityPreview.rulesVersion}:`,
    ...liabilityPreview.shares.map((s) => `  ${s.party.padEnd(12)} ${s.share.padEnd(width)}  ${s.rule}`),
    `  ${'total'.padEnd(12)} ${(liabilityPreview.shares.reduce((sum, s) => sum + s.ppm, 0) / 1_000_000).toString()}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
