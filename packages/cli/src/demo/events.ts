/** Who did something in the demo: an agent, the demo's operator, the admin whose key runs it, or the demo itself. */
export interface DemoActor {
  kind: 'agent' | 'operator' | 'admin' | 'demo';
  name: string;
}

/** The firewall's verdict on a decision, as the API names it. */
export type DecisionStatus = 'COMMITTED' | 'PENDING_APPROVAL' | 'REJECTED';

/**
 * What one action of the demo did: one call through the API (or, for the health endpoint, one switch),
 * with what came back. The scenario produces these; printing and counting read them.
 */
export type DemoEvent =
  | {
      kind: 'principal-ready';
      actor: DemoActor;
      jurisdictions: readonly string[];
      /** Registered now, or found from an earlier run (a new API key issued for it). */
      how: 'registered' | 'reused';
      /** The Ed25519 key it signs with in this run; null for people. */
      signingKeyId: string | null;
    }
  | {
      kind: 'jurisdiction-ready';
      actor: DemoActor;
      jurisdiction: string;
      category: string;
      /** Defined now; already holding the category; or defined by someone else otherwise, left alone. */
      how: 'defined' | 'already' | 'left-as-is';
      approvers: number;
    }
  | { kind: 'environment-ready'; actor: DemoActor; name: string; url: string; replaced: boolean }
  | {
      kind: 'recommendation-asked';
      actor: DemoActor;
      jurisdiction: string;
      category: string;
      best: string;
      expectedSuccess: number;
      followed: boolean;
    }
  | {
      kind: 'friction-assessed';
      actor: DemoActor;
      jurisdiction: string;
      category: string;
      chosenOption: string;
      score: number;
      assessmentId: string;
      withPoll: boolean;
    }
  | {
      kind: 'poll-opened';
      actor: DemoActor;
      jurisdiction: string;
      pollId: string;
      question: string;
      voters: number;
      quorum: number;
      weighting: string;
    }
  | {
      kind: 'vote-cast';
      actor: DemoActor;
      jurisdiction: string;
      pollId: string;
      option: string;
      confidence: number;
      signed: boolean;
    }
  | {
      kind: 'poll-closed';
      actor: DemoActor;
      jurisdiction: string;
      pollId: string;
      /** Closed by its opener now, or by itself when the last eligible voter voted. */
      by: 'opener' | 'all-voted';
      leading: string | null;
      leadingVotes: number;
      voteCount: number;
      consensus: number | null;
      quorumMet: boolean;
    }
  | {
      kind: 'decision-recorded';
      actor: DemoActor;
      jurisdiction: string;
      category: string;
      decisionId: string;
      chosenOption: string;
      confidence: number;
      status: DecisionStatus;
      ledgerIndex: string | null;
      holdReasons: readonly string[];
      approvalsNeeded: number | null;
      signed: boolean;
      /** The advice named: `friction`, `poll`, `consortium`. */
      advice: readonly string[];
      precedents: number;
    }
  | {
      kind: 'decision-reviewed';
      actor: DemoActor;
      jurisdiction: string;
      decisionId: string;
      verdict: 'approved' | 'rejected';
      status: DecisionStatus;
      ledgerIndex: string | null;
      approvalsNeeded: number | null;
      approvalsGiven: number;
    }
  | {
      kind: 'outcome-reported';
      actor: DemoActor;
      jurisdiction: string;
      decisionId: string;
      success: number;
      ledgerIndex: string;
    }
  | { kind: 'endpoint-switched'; actor: DemoActor; environment: string; up: boolean }
  | {
      kind: 'environment-checked';
      actor: DemoActor;
      environment: string;
      ok: boolean;
      statusCode: number | null;
      latencyMs: number;
      status: 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY';
      consecutiveFailures: number;
      failThreshold: number;
      /** How many environments the check covered in all (others than the demo's may be registered). */
      checked: number;
    }
  | {
      kind: 'action-failed';
      actor: DemoActor;
      jurisdiction: string | null;
      /** What it tried, e.g. `record a decision`. */
      what: string;
      code: string;
      reason: string;
    }
  | {
      kind: 'cleaned-up';
      actor: DemoActor;
      environmentRemoved: boolean;
      apiKeysRevoked: number;
      signingKeysRevoked: number;
      problems: readonly string[];
    };
