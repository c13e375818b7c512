import { createHash } from 'node:crypto';
import { isJurisdiction } from '@ecp/jurisdictions/jurisdiction';
import type { LearningSettings } from '../../settings';

/**
 * The LSP tree and the policy each jurisdiction has in it (LSP v0.1 §2), as pure functions over the
 * current definitions.
 *
 * A defined jurisdiction's parent is the one its definition names. A code nobody defined hangs below
 * its prefix (`EU/DE/BY` below `EU/DE`, and so on), so every code has a place in the tree whether or
 * not an operator defined it. A policy setting comes from the nearest jurisdiction on that path, the
 * code itself included, that sets it; else from the platform default.
 */

/** M distinct approvers for decisions of a category (1..10). */
export interface ApprovalRule {
  category: string;
  approvers: number;
}

/** What the path needs of a definition: the current version of each defined code. */
export interface JurisdictionDefinition {
  code: string;
  version: number;
  parent: string | null;
  riskWeight: number | null;
  frictionThreshold: number | null;
  divergenceThreshold: number | null;
  categoriesRequiringApproval: string[] | null;
  approvalRules: ApprovalRule[] | null;
}

export interface JurisdictionPolicy {
  code: string;
  definedAt: string | null;
  version: string;
  riskWeight: number;
  /** The jurisdiction whose definition set the risk weight; null: the platform default. */
  riskWeightFrom: string | null;
  frictionThreshold: number;
  divergenceThreshold: number;
  categoriesRequiringApproval: string[];
  approvalRules: ApprovalRule[];
}

/** The longest path followed: more than any real tree, and a bound should stored data ever be bad. */
export const MAX_PATH_LENGTH = 64;

/** The code above `code` in the tree, or null at a root (see the module comment). */
export function parentOf(code: string, defined: ReadonlyMap<string, JurisdictionDefinition>): string | null {
  const own = defined.get(code);
  if (own) return own.parent;
  const cut = code.lastIndexOf('/');
  return cut > 0 ? code.slice(0, cut) : null;
}

/** `code` and every jurisdiction above it, nearest first: the path lessons and policies follow. */
export function pathOf(code: string, defined: ReadonlyMap<string, JurisdictionDefinition>): string[] {
  const path: string[] = [];
  for (let at: string | null = code; at !== null && path.length < MAX_PATH_LENGTH; ) {
    if (path.includes(at)) break;
    path.push(at);
    at = parentOf(at, defined);
  }
  return path;
}

/** Whether making `parent` the parent of `code` would put `code` above itself. */
export function wouldCycle(
  code: string,
  parent: string,
  defined: ReadonlyMap<string, JurisdictionDefinition>,
): boolean {
  return pathOf(parent, defined).includes(code);
}

/** A short digest of the platform defaults, part of every policy version: changing them changes it. */
export function defaultsDigest(defaults: LearningSettings['policyDefaults']): string {
  const text = `${defaults.riskWeight}|${defaults.frictionThreshold}|${defaults.divergenceThreshold}`;
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/**
 * The effective policy of any code, defined or not. Its `version` names every defined version on
 * the path and the defaults (`EU/DE@2,EU@1;defaults=…`), so it changes whenever a setting that could
 * reach the code changes, and is the same while none does.
 */
export function effectivePolicy(
  code: string,
  defined: ReadonlyMap<string, JurisdictionDefinition>,
  defaults: LearningSettings['policyDefaults'],
): JurisdictionPolicy {
  const onPath = isJurisdiction(code)
    ? pathOf(code, defined).flatMap((c) => {
        const d = defined.get(c);
        return d ? [d] : [];
      })
    : [];
  const setter = (pick: (d: JurisdictionDefinition) => unknown): string | null =>
    onPath.find((d) => pick(d) !== null && pick(d) !== undefined)?.code ?? null;
  const first = <T>(pick: (d: JurisdictionDefinition) => T | null): T | null => {
    for (const d of onPath) {
      const value = pick(d);
      if (value !== null && value !== undefined) return value;
    }
    return null;
  };
  return {
    code,
    definedAt: onPath[0]?.code ?? null,
    version: [onPath.map((d) => `${d.code}@${d.version}`).join(','), `defaults=${defaultsDigest(defaults)}`]
      .filter((part) => part.length > 0)
      .join(';'),
    riskWeight: first((d) => d.riskWeight) ?? defaults.riskWeight,
    riskWeightFrom: setter((d) => d.riskWeight),
    frictionThreshold: first((d) => d.frictionThreshold) ?? defaults.frictionThreshold,
    divergenceThreshold: first((d) => d.divergenceThreshold) ?? defaults.divergenceThreshold,
    categoriesRequiringApproval: [...(first((d) => d.categoriesRequiringApproval) ?? [])],
    approvalRules: (first((d) => d.approvalRules) ?? []).map((r) => ({ ...r })),
  };
}
