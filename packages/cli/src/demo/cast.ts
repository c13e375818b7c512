/**
 * Who plays in `ecp demo` and what they decide about: six software agents in a few jurisdictions, one
 * operator who reviews what the Liability Firewall holds, one jurisdiction whose policy holds a category
 * for a person, the topics the agents decide on, and the environment that goes down and back.
 */

/** Every principal the demo registers is named with this prefix… */
export const DEMO_NAME_PREFIX = 'demo-';

/** …and acts for this operator organisation: together, what marks a demo agent (the API has no other label). */
export const DEMO_ORGANISATION = 'ECP demo';

/** The name of the API keys the demo issues itself; a live one left by a run that was killed is revoked. */
export const DEMO_KEY_NAME = 'ecp demo';

/** A principal the demo plays: its name, its roles and where it acts. */
export interface CastMember {
  name: string;
  roles: readonly ('AGENT' | 'OPERATOR')[];
  /** Where it is registered (it acts there and below). */
  jurisdictions: readonly string[];
  /** Where it takes its decisions, each within `jurisdictions`. */
  actsIn: readonly string[];
}

/** The six agents, each with a home, two of them across a region. */
export const DEMO_AGENTS: readonly CastMember[] = [
  { name: 'demo-atlas', roles: ['AGENT'], jurisdictions: ['EU/DE'], actsIn: ['EU/DE'] },
  { name: 'demo-borealis', roles: ['AGENT'], jurisdictions: ['EU/FR'], actsIn: ['EU/FR'] },
  { name: 'demo-cirrus', roles: ['AGENT'], jurisdictions: ['US/CA'], actsIn: ['US/CA'] },
  { name: 'demo-delta', roles: ['AGENT'], jurisdictions: ['EU'], actsIn: ['EU/DE', 'EU/FR', 'EU/NL'] },
  { name: 'demo-ember', roles: ['AGENT'], jurisdictions: ['US'], actsIn: ['US/CA', 'US/NY'] },
  { name: 'demo-fjord', roles: ['AGENT'], jurisdictions: ['EU/NL'], actsIn: ['EU/NL'] },
];

/** The person who approves or rejects held decisions and looks after the environment. */
export const DEMO_OPERATOR: CastMember = {
  name: 'demo-operator',
  roles: ['OPERATOR'],
  jurisdictions: [],
  actsIn: [],
};

/**
 * The jurisdiction the demo defines (when nobody has) so that some decisions are held: its payments
 * need one person's approval. Other decisions may be held too, by friction or by divergence from a poll.
 */
export const HELD_JURISDICTION = { code: 'EU/NL', category: 'payments', approvers: 1 } as const;

/** The environment the demo serves on loopback and registers, to take it down and bring it back. */
export const DEMO_ENVIRONMENT = 'demo-shop-api';

/** One option of a topic. */
export interface TopicOption {
  id: string;
  description: string;
  /** How likely an agent is to take it (relative). */
  appeal: number;
  /** How well it tends to turn out, in [0, 1]: what outcome reports drift towards. */
  quality: number;
}

/** Something agents decide about, again and again, with different cases. */
export interface Topic {
  category: string;
  /** The poll question and the decision's summary, with `{case}` for the case reference. */
  question: string;
  /** The case reference's prefix, e.g. `INV` for invoices. */
  casePrefix: string;
  options: readonly TopicOption[];
  /** Declared irreversibility and scope of impact (friction factors), in [0, 1]. */
  irreversibility: number;
  impactScope: number;
  tags: readonly string[];
  /** The amounts of a case (in cents or units), to put in its context. */
  amount: { name: string; min: number; max: number };
}

export const TOPICS: readonly Topic[] = [
  {
    category: 'pricing',
    question: 'Change the price of the winter jacket line ({case})?',
    casePrefix: 'SKU',
    options: [
      { id: 'raise', description: 'Raise the price by 3%', appeal: 2, quality: 0.55 },
      { id: 'hold', description: 'Keep the price', appeal: 3, quality: 0.7 },
      { id: 'cut', description: 'Cut the price by 5%', appeal: 1, quality: 0.45 },
    ],
    irreversibility: 0.3,
    impactScope: 0.6,
    tags: ['pricing/seasonal', 'q4-review'],
    amount: { name: 'priceCents', min: 4_900, max: 19_900 },
  },
  {
    category: 'refunds',
    question: 'Refund the order {case}?',
    casePrefix: 'ORD',
    options: [
      { id: 'full-refund', description: 'Refund in full', appeal: 3, quality: 0.75 },
      { id: 'partial-refund', description: 'Refund half and keep the shipping', appeal: 2, quality: 0.6 },
      { id: 'decline', description: 'Decline the refund', appeal: 1, quality: 0.35 },
    ],
    irreversibility: 0.6,
    impactScope: 0.2,
    tags: ['refund', 'customer-care'],
    amount: { name: 'orderCents', min: 1_500, max: 45_000 },
  },
  {
    category: 'credit.limit',
    question: 'Change the credit limit of customer {case}?',
    casePrefix: 'CUS',
    options: [
      { id: 'raise', description: 'Raise the limit by a quarter', appeal: 2, quality: 0.5 },
      { id: 'keep', description: 'Keep the limit', appeal: 3, quality: 0.7 },
      { id: 'lower', description: 'Lower the limit', appeal: 1, quality: 0.55 },
    ],
    irreversibility: 0.4,
    impactScope: 0.3,
    tags: ['credit', 'risk-review'],
    amount: { name: 'limitCents', min: 100_000, max: 2_500_000 },
  },
  {
    category: 'routing',
    question: 'How should shipment {case} travel?',
    casePrefix: 'SHP',
    options: [
      { id: 'road', description: 'By road, two days', appeal: 3, quality: 0.7 },
      { id: 'rail', description: 'By rail, three days, lower emissions', appeal: 2, quality: 0.65 },
      { id: 'air', description: 'By air, next day', appeal: 1, quality: 0.6 },
    ],
    irreversibility: 0.2,
    impactScope: 0.2,
    tags: ['logistics'],
    amount: { name: 'weightKg', min: 2, max: 1_800 },
  },
  {
    category: 'payments',
    question: 'Pay the supplier invoice {case}?',
    casePrefix: 'INV',
    options: [
      { id: 'pay-now', description: 'Pay now and take the early-payment discount', appeal: 2, quality: 0.7 },
      { id: 'pay-on-due-date', description: 'Pay on the due date', appeal: 3, quality: 0.65 },
      { id: 'hold', description: 'Hold the payment and ask the supplier', appeal: 1, quality: 0.4 },
    ],
    irreversibility: 0.8,
    impactScope: 0.4,
    tags: ['supplier/acme', 'accounts-payable'],
    amount: { name: 'invoiceCents', min: 20_000, max: 4_800_000 },
  },
  {
    category: 'inventory',
    question: 'Reorder stock for {case}?',
    casePrefix: 'SKU',
    options: [
      { id: 'reorder-now', description: 'Reorder now', appeal: 3, quality: 0.65 },
      { id: 'reorder-later', description: 'Reorder next week', appeal: 2, quality: 0.6 },
      { id: 'skip', description: 'Skip this cycle', appeal: 1, quality: 0.4 },
    ],
    irreversibility: 0.3,
    impactScope: 0.3,
    tags: ['stock'],
    amount: { name: 'units', min: 20, max: 4_000 },
  },
];

/** The topic whose decisions the held jurisdiction's policy holds. */
export const HELD_TOPIC: Topic = TOPICS.find((t) => t.category === HELD_JURISDICTION.category)!;
