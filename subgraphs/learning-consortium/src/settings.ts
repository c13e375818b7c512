/**
 * The numbers the learning consortium runs on, read from its environment (`env.ts`) and handed to
 * its services: the platform's default jurisdiction policy, and the LSP's prior pseudo-count.
 */
export interface LearningSettings {
  /** Settings a jurisdiction has when neither it nor any jurisdiction above it sets them. */
  policyDefaults: {
    riskWeight: number;
    frictionThreshold: number;
    divergenceThreshold: number;
  };
  /** The most pseudo-observations a parent's posterior lends a child as its prior (LSP v0.1 §4). */
  priorPseudoCount: number;
  /** Reports after which an agent's own calibration counts as much as the neutral weight (§3). */
  calibrationShrinkage: number;
}

/** The values ECP ships with (docs/protocols/lsp-v0.1.md). */
export const DEFAULT_LEARNING_SETTINGS: LearningSettings = {
  policyDefaults: { riskWeight: 0.5, frictionThreshold: 0.7, divergenceThreshold: 0.5 },
  priorPseudoCount: 10,
  calibrationShrinkage: 10,
};
