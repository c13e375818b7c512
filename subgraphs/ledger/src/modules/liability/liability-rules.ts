import { ancestors } from '@ecp/jurisdictions/jurisdiction';

/**
 * Liability rules are data: per jurisdiction, versioned, never edited (a change is a new version).
 * They say how a committed decision's liability is shared among its parties (docs/liability.md):
 *
 * - **base shares** between the parties every decision has — the agent and its operator organisation —
 *   exact decimals that sum to exactly 1;
 * - **takes** of the conditional parties — the human approvers (split equally among them), the
 *   consortium when its recommendation was followed, a break-glass user — each an exact share the
 *   party takes when it is present; what the present ones leave is split among the base parties by
 *   their base shares. All takes together must stay below 1, so the base parties always keep a part;
 * - where the organisation's base share goes when the agent has none (`withoutOrganisation`).
 *
 * Shares are held in integer parts per million (ppm): a decimal in a rule has at most 6 places.
 */

/** One million parts per million: the whole liability. */
export const PPM_ONE = 1_000_000;

/** Decimal places a share may have: shares are kept in parts per million. */
export const SHARE_DECIMALS = 6;

/** Where the organisation's base share goes when the agent has no organisation. */
export const WITHOUT_ORGANISATION = ['AGENT', 'APPROVERS'] as const;
export type WithoutOrganisation = (typeof WITHOUT_ORGANISATION)[number];

/** What a rule set says, as exact decimal strings (`"0.6"`), in canonical form. */
export interface LiabilityRuleTerms {
  /** The always-present parties' shares of what the conditional parties leave; they sum to exactly 1. */
  base: { agent: string; organisation: string };
  /** What each conditional party takes when present; together below 1. */
  takes: { approvers: string; consortium: string; breakGlass: string };
  /** `AGENT`: to the agent. `APPROVERS`: split equally among the approvers, or to the agent when there are none. */
  withoutOrganisation: WithoutOrganisation;
}

/** One version of the liability rules of a jurisdiction, or the built-in default. */
export interface LiabilityRules extends LiabilityRuleTerms {
  /** How allocations name it: `default@1`, `EU/DE@3`. */
  version: string;
  /** The jurisdiction it is defined for (and below it, where nothing nearer is); null for the built-in default. */
  jurisdiction: string | null;
  /** Its number among the jurisdiction's versions, from 1. */
  revision: number;
  /** Why this version was made. */
  note: string;
  /** Who defined it; null for the built-in default. */
  createdBy: string | null;
  /** When; null for the built-in default. */
  createdAt: Date | null;
  /** The index (decimal) of the `ecp.liability-rules/v1` ledger entry that recorded it; null for the built-in default. */
  ledgerIndex: string | null;
}

/** A problem with rules as given: where (relative to the rules, `base.agent`) and why. */
export interface LiabilityRulesProblem {
  path: string;
  reason: string;
}

/**
 * The rules that apply where no jurisdiction on a decision's path defines any: the agent bears 60%
 * and its organisation 40% of what is left after the takes; approvers take 30% between them, the
 * consortium 10% when followed, a break-glass user 50%; without an organisation the agent bears its share.
 */
export const DEFAULT_LIABILITY_RULES: LiabilityRules = Object.freeze({
  version: 'default@1',
  jurisdiction: null,
  revision: 1,
  base: Object.freeze({ agent: '0.6', organisation: '0.4' }),
  takes: Object.freeze({ approvers: '0.3', consortium: '0.1', breakGlass: '0.5' }),
  withoutOrganisation: 'AGENT',
  note: 'The default shipped with ECP (docs/liability.md).',
  createdBy: null,
  createdAt: null,
  ledgerIndex: null,
}) as LiabilityRules;

/** How allocations name a version of a jurisdiction's rules: `EU/DE@3`. */
export function liabilityRulesVersion(jurisdiction: string, revision: number): string {
  return `${jurisdiction}@${revision}`;
}

/** Where to look for a jurisdiction's rules, nearest first: itself, then each code above it (`EU/DE/BY`, `EU/DE`, `EU`). */
export function liabilityRulesLookupOrder(jurisdiction: string): string[] {
  return [jurisdiction, ...ancestors(jurisdiction)];
}

/**
 * Among versions of any codes' rules, the one that applies in `jurisdiction`: the latest revision of
 * the nearest code on its path that has any (itself, then each code above it); undefined when none
 * does (then the built-in default applies).
 */
export function nearestRules<R extends { jurisdiction: string | null; revision: number }>(
  versions: readonly R[],
  jurisdiction: string,
): R | undefined {
  for (const code of liabilityRulesLookupOrder(jurisdiction)) {
    let latest: R | undefined;
    for (const v of versions)
      if (v.jurisdiction === code && (!latest || v.revision > latest.revision)) latest = v;
    if (latest) return latest;
  }
  return undefined;
}

const DECIMAL = /^(0|1)(\.[0-9]+)?$/;

/**
 * The exact value of a share written as a decimal in [0, 1] with at most 6 places, in parts per
 * million; null when it is not one. No floating point is involved: `"0.35"` is 350000 exactly.
 */
export function parseShare(text: string): number | null {
  if (typeof text !== 'string' || !DECIMAL.test(text)) return null;
  const [whole, fraction = ''] = text.split('.') as [string, string | undefined];
  if (fraction.length > SHARE_DECIMALS) return null;
  const ppm = Number(whole) * PPM_ONE + Number(fraction.padEnd(SHARE_DECIMALS, '0'));
  return ppm <= PPM_ONE ? ppm : null;
}

/** A share in parts per million as the shortest exact decimal: 350000 → `"0.35"`, 1000000 → `"1"`, 0 → `"0"`. */
export function formatShare(ppm: number): string {
  if (!Number.isSafeInteger(ppm) || ppm < 0) throw new RangeError(`not a share in ppm: ${ppm}`);
  const whole = Math.floor(ppm / PPM_ONE);
  const fraction = String(ppm % PPM_ONE)
    .padStart(SHARE_DECIMALS, '0')
    .replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}

/** Rule terms in parts per million, as the allocation computes with them. */
export interface LiabilityRulePpm {
  base: { agent: number; organisation: number };
  takes: { approvers: number; consortium: number; breakGlass: number };
  withoutOrganisation: WithoutOrganisation;
}

const BASE_PARTIES = ['agent', 'organisation'] as const;
const TAKES = ['approvers', 'consortium', 'breakGlass'] as const;

/**
 * Reads rule terms as given (a GraphQL input, a stored row) into parts per million and the problems
 * that make them unusable: a share that is not an exact decimal in [0, 1] with at most 6 places, base
 * shares that do not sum to exactly 1, a take of 1 or takes that together reach 1 (then the shares of a
 * decision with every party present could not sum to 1), an unknown fallback, or unknown fields.
 */
export function readLiabilityRules(input: unknown): {
  ppm: LiabilityRulePpm | null;
  problems: LiabilityRulesProblem[];
} {
  const problems: LiabilityRulesProblem[] = [];
  const record = (value: unknown, path: string): Record<string, unknown> | null => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return value as Record<string, unknown>;
    problems.push({ path, reason: 'must be an object' });
    return null;
  };
  const root = record(input, '') ?? {};
  const shares = <K extends string>(
    group: string,
    names: readonly K[],
    max: number,
    reason: string,
  ): Record<K, number> | null => {
    const given = record(root[group], group);
    if (!given) return null;
    for (const name of Object.keys(given)) {
      if (!(names as readonly string[]).includes(name))
        problems.push({ path: `${group}.${name}`, reason: `is not a share of ${group}` });
    }
    const out = {} as Record<K, number>;
    let ok = true;
    for (const name of names) {
      const value = given[name];
      const ppm = typeof value === 'string' ? parseShare(value) : null;
      if (ppm === null || ppm > max) {
        ok = false;
        problems.push({ path: `${group}.${name}`, reason });
      } else out[name] = ppm;
    }
    return ok ? out : null;
  };
  const decimal = `an exact decimal string with at most ${SHARE_DECIMALS} decimal places`;
  const base = shares('base', BASE_PARTIES, PPM_ONE, `must be ${decimal} in [0, 1], e.g. "0.6"`);
  const takes = shares('takes', TAKES, PPM_ONE - 1, `must be ${decimal} in [0, 1), e.g. "0.3"`);
  if (base && base.agent + base.organisation !== PPM_ONE) {
    problems.push({
      path: 'base',
      reason: `the base shares must sum to exactly 1; these sum to ${formatShare(base.agent + base.organisation)}`,
    });
  }
  if (takes) {
    const sum = takes.approvers + takes.consortium + takes.breakGlass;
    if (sum >= PPM_ONE) {
      problems.push({
        path: 'takes',
        reason: `the takes must sum to less than 1, so that the shares of a decision with every party present sum to 1 and its agent keeps a part; these sum to ${formatShare(sum)}`,
      });
    }
  }
  const fallback = root.withoutOrganisation;
  if (!(WITHOUT_ORGANISATION as readonly unknown[]).includes(fallback)) {
    problems.push({
      path: 'withoutOrganisation',
      reason: `must be one of ${WITHOUT_ORGANISATION.join(', ')}`,
    });
  }
  if (problems.length > 0 || !base || !takes) return { ppm: null, problems };
  return {
    ppm: { base, takes, withoutOrganisation: fallback as WithoutOrganisation },
    problems,
  };
}

/** The problems of rule terms as given; empty when they may be stored and allocated with. */
export function liabilityRulesProblems(input: unknown): LiabilityRulesProblem[] {
  return readLiabilityRules(input).problems;
}

/** Rule terms in canonical form (`"0.60"` → `"0.6"`), as they are stored and recorded; the terms must be valid. */
export function canonicalTerms(ppm: LiabilityRulePpm): LiabilityRuleTerms {
  return {
    base: { agent: formatShare(ppm.base.agent), organisation: formatShare(ppm.base.organisation) },
    takes: {
      approvers: formatShare(ppm.takes.approvers),
      consortium: formatShare(ppm.takes.consortium),
      breakGlass: formatShare(ppm.takes.breakGlass),
    },
    withoutOrganisation: ppm.withoutOrganisation,
  };
}
