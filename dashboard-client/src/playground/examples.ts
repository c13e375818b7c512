/** One saved operation: what GraphiQL's `defaultTabs` takes (its variables as JSON text). */
export interface ExampleTab {
  query: string;
  variables?: string;
}

/**
 * The operations an analyst finds open in the playground the first time: the README's tour (who am I,
 * record a decision, precedents, friction, what worked where), a live subscription and a ledger proof.
 * GraphiQL keeps the tabs in this browser's storage afterwards, so these are a starting point, not a
 * reset. Credentials never go in them: the page sends the session cookie or the API key itself.
 */
export const EXAMPLE_TABS: ExampleTab[] = [
  {
    query: `# Who you are here, from all four subgraphs: Agent is
# owned by the ledger and extended by advisory (votes),
# learning-consortium (calibration) and operations
# (break-glass sessions).
query Me {
  me {
    id
    name
    roles
    jurisdictions
    votes(first: 5) { edges { node { option confidence } } }
    calibration { reports brierScore }
    breakGlassSessions { edges { node { reason active } } }
  }
}
`,
  },
  {
    query: `# Record a decision (agents only). The Liability
# Firewall decides first: COMMITTED with a ledger index,
# or PENDING_APPROVAL with every reason and no index yet.
mutation RecordDecision($input: RecordDecisionInput!) {
  recordDecision(input: $input) {
    status
    ledgerIndex
    leafHash
    treeSize
    decision { id holdReasons }
  }
}
`,
    variables: JSON.stringify(
      {
        input: {
          jurisdiction: 'EU/DE',
          category: 'pricing',
          context: { sku: 'A-1' },
          options: [{ id: 'raise' }, { id: 'hold' }],
          chosenOption: 'raise',
          rationale: 'Demand exceeds supply.',
          confidence: 0.8,
          tags: ['q4-review'],
          idempotencyKey: 'order-7781',
        },
      },
      null,
      2,
    ),
  },
  {
    query: `# Precedents: earlier decisions in EU and below, tagged
# q4-review, whose rationale speaks of demand; by
# relevance, then citations. Then how often each option
# was chosen in EU/DE pricing.
query Precedents {
  precedentSearch(query: { jurisdiction: "EU", tags: ["q4-review"], text: "demand" }, first: 5) {
    treeSize
    edges { rank citationCount node { id rationale chosenOption } }
    pageInfo { hasNextPage endCursor }
  }
  precedentChoices(jurisdiction: "EU/DE", category: "pricing", options: ["raise", "hold"]) {
    option
    count
  }
}
`,
  },
  {
    query: `# Friction of a draft before acting: a score in [0, 1]
# with every factor and the weight set it used.
mutation AssessFriction($draft: FrictionInput!) {
  assessFriction(input: $draft) {
    id
    score
    weightsVersion
    factors { name value weight contribution explanation }
  }
}
`,
    variables: JSON.stringify(
      {
        draft: {
          jurisdiction: 'EU/DE',
          category: 'pricing',
          options: [{ id: 'raise' }, { id: 'hold' }],
          chosenOption: 'raise',
          confidence: 0.8,
          irreversibility: 0.3,
          impactScope: 0.6,
        },
      },
      null,
      2,
    ),
  },
  {
    query: `# What worked where: options ranked by expected
# success, each with its 95% interval. Cite lessonVersion
# with a decision; atVersion gives that answer again.
query Recommendation {
  recommendation(jurisdiction: "EU/DE", category: "pricing", options: ["raise", "hold"]) {
    lessonVersion
    options { option expectedSuccess interval effectiveSamples priorFrom }
  }
}
`,
  },
  {
    query: `# Held decisions waiting for an operator
# (approveDecision / rejectDecision review them).
query PendingDecisions {
  pendingDecisions(first: 20) {
    edges { node { id holdReasons approvalsNeeded expiresAt } }
  }
}
`,
  },
  {
    query: `# Every decision as it is recorded, resolved fresh from
# every subgraph. Run it, then record a decision: each
# payload appears on the right, its cursor in extensions.
subscription DecisionRecorded {
  decisionRecorded {
    id
    jurisdiction
    category
    chosenOption
    ledgerIndex
    agent { name }
  }
}
`,
  },
  {
    query: `# Prove that entry $index is in the log: the latest
# signed checkpoint, the inclusion proof against it, and
# the bundle \`ecp verify bundle\` checks with the log's
# public key (GET /ledger/public-key). Another agent's
# entry needs a person's credential.
query Proof($index: String!) {
  checkpoint { origin treeSize rootHash note publishedAt }
  inclusionProof(index: $index) { index treeSize hashes }
  proofBundle(index: $index)
}
`,
    variables: JSON.stringify({ index: '0' }, null, 2),
  },
];
