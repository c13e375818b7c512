import type { Logger } from '@ecp/logging/logger';
import type { CallOptions } from '@ecp/service-kit/service-client';
import type { ServiceDirectory } from '@ecp/service-kit/service-directory';
import {
  LEARNING_CALIBRATIONS,
  LEARNING_JURISDICTION_POLICY,
  LEARNING_RECOMMENDATION,
  type LearningCalibration,
  type LearningRecommendation,
} from './learning-operations';

/**
 * What advice takes from the learning consortium: agents' calibration (the friction factor "track
 * record" and REPUTATION-weighted votes), the risk weight of the jurisdiction tree, and the
 * consortium's recommendation (a decision's divergence from it). Advice never blocks on it: when the
 * consortium gives no answer, each method says so with `null` and logs why, and the caller falls back
 * (a neutral factor, the weight set's risk, a divergence part not measured).
 */
export class ConsortiumEvidence {
  constructor(private readonly deps: { services: ServiceDirectory; logger: Logger }) {}

  /** Calibration of each agent asked, by id; null when the consortium did not answer. */
  async calibrations(
    agentIds: readonly string[],
    options: CallOptions,
  ): Promise<Map<string, LearningCalibration> | null> {
    if (agentIds.length === 0) return new Map();
    return this.ask('calibration', async () => {
      const { calibrations } = await this.learning().request(
        LEARNING_CALIBRATIONS,
        { agentIds: [...new Set(agentIds)] },
        options,
      );
      return new Map(calibrations.map((c) => [c.agentId, c.calibration]));
    });
  }

  /** The risk weight the jurisdiction tree sets on the path to `jurisdiction` (and where); null when none does. */
  async riskWeight(
    jurisdiction: string,
    options: CallOptions,
  ): Promise<{ value: number; definedAt: string; version: string } | null> {
    return this.ask('jurisdiction policy', async () => {
      const { jurisdictionPolicy: p } = await this.learning().request(
        LEARNING_JURISDICTION_POLICY,
        { code: jurisdiction },
        options,
      );
      return p.riskWeightFrom
        ? { value: p.riskWeight, definedAt: p.riskWeightFrom, version: p.version }
        : null;
    });
  }

  /** The consortium's ranking of the options (at `atVersion` when given, else its latest lessons). */
  async recommendation(
    query: { jurisdiction: string; category: string; options: string[]; atVersion: string | null },
    options: CallOptions,
  ): Promise<LearningRecommendation | null> {
    return this.ask('recommendation', async () => {
      const { recommendation } = await this.learning().request(LEARNING_RECOMMENDATION, query, options);
      return recommendation;
    });
  }

  private learning() {
    return this.deps.services.client('learning-consortium');
  }

  private async ask<T>(what: string, call: () => Promise<T>): Promise<T | null> {
    try {
      return await call();
    } catch (err) {
      this.deps.logger.warn({ err }, `the learning consortium gave no ${what}; advice goes on without it`);
      return null;
    }
  }
}
