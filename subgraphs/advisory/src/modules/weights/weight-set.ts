import { ancestors } from '@ecp/jurisdictions/jurisdiction';

/** The factors of a friction score, in the order they are shown. */
export const FRICTION_FACTORS = [
  'precedentDivergence',
  'pollDissent',
  'irreversibility',
  'impactScope',
  'jurisdictionRisk',
  'trackRecord',
] as const;

export type FrictionFactorName = (typeof FRICTION_FACTORS)[number];
export type FrictionWeights = Record<FrictionFactorName, number>;

/** The parts of a decision's divergence, combined by weight. */
export const DIVERGENCE_COMPONENTS = ['poll', 'precedent', 'consortium'] as const;

export type DivergenceComponent = (typeof DIVERGENCE_COMPONENTS)[number];
export type DivergenceWeights = Record<DivergenceComponent, number>;

/** The jurisdiction a default weight set is stored under: it applies wherever no other does. */
export const DEFAULT_WEIGHTS_JURISDICTION = '*';

/**
 * One version of the weights advice is scored with, for a jurisdiction (and its sub-jurisdictions
 * that have none of their own) or for every jurisdiction (`*`). Never edited: a change is a new version.
 */
export interface WeightSet {
  jurisdiction: string;
  version: number;
  frictionWeights: FrictionWeights;
  /** The jurisdiction's risk, in [0, 1]: the value of the `jurisdictionRisk` factor. */
  riskWeight: number;
  divergenceWeights: DivergenceWeights;
  /** A combined divergence above it raises an alert. */
  divergenceThreshold: number;
  note: string;
  createdBy: string;
  createdAt: Date;
}

/** How an assessment names the weights it used: `default@1`, `EU/DE@3`. */
export function weightsVersionOf(set: Pick<WeightSet, 'jurisdiction' | 'version'>): string {
  return `${set.jurisdiction === DEFAULT_WEIGHTS_JURISDICTION ? 'default' : set.jurisdiction}@${set.version}`;
}

/** Where to look for a jurisdiction's weights, most specific first: itself, its ancestors, the default. */
export function weightsLookupOrder(jurisdiction: string): string[] {
  return [jurisdiction, ...ancestors(jurisdiction), DEFAULT_WEIGHTS_JURISDICTION];
}

/** How far weights may be from summing to 1 (they are decimals people type). */
const SUM_TOLERANCE = 1e-9;

/** The problems of a weight set as given; empty when it may be stored. */
export function weightSetProblems(input: {
  frictionWeights: Record<string, number>;
  riskWeight: number;
  divergenceWeights: Record<string, number>;
  divergenceThreshold: number;
}): { path: string; reason: string }[] {
  const problems: { path: string; reason: string }[] = [];
  const checkWeights = (path: string, weights: Record<string, number>, names: readonly string[]) => {
    for (const name of Object.keys(weights)) {
      if (!names.includes(name))
        problems.push({ path: `${path}.${name}`, reason: 'is not a weight of this set' });
    }
    let sum = 0;
    for (const name of names) {
      const w = weights[name];
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0 || w > 1) {
        problems.push({ path: `${path}.${name}`, reason: 'must be a number in [0, 1]' });
      } else sum += w;
    }
    if (problems.length === 0 && Math.abs(sum - 1) > SUM_TOLERANCE) {
      problems.push({ path, reason: `weights must sum to 1, these sum to ${sum}` });
    }
  };
  checkWeights('input.frictionWeights', input.frictionWeights, FRICTION_FACTORS);
  checkWeights('input.divergenceWeights', input.divergenceWeights, DIVERGENCE_COMPONENTS);
  for (const [path, value] of [
    ['input.riskWeight', input.riskWeight],
    ['input.divergenceThreshold', input.divergenceThreshold],
  ] as const) {
    if (!Number.isFinite(value) || value < 0 || value > 1)
      problems.push({ path, reason: 'must be in [0, 1]' });
  }
  return problems;
}
