import { defineOperation } from '@ecp/service-kit/service-operation';

/**
 * What the advisory subgraph asks of the ledger, which owns agents, their keys and decisions. The
 * answer types are this side's promise about the ledger's schema, checked by the advisory tests
 * against a real ledger.
 */

export interface LedgerAgent {
  id: string;
  roles: string[];
  jurisdictions: string[];
  signingKeys: { id: string; publicKey: string; revokedAt: string | null }[];
}

/** Agents by id (null for ids the ledger does not know), with their signing keys. */
export const LEDGER_AGENTS = defineOperation<
  { _entities: (LedgerAgent | null)[] },
  { representations: { __typename: 'Agent'; id: string }[] }
>(`
  query AdvisoryLedgerAgents($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Agent { id roles jurisdictions signingKeys { id publicKey revokedAt } }
    }
  }
`);

/** One page of the software agents that may act in a jurisdiction. */
export const LEDGER_AGENTS_ACTING_IN = defineOperation<
  {
    agents: {
      edges: { node: { id: string } }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  },
  { actingIn: string; after: string | null }
>(`
  query AdvisoryAgentsActingIn($actingIn: String!, $after: String) {
    agents(actingIn: $actingIn, first: 100, after: $after) {
      edges { node { id } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

/** A ledger entry by index (null beyond the tree): a cited precedent is read from it. */
export const LEDGER_ENTRY = defineOperation<
  { ledgerEntry: { index: string; kind: string; leafHash: string; chosenOption: string | null } | null },
  { index: string }
>(`
  query AdvisoryLedgerEntry($index: String!) {
    ledgerEntry(index: $index) { index kind leafHash chosenOption }
  }
`);

/** The size of the tree at the latest checkpoint: precedent history is read up to it. */
export const LEDGER_CHECKPOINT = defineOperation<{ checkpoint: { treeSize: string } | null }>(`
  query AdvisoryLedgerCheckpoint { checkpoint { treeSize } }
`);

/** How often each option was chosen before an index, in a jurisdiction and category. */
export const PRECEDENT_CHOICES = defineOperation<
  { precedentChoices: { option: string; count: number }[] },
  { jurisdiction: string; category: string; options: string[]; beforeIndex: string | null }
>(`
  query AdvisoryPrecedentChoices($jurisdiction: String!, $category: String!, $options: [String!]!, $beforeIndex: String) {
    precedentChoices(jurisdiction: $jurisdiction, category: $category, options: $options, beforeIndex: $beforeIndex) {
      option
      count
    }
  }
`);

export interface LedgerDecision {
  id: string;
  ledgerIndex: string;
  jurisdiction: string;
  category: string;
  chosenOption: string;
  options: { id: string }[];
  agent: { id: string };
  advice: {
    frictionAssessmentId: string | null;
    pollId: string | null;
    lessonVersion?: string | null;
  } | null;
  /** Its options' counts among the earlier decisions of its jurisdiction and category. */
  precedentChoices: { option: string; count: number }[];
}

/** Decisions by id, with what divergence is scored from (up to a consumer job's worth at once). */
export const LEDGER_DECISIONS = defineOperation<
  { _entities: (LedgerDecision | null)[] },
  { representations: { __typename: 'Decision'; id: string }[] }
>(`
  query AdvisoryLedgerDecisions($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Decision {
        id ledgerIndex jurisdiction category chosenOption
        options { id }
        agent { id }
        advice { frictionAssessmentId pollId lessonVersion }
        precedentChoices { option count }
      }
    }
  }
`);

/** Appends an entry of a kind the advisory service records (a closed poll), idempotently. */
export const APPEND_LEDGER_ENTRY = defineOperation<
  { appendLedgerEntry: { index: string; leafHash: string; treeSize: string; replayed: boolean } },
  { input: { kind: string; body: Record<string, unknown>; idempotencyKey: string } }
>(`
  mutation AdvisoryAppendLedgerEntry($input: AppendLedgerEntryInput!) {
    appendLedgerEntry(input: $input) { index leafHash treeSize replayed }
  }
`);
