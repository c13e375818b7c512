import type { Principal } from '@ecp/identity/principal';
import type { DecisionBody } from '@ecp/ledger-format/decision-entry';
import type { Logger } from '@ecp/logging/logger';

/** A jurisdiction's effective firewall policy, as the learning consortium answers `jurisdictionPolicy`. */
export interface JurisdictionPolicy {
  code: string;
  /** Changes whenever any setting on the path changes. */
  version: string;
  /** Hold when the friction score is above it; in (0, 1]. */
  frictionThreshold: number;
  /** Hold when the divergence from a cited closed poll is above it; in (0, 1]. */
  divergenceThreshold: number;
  categoriesRequiringApproval: readonly string[];
  /** M distinct approvers per category; a category absent needs 1. */
  approvalRules: readonly { category: string; approvers: number }[];
}

/** Who a firewall call is made for, so the other subgraph sees the agent and the logs join up. */
export interface FirewallCall {
  principal: Principal;
  requestId: string;
  logger: Logger;
}

/** What the firewall learned of a friction assessment: its id and score. */
export interface FrictionReading {
  assessmentId: string;
  score: number;
}

/**
 * Where the firewall gets what it decides on. Each method throws when it cannot get an answer; the
 * firewall then holds the decision with POLICY_UNAVAILABLE or ADVICE_UNAVAILABLE (it never commits
 * blind). Production asks the learning consortium and advisory (`serviceFirewallAdvice`); tests of the
 * ledger alone pass their own.
 */
export interface FirewallAdvice {
  /** The effective policy of `code` (defined or not). */
  policy(code: string, call: FirewallCall): Promise<JurisdictionPolicy>;
  /** A new friction assessment of the draft, made for the deciding agent. */
  assessFriction(body: DecisionBody, call: FirewallCall): Promise<FrictionReading>;
  /** The score of an assessment the decision cites (when the advice check did not already read it). */
  frictionScore(assessmentId: string, call: FirewallCall): Promise<number>;
  /**
   * The best option of the recommendation `lessonVersion` gave for this draft's jurisdiction, category
   * and options (learning `recommendation(..., atVersion)`); undefined when there is no such version.
   */
  bestOption(body: DecisionBody, lessonVersion: string, call: FirewallCall): Promise<string | undefined>;
  /** The divergence of `option` from a closed poll's result; null while the poll is open. */
  divergence(pollId: string, option: string, call: FirewallCall): Promise<number | null>;
}

/**
 * The ledger's firewall setting: enforce with this advice, or `OPEN_GATE` (every decision commits at
 * once, as before the firewall). The open gate is for the benchmark's ungated baseline and for ledger
 * tests that are not about the firewall; production refuses `LEDGER_FIREWALL=off`.
 */
export const OPEN_GATE = 'open' as const;
export type FirewallSetting = FirewallAdvice | typeof OPEN_GATE;
