import type { CallOptions } from '@ecp/service-kit/service-client';
import type { ServiceDirectory } from '@ecp/service-kit/service-directory';
import {
  LEARNING_CALIBRATIONS,
  LEARNING_JURISDICTION_POLICY,
  LEARNING_RECOMMENDATION,
  type LearningCalibration,
  type LearningRecommendation,
} from './learning-operations';

/** The risk weight the jurisdiction tree gives a code, and the definition that set it. */
export interface RiskWeight {
  value: number;
  definedAt: string;
  version: string;
}

/**
 * What advice takes from the learning consortium: agents' calibration (the friction factor "track
 * record" and REPUTATION-weighted votes), the risk weight of the jurisdiction tree, and the
 * consortium's recommendation (a decision's divergence from it). Advice never blocks on it: when the
 * consortium gives no answer, each method says so with `null` and logs why, and the caller falls back
 * (a neutral factor, the weight set's risk, a divergence part not measured).
 */
export class ConsortiumEvidence {
  private readonly policies = new Map<string, { risk: RiskWeight | null; until: number }>();

  /**
   * One per process. Jurisdiction policies are cached for `policyTtlMs` (default 5 s), as the ledger's
   * firewall caches them: every assessment needs its jurisdiction's risk weight, which changes only
   * when an operator redefines the tree, so a short TTL bounds how long a change takes to reach
   * friction without an invalidation channel. Only answers are cached, never failures.
   */
  constructor(
    private readonly deps: { services: ServiceDirectory; policyTtlMs?: number; now?: () => number },
  ) {}

  /** Calibration of each agent asked, by id; null when the consortium did not answer. */
  async calibrations(
    agentIds: readonly string[],
    options: CallOptions,
  ): Promise<Map<string, LearningCalibration> | null> {
    if (agentIds.length === 0) return new Map();
    return this.ask('calibration', options, async () => {
      const { calibrations } = await this.learning().request(
        LEARNING_CALIBRATIONS,
        { agentIds: [...new Set(agentIds)] },
        options,
      );
      return new Map(calibrations.map((c) => [c.agentId, c.calibration]));
    });
  }

  /** The risk weight the jurisdiction tree sets on the path to `jurisdiction` (and where); null when none does. */
  async riskWeight(jurisdiction: string, options: CallOptions): Promise<RiskWeight | null> {
    const now = this.deps.now ?? Date.now;
    const cached = this.policies.get(jurisdiction);
    if (cached && cached.until > now()) return cached.risk;
    return this.ask('jurisdiction policy', options, async () => {
      const { jurisdictionPolicy: p } = await this.learning().request(
        LEARNING_JURISDICTION_POLICY,
        { code: jurisdiction },
        options,
      );
      const risk = p.riskWeightFrom
        ? { value: p.riskWeight, definedAt: p.riskWeightFrom, version: p.version }
        : null;
      // Bounded: one entry per jurisdiction code seen, cleared as a whole should it grow past that.
      if (this.policies.size > 10_000) this.policies.clear();
      this.policies.set(jurisdiction, { risk, until: now() + (this.deps.policyTtlMs ?? 5000) });
      return risk;
    });
  }

  /** The consortium's ranking of the options (at `atVersion` when given, else its latest lessons). */
  async recommendation(
    query: { jurisdiction: string; category: string; options: string[]; atVersion: string | null },
    options: CallOptions,
  ): Promise<LearningRecommendation | null> {
    return this.ask('recommendation', options, async () => {
      const { recommendation } = await this.learning().request(LEARNING_RECOMMENDATION, query, options);
      return recommendation;
    });
  }

  private learning() {
    return this.deps.services.client('learning-consortium');
  }

  private async ask<T>(what: string, options: CallOptions, call: () => Promise<T>): Promise<T | null> {
    try {
      return await call();
    } catch (err) {
      options.logger?.warn({ err }, `the learning consortium gave no ${what}; advice goes on without it`);
      return null;
    }
  }
}
