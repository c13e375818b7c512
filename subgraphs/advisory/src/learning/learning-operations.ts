import { defineOperation } from '@ecp/service-kit/service-operation';

/**
 * What the advisory subgraph asks of the learning consortium, which owns outcomes, calibration,
 * lessons and the jurisdiction tree (LSP v0.1). The answer types are this side's promise about the
 * learning subgraph's schema, checked by the end-to-end tests against a real one.
 */

export interface LearningCalibration {
  reports: number;
  brierScore: number | null;
  /** What a report or a vote of the agent counts with, in [0, 1]; neutral 0.5 without reports. */
  weight: number;
}

/** Agents' calibration, one per id asked, in the order asked. */
export const LEARNING_CALIBRATIONS = defineOperation<
  { calibrations: { agentId: string; calibration: LearningCalibration }[] },
  { agentIds: string[] }
>(`
  query AdvisoryCalibrations($agentIds: [ID!]!) {
    calibrations(agentIds: $agentIds) { agentId calibration { reports brierScore weight } }
  }
`);

/** A jurisdiction's effective policy (its own settings, else inherited, else the platform's defaults). */
export const LEARNING_JURISDICTION_POLICY = defineOperation<
  {
    jurisdictionPolicy: {
      code: string;
      version: string;
      riskWeight: number;
      riskWeightFrom: string | null;
    };
  },
  { code: string }
>(`
  query AdvisoryJurisdictionPolicy($code: String!) {
    jurisdictionPolicy(code: $code) { code version riskWeight riskWeightFrom }
  }
`);

export interface LearningRecommendation {
  lessonVersion: string;
  options: { option: string; expectedSuccess: number; effectiveSamples: number }[];
}

/** The consortium's options ranked by expected success (best first), at a lesson version or the latest. */
export const LEARNING_RECOMMENDATION = defineOperation<
  { recommendation: LearningRecommendation },
  { jurisdiction: string; category: string; options: string[]; atVersion: string | null }
>(`
  query AdvisoryRecommendation($jurisdiction: String!, $category: String!, $options: [String!]!, $atVersion: String) {
    recommendation(jurisdiction: $jurisdiction, category: $category, options: $options, atVersion: $atVersion) {
      lessonVersion
      options { option expectedSuccess effectiveSamples }
    }
  }
`);
