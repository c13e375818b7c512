import type { CliConfig } from '../env';
import { GatewayClient } from '../gateway-client';

interface GatewayOptions {
  json?: boolean;
  gateway?: string;
  apiKey?: string;
}

export interface OpenBreakGlassOptions extends GatewayOptions {
  reason: string;
  incident?: string;
  minutes?: string;
}

interface Session {
  id: string;
  reason: string;
  operatorId: string;
  incidentId: string | null;
  openedAt: string;
  expiresAt: string;
  closedAt: string | null;
  closeReason: string | null;
  active: boolean;
  secondsLeft: number;
  openedEntryIndex: string | null;
  closedEntryIndex: string | null;
  reviewStatus: string | null;
}

const SESSION = `id reason operatorId incidentId openedAt expiresAt closedAt closeReason active secondsLeft
  openedEntryIndex closedEntryIndex reviewStatus`;

function gatewayOf(config: CliConfig, options: GatewayOptions): GatewayClient {
  return new GatewayClient(options.gateway ?? config.ECP_GATEWAY_URL, options.apiKey ?? config.ECP_API_KEY);
}

/** A session as the command prints it: what it is for and the time left. */
export function describeSession(s: Session): string {
  const left = `${Math.floor(s.secondsLeft / 60)} min ${String(s.secondsLeft % 60).padStart(2, '0')} s`;
  return [
    `Break-glass session ${s.id}`,
    `  reason     ${s.reason}`,
    `  operator   ${s.operatorId}`,
    `  incident   ${s.incidentId ?? 'none'}`,
    `  opened     ${s.openedAt} (ledger entry ${s.openedEntryIndex ?? '-'})`,
    `  expires    ${s.expiresAt}`,
    s.active
      ? `  time left  ${left} (it cannot be extended)`
      : `  ended      ${s.closedAt ?? s.expiresAt} ${s.closeReason ?? 'EXPIRED'}${s.closedEntryIndex ? ` (ledger entry ${s.closedEntryIndex})` : ''}, review ${s.reviewStatus ?? 'pending'}`,
  ].join('\n');
}

function print(session: Session, json: boolean | undefined): void {
  process.stdout.write(json ? `${JSON.stringify(session, null, 2)}\n` : `${describeSession(session)}\n`);
}

/**
 * `ecp break-glass open --reason "…" [--incident ID] [--minutes N]`: opens an emergency session for
 * the API key's person (`openBreakGlass`) and prints it with its time left.
 */
export async function openBreakGlass(config: CliConfig, options: OpenBreakGlassOptions): Promise<void> {
  const minutes = options.minutes === undefined ? null : Number(options.minutes);
  if (minutes !== null && !Number.isInteger(minutes))
    throw new Error(`--minutes must be a whole number, not ${options.minutes}`);
  const { openBreakGlass } = await gatewayOf(config, options).query<{ openBreakGlass: Session }>(
    `mutation ($input: OpenBreakGlassInput!) { openBreakGlass(input: $input) { ${SESSION} } }`,
    { input: { reason: options.reason, incidentId: options.incident ?? null, durationMinutes: minutes } },
  );
  print(openBreakGlass, options.json);
}

/** `ecp break-glass close ID`: closes a session (`closeBreakGlass`) and prints it. */
export async function closeBreakGlass(config: CliConfig, id: string, options: GatewayOptions): Promise<void> {
  const { closeBreakGlass } = await gatewayOf(config, options).query<{ closeBreakGlass: Session }>(
    `mutation ($id: ID!) { closeBreakGlass(id: $id) { ${SESSION} } }`,
    { id },
  );
  print(closeBreakGlass, options.json);
}
