import { loadEnvOrExit } from '@ecp/config/env';
import { subgraphEnvShape } from '@ecp/service-kit/subgraph-env';
import { z } from 'zod';
import { DEFAULT_LEARNING_SETTINGS, type LearningSettings } from './settings';

const unit = (fallback: number) => z.coerce.number().min(0).max(1).default(fallback);
const openUnit = (fallback: number) => z.coerce.number().gt(0).max(1).default(fallback);
const defaults = DEFAULT_LEARNING_SETTINGS;

export const learningEnvSchema = z.object({
  ...subgraphEnvShape(4003),
  /** A jurisdiction's risk weight when none is set on its path, in [0, 1]. */
  JURISDICTION_DEFAULT_RISK_WEIGHT: unit(defaults.policyDefaults.riskWeight),
  /** The friction score above which a decision is held, when none is set on its path, in (0, 1]. */
  JURISDICTION_DEFAULT_FRICTION_THRESHOLD: openUnit(defaults.policyDefaults.frictionThreshold),
  /** The divergence from a cited closed poll above which a decision is held, in (0, 1]. */
  JURISDICTION_DEFAULT_DIVERGENCE_THRESHOLD: openUnit(defaults.policyDefaults.divergenceThreshold),
  /** The most pseudo-observations a parent's posterior lends a child jurisdiction as its prior. */
  LSP_PRIOR_PSEUDOCOUNT: z.coerce.number().min(0).max(1_000_000).default(defaults.priorPseudoCount),
  /** k of the calibration weight: how many reports an agent needs before its record counts half. */
  LSP_CALIBRATION_SHRINKAGE: z.coerce.number().min(0).max(1_000_000).default(defaults.calibrationShrinkage),
});

export type LearningConfig = z.output<typeof learningEnvSchema>;

export function loadLearningConfig(): LearningConfig {
  return loadEnvOrExit('learning-consortium', learningEnvSchema);
}

/** The settings the services are built with, from the parsed environment. */
export function learningSettingsOf(config: LearningConfig): LearningSettings {
  return {
    policyDefaults: {
      riskWeight: config.JURISDICTION_DEFAULT_RISK_WEIGHT,
      frictionThreshold: config.JURISDICTION_DEFAULT_FRICTION_THRESHOLD,
      divergenceThreshold: config.JURISDICTION_DEFAULT_DIVERGENCE_THRESHOLD,
    },
    priorPseudoCount: config.LSP_PRIOR_PSEUDOCOUNT,
    calibrationShrinkage: config.LSP_CALIBRATION_SHRINKAGE,
  };
}
