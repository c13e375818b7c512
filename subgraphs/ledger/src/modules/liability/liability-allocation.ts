import {
  formatShare,
  type LiabilityRulePpm,
  type LiabilityRules,
  PPM_ONE,
  readLiabilityRules,
} from './liability-rules';

/**
 * The liability allocation of a committed decision (docs/liability.md): exact shares, in integer parts
 * per million, that sum to exactly 1,000,000 among the parties present, each with the rule that
 * produced it. Pure: the same rules and parties always give the same allocation.
 */

/** Who took part in a committed decision, as the firewall knows them at commit. */
export interface LiabilityParties {
  agentId: string;
  /** The agent's operator organisation (`Agent.organisation`), null if none. */
  organisation: string | null;
  /** The distinct people whose approvals committed it, in approval order; [] if none. */
  approverIds: readonly string[];
  /** The decision named a lesson version and chose its best option. */
  consortiumFollowed: boolean;
  /** The operator who committed it past the firewall with the glass broken; null otherwise. */
  breakGlassUserId: string | null;
}

export type LiabilityParty = 'agent' | 'organisation' | 'approver' | 'consortium' | 'breakGlass';

export interface LiabilityShare {
  party: LiabilityParty;
  /** The agent's or person's id, the organisation's name; null for the consortium. */
  partyId: string | null;
  /** The share as an exact decimal, e.g. `"0.35"`. */
  share: string;
  /** The same share in parts per million. */
  ppm: number;
  /** The rule trail: which version's rule produced the share, and how. */
  rule: string;
}

export interface LiabilityAllocation {
  rulesVersion: string;
  /** Agent, organisation, approvers in approval order, consortium, break-glass user; their ppm sum to exactly 1,000,000. */
  shares: LiabilityShare[];
}

/** Rules that cannot be allocated with: they are refused when defined, so this means a bug or a tampered row. */
export class InvalidLiabilityRulesError extends Error {
  constructor(
    readonly version: string,
    readonly problems: readonly { path: string; reason: string }[],
  ) {
    super(
      `liability rules ${version} cannot be allocated with: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}`,
    );
    this.name = 'InvalidLiabilityRulesError';
  }
}

/** A share before rounding: `units / denominator` ppm, exactly. */
interface ExactShare {
  party: LiabilityParty;
  partyId: string | null;
  units: bigint;
  rule: string;
}

/**
 * Shares liability among `parties` by `rules`:
 *
 * 1. each conditional party present takes its share (`takes.approvers` split equally among the
 *    approvers, `takes.consortium` when the consortium was followed, `takes.breakGlass` for a
 *    break-glass user);
 * 2. the rest is split between the agent and its organisation by their base shares; with no
 *    organisation, its part goes to the agent or to the approvers as `withoutOrganisation` says;
 * 3. the exact shares are rounded to whole ppm by the largest-remainder method: each is rounded down,
 *    and the ppm still missing go one each to the shares with the largest remainders (ties to the
 *    earlier party in the order above), so they sum to exactly 1,000,000 and no share moves by a ppm or more.
 */
export function allocateLiability(rules: LiabilityRules, parties: LiabilityParties): LiabilityAllocation {
  const { ppm, problems } = readLiabilityRules(rules);
  if (!ppm) throw new InvalidLiabilityRulesError(rules.version, problems);
  if (new Set(parties.approverIds).size !== parties.approverIds.length)
    throw new RangeError('approverIds must be distinct people');
  const exact = exactShares(rules.version, ppm, parties);
  return { rulesVersion: rules.version, shares: roundLargestRemainder(exact.shares, exact.denominator) };
}

function exactShares(
  version: string,
  rules: LiabilityRulePpm,
  parties: LiabilityParties,
): { shares: ExactShare[]; denominator: bigint } {
  const one = BigInt(PPM_ONE);
  const approvers = parties.approverIds.length;
  // Every exact share is a whole number of 1/denominator ppm: the base split divides by 10^6, the
  // approvers' split by their number.
  const perApprover = BigInt(Math.max(approvers, 1));
  const denominator = one * perApprover;
  const units = (ppm: bigint) => ppm * denominator;
  const s = formatShare;

  const takes = {
    approvers: approvers > 0 ? rules.takes.approvers : 0,
    consortium: parties.consortiumFollowed ? rules.takes.consortium : 0,
    breakGlass: parties.breakGlassUserId !== null ? rules.takes.breakGlass : 0,
  };
  const left = PPM_ONE - takes.approvers - takes.consortium - takes.breakGlass;
  const leftText = `the ${s(left)} left after the takes`;
  const hasOrganisation = parties.organisation !== null;
  const organisationTo = hasOrganisation
    ? 'organisation'
    : rules.withoutOrganisation === 'APPROVERS' && approvers > 0
      ? 'approvers'
      : 'agent';
  // In units: base share × left (both in ppm) is ppm² — a whole number of 1/10^6 ppm.
  const baseUnits = (base: number) => BigInt(base) * BigInt(left) * perApprover;

  const shares: ExactShare[] = [];
  const agentUnits =
    baseUnits(rules.base.agent) + (organisationTo === 'agent' ? baseUnits(rules.base.organisation) : 0n);
  shares.push({
    party: 'agent',
    partyId: parties.agentId,
    units: agentUnits,
    rule:
      organisationTo === 'agent' && !hasOrganisation
        ? `${version} base.agent and withoutOrganisation=${rules.withoutOrganisation}: the agent bears its base share ${s(rules.base.agent)} and, having no organisation${approvers === 0 && rules.withoutOrganisation === 'APPROVERS' ? ' nor approvers' : ''}, the organisation's ${s(rules.base.organisation)}, of ${leftText}`
        : `${version} base.agent: the agent bears ${s(rules.base.agent)} of ${leftText}`,
  });
  if (hasOrganisation) {
    shares.push({
      party: 'organisation',
      partyId: parties.organisation,
      units: baseUnits(rules.base.organisation),
      rule: `${version} base.organisation: its operator organisation ${JSON.stringify(parties.organisation)} bears ${s(rules.base.organisation)} of ${leftText}`,
    });
  }
  for (const approverId of parties.approverIds) {
    const fromOrganisation =
      organisationTo === 'approvers' ? BigInt(rules.base.organisation) * BigInt(left) : 0n;
    shares.push({
      party: 'approver',
      partyId: approverId,
      units: units(BigInt(takes.approvers)) / perApprover + fromOrganisation,
      rule:
        `${version} takes.approvers: ${approvers === 1 ? 'the approver takes' : `the ${approvers} approvers share`} ${s(takes.approvers)}${approvers === 1 ? '' : ' equally'}` +
        (organisationTo === 'approvers'
          ? `, and, the agent having no organisation (withoutOrganisation=APPROVERS), an equal part of the organisation's ${s(rules.base.organisation)} of ${leftText}`
          : ''),
    });
  }
  if (parties.consortiumFollowed) {
    shares.push({
      party: 'consortium',
      partyId: null,
      units: units(BigInt(takes.consortium)),
      rule: `${version} takes.consortium: the consortium's recommendation was followed, so it takes ${s(takes.consortium)}`,
    });
  }
  if (parties.breakGlassUserId !== null) {
    shares.push({
      party: 'breakGlass',
      partyId: parties.breakGlassUserId,
      units: units(BigInt(takes.breakGlass)),
      rule: `${version} takes.breakGlass: the break-glass user committed it past the firewall, so takes ${s(takes.breakGlass)}`,
    });
  }
  return { shares, denominator };
}

/** Rounds exact shares (in 1/denominator ppm, summing to 10^6 ppm) to whole ppm by the largest remainder. */
function roundLargestRemainder(shares: readonly ExactShare[], denominator: bigint): LiabilityShare[] {
  const total = shares.reduce((sum, x) => sum + x.units, 0n);
  if (total !== BigInt(PPM_ONE) * denominator)
    throw new Error(`liability shares sum to ${total}/${denominator} ppm, not 1`);
  const floors = shares.map((x) => x.units / denominator);
  let missing = Number(BigInt(PPM_ONE) - floors.reduce((a, b) => a + b, 0n));
  const order = shares
    .map((x, i) => ({ i, remainder: x.units % denominator }))
    .sort((a, b) => (a.remainder === b.remainder ? a.i - b.i : a.remainder > b.remainder ? -1 : 1));
  const bumped = new Set<number>();
  for (const { i } of order) {
    if (missing === 0) break;
    bumped.add(i);
    missing--;
  }
  return shares.map((x, i) => {
    const ppm = Number(floors[i]!) + (bumped.has(i) ? 1 : 0);
    const share = formatShare(ppm);
    const remainder = x.units % denominator;
    const rounding =
      remainder === 0n
        ? ''
        : `; exactly ${fraction(x.units, BigInt(PPM_ONE) * denominator)}, rounded ${bumped.has(i) ? 'up' : 'down'} to ${share} by largest remainder so the shares sum to exactly 1`;
    return { party: x.party, partyId: x.partyId, share, ppm, rule: `${x.rule} — ${share}${rounding}.` };
  });
}

/** `n/d` in lowest terms. */
function fraction(n: bigint, d: bigint): string {
  let a = n;
  let b = d;
  while (b !== 0n) [a, b] = [b, a % b];
  return `${n / a}/${d / a}`;
}
