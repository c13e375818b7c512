import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';

/**
 * The arithmetic of a lesson (LSP v0.1 §4), one option at a time.
 *
 * Data: the weighted outcomes a jurisdiction holds for an option, `successes = Σ w·s` and
 * `failures = Σ w·(1 − s)` over the reports counted (w the reporter's calibration weight, s its
 * success in [0, 1]).
 *
 * Prior: a root's is Beta(1, 1). A child's is its parent's posterior mean m scaled to the pseudo-count
 * c = min(K, α_parent + β_parent): Beta(m·c, (1 − m)·c). K (LSP_PRIOR_PSEUDOCOUNT, default 10) bounds
 * what a parent lends, so a child with little data follows its parent and one with much data follows
 * its own; the min keeps a parent from lending more evidence than it has.
 *
 * Posterior: Beta(α0 + successes, β0 + failures), its mean α/(α + β), its 95% equal-tailed credible
 * interval the 2.5% and 97.5% quantiles of that Beta, and its effective sample size α + β: the
 * pseudo-observations of the prior plus the weighted observations — nothing else added or taken away.
 */

export interface OptionData {
  successes: number;
  failures: number;
}

export interface BetaParameters {
  alpha: number;
  beta: number;
}

/** The prior of a jurisdiction at the top of its path. */
export const UNIFORM_PRIOR: BetaParameters = { alpha: 1, beta: 1 };

export function posteriorMean({ alpha, beta }: BetaParameters): number {
  return alpha / (alpha + beta);
}

/** The prior a parent's posterior lends a child: its mean, at pseudo-count min(K, α + β). */
export function childPrior(parent: BetaParameters, pseudoCount: number): BetaParameters {
  const c = Math.min(pseudoCount, parent.alpha + parent.beta);
  const m = posteriorMean(parent);
  return { alpha: m * c, beta: (1 - m) * c };
}

export function posterior(prior: BetaParameters, data: OptionData | undefined): BetaParameters {
  return { alpha: prior.alpha + (data?.successes ?? 0), beta: prior.beta + (data?.failures ?? 0) };
}

/**
 * The posterior of one option along a path, nearest first (the asked jurisdiction, then each one
 * above it): starting from the uniform prior at the top, each level's posterior lends the next its
 * prior. With `priorFrom` the nearest jurisdiction above the first that holds data for the option, or
 * `uniform` when none does.
 */
export function posteriorAlong(
  path: readonly { jurisdiction: string; data: OptionData | undefined }[],
  pseudoCount: number,
): { posterior: BetaParameters; priorFrom: string } {
  let current = UNIFORM_PRIOR;
  for (let i = path.length - 1; i >= 0; i--) {
    const prior = i === path.length - 1 ? UNIFORM_PRIOR : childPrior(current, pseudoCount);
    current = posterior(prior, path[i]!.data);
  }
  const lender = path.slice(1).find((level) => hasData(level.data));
  return { posterior: current, priorFrom: lender?.jurisdiction ?? 'uniform' };
}

function hasData(data: OptionData | undefined): boolean {
  return data !== undefined && data.successes + data.failures > 0;
}

/** The 95% equal-tailed credible interval: the 2.5% and 97.5% quantiles of the Beta. */
export function credibleInterval({ alpha, beta }: BetaParameters, mass = 0.95): [number, number] {
  const tail = (1 - mass) / 2;
  return [betaQuantile(tail, alpha, beta), betaQuantile(1 - tail, alpha, beta)];
}
