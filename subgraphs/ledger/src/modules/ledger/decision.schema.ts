import { type DecisionAdvice, tagsAndAdvice } from '@ecp/ledger-format/decision-entry';
import { toHex } from '@ecp/merkle/hash';
import { withPagingErrors } from '@ecp/service-kit/paging-errors';
import { type ResolveCursorConnectionArgs, resolveCursorConnection } from '@pothos/plugin-relay';
import { builder } from '../../builder';
import { AgentRef } from '../agents/agent.schema';
import type { CommittedView, DecisionView } from './decision.service';
import type { AgentKey, Entry } from './ledger.entities';
import { LedgerEntryRef } from './ledger.schema';
import { mayReadContents } from './visibility';

export const AgentKeyRef = builder.objectRef<AgentKey>('AgentKey').implement({
  description: 'An agent’s Ed25519 public key, with which it may sign the records it appends.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Name this key in `RecordDecisionInput.signature.keyId`.' }),
    publicKey: t.string({
      description: 'The 32-byte public key, base64.',
      resolve: (k) => Buffer.from(k.publicKey).toString('base64'),
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When it was registered.',
      resolve: (k) => k.createdAt,
    }),
    revokedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was revoked; signatures by a revoked key are refused from then on.',
      resolve: (k) => k.revokedAt ?? null,
    }),
  }),
});

const DecisionOptionRef = builder.objectRef<{ id: string; description: string }>('DecisionOption').implement({
  description: 'One option the agent considered.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The option’s id, unique within the decision.' }),
    description: t.exposeString('description', { description: 'What the option is.' }),
  }),
});

const InputDigestRef = builder
  .objectRef<{ name: string; algorithm: string; digest: string }>('InputDigest')
  .implement({
    description:
      'A digest of an input the decision relied on, so the input can be matched later without being stored.',
    fields: (t) => ({
      name: t.exposeString('name', { description: 'What the input is.' }),
      algorithm: t.exposeString('algorithm', { description: 'Always `sha-256`.' }),
      digest: t.exposeString('digest', { description: 'Lowercase hex.' }),
    }),
  });

const DecisionAdviceRef = builder.objectRef<DecisionAdvice>('DecisionAdvice').implement({
  description:
    'The advice an agent took before deciding, by its ids in the advisory subgraph. The ledger recorded them only once that subgraph confirmed each exists and is about the agent’s draft.',
  fields: (t) => ({
    frictionAssessmentId: t.id({
      nullable: true,
      description: 'The friction assessment of the draft the agent took into account; null when none.',
      resolve: (a) => a.frictionAssessmentId ?? null,
    }),
    pollId: t.id({
      nullable: true,
      description: 'The poll on the draft whose result the agent took into account; null when none.',
      resolve: (a) => a.pollId ?? null,
    }),
    lessonVersion: t.string({
      nullable: true,
      description:
        'The learning consortium’s `Recommendation.lessonVersion` the agent followed, confirmed with it before recording; null when none.',
      resolve: (a) => a.lessonVersion ?? null,
    }),
  }),
});

export const DecisionRef = builder.objectRef<DecisionView>('Decision');

export const DecisionStatusRef = builder.enumType('DecisionStatus', {
  description: 'Where a decision stands with the Liability Firewall.',
  values: {
    COMMITTED: { description: 'In the Transparency Ledger: it binds.' },
    PENDING_APPROVAL: { description: 'Held for a person’s approval; it binds nobody yet.' },
    REJECTED: { description: 'Rejected by an operator, or by the system when it expired unapproved.' },
  } as const,
});

DecisionRef.implement({
  description:
    'A decision an agent took: committed to the Transparency Ledger, or held by the Liability Firewall for a person’s approval (`status`), in which case it has no ledger index until it commits.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    ledgerIndex: t.string({
      nullable: true,
      description: 'Index of its ledger entry (decimal); null until it is committed.',
      resolve: (d) => d.index?.toString() ?? null,
    }),
    leafHash: t.string({
      nullable: true,
      description: 'Leaf hash of its ledger entry, lowercase hex; null until it is committed.',
      resolve: (d) => (d.leafHash ? toHex(d.leafHash) : null),
    }),
    treeSize: t.string({
      nullable: true,
      description:
        'Size of the tree it was included at: an inclusion proof against this size exists at once. Null until it is committed.',
      resolve: (d) => d.treeSize?.toString() ?? null,
    }),
    agent: t.field({
      type: AgentRef,
      description: 'The agent that recorded it.',
      resolve: (d, _args, ctx) =>
        ctx.agents
          .findForReference(d.agentId)
          .then((a) => a ?? Promise.reject(new Error(`agent ${d.agentId} missing`))),
    }),
    jurisdiction: t.string({
      description: 'Where it applies, e.g. `EU/DE`.',
      resolve: (d) => d.entry.body.jurisdiction,
    }),
    category: t.string({
      description: 'What kind of decision it is.',
      resolve: (d) => d.entry.body.category,
    }),
    context: t.field({
      type: 'JSONObject',
      nullable: true,
      description:
        'The situation the agent decided in. Seen by the agent that recorded it and by people (ANALYST, OPERATOR, ADMIN); null for other agents.',
      resolve: (d, _args, ctx) => (mayReadContents(ctx.principal, d.agentId) ? d.entry.body.context : null),
    }),
    options: t.field({
      type: [DecisionOptionRef],
      description: 'The options considered.',
      resolve: (d) => d.entry.body.options,
    }),
    chosenOption: t.string({
      description: 'The id of the option taken.',
      resolve: (d) => d.entry.body.chosenOption,
    }),
    rationale: t.string({ description: 'Why.', resolve: (d) => d.entry.body.rationale }),
    confidence: t.float({
      description: 'The agent’s confidence, in [0, 1].',
      resolve: (d) => d.entry.body.confidence,
    }),
    inputDigests: t.field({
      type: [InputDigestRef],
      description: 'Digests of the inputs relied on.',
      resolve: (d) => d.entry.body.inputDigests,
    }),
    tags: t.stringList({
      description:
        'Its tags, in the order recorded; empty when it has none, and for decisions recorded as `ecp.decision/v1`, which had no tags.',
      resolve: (d) => tagsAndAdvice(d.entry).tags,
    }),
    advice: t.field({
      type: DecisionAdviceRef,
      nullable: true,
      description:
        'The advice the agent took, both ids null when it named none. Null for decisions recorded as `ecp.decision/v1`, which said nothing about advice.',
      resolve: (d) => tagsAndAdvice(d.entry).advice,
    }),
    idempotencyKey: t.string({
      description: 'The key the agent recorded it under.',
      resolve: (d) => d.entry.body.idempotencyKey,
    }),
    recordedAt: t.field({
      type: 'DateTime',
      description: 'When the ledger appended it; for a decision not committed, when it was proposed.',
      resolve: (d) => d.recordedAt,
    }),
    signedBy: t.field({
      type: AgentKeyRef,
      nullable: true,
      description:
        'The key whose signature over the record was verified when it was appended; null when unsigned.',
      resolve: (d, _args, ctx) => (d.signingKeyId ? ctx.agentKeys.byId(d.signingKeyId) : null),
    }),
    entry: t.field({
      type: LedgerEntryRef,
      nullable: true,
      description: 'Its ledger entry: the canonical bytes and their hash. Null until it is committed.',
      resolve: async (d, _args, ctx) =>
        d.index === null ? null : ((await ctx.proofs.entry(d.index.toString())) as Entry),
    }),
    precedents: t.field({
      type: [DecisionRef],
      description: 'The decisions it cites as precedents, in the order cited.',
      resolve: (d, _args, ctx) => ctx.decisions.precedentsOf(d),
    }),
    citedBy: t.connection(
      {
        type: DecisionRef,
        description: 'Decisions that cite this one, newest first.',
        resolve: (d, args, ctx) =>
          withPagingErrors(() =>
            resolveCursorConnection(
              { args, toCursor: (v: CommittedView) => v.index.toString(), defaultSize: 20, maxSize: 100 },
              (page: ResolveCursorConnectionArgs) => ctx.decisions.citedBy(d, page),
            ),
          ),
      },
      { name: 'DecisionCitationConnection', description: 'A page of citing decisions.' },
      { name: 'DecisionCitationEdge', description: 'A citing decision and its cursor.' },
    ),
  }),
});

builder.asEntity(DecisionRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: ({ id }, ctx) => ctx.decisions.findForReference(id),
});

const DecisionOptionInput = builder.inputType('DecisionOptionInput', {
  description: 'An option the agent considered.',
  fields: (t) => ({
    id: t.string({ required: true, description: 'Unique within the decision; `chosenOption` names one.' }),
    description: t.string({ required: false, description: 'What the option is.' }),
  }),
});

const InputDigestInput = builder.inputType('InputDigestInput', {
  description: 'The SHA-256 of an input the decision relied on.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'What the input is.' }),
    digest: t.string({ required: true, description: 'SHA-256, lowercase hex.' }),
  }),
});

const PrecedentInput = builder.inputType('PrecedentInput', {
  description: 'A citation of an earlier ledger entry, by index and exact leaf hash.',
  fields: (t) => ({
    index: t.string({ required: true, description: 'Decimal ledger index.' }),
    leafHash: t.string({
      required: true,
      description: 'Its leaf hash, lowercase hex; a mismatch is refused.',
    }),
  }),
});

const SignatureInput = builder.inputType('DecisionSignatureInput', {
  description:
    'An Ed25519 signature over the RFC 8785 canonical form of `{"kind":"ecp.decision/v3","agentId":…,"body":…}`, the body with its `tags` and `advice` (`[]` and `{}` when none; see docs/ledger/format.md).',
  fields: (t) => ({
    keyId: t.id({ required: true, description: 'A key registered with `registerAgentKey`.' }),
    value: t.string({ required: true, description: 'The 64-byte signature, base64.' }),
  }),
});

const DecisionAdviceInput = builder.inputType('DecisionAdviceInput', {
  description:
    'The advice the agent took before deciding, by its ids in the advisory subgraph. The ledger asks that subgraph to confirm each id exists and is about this agent’s draft before recording; otherwise the decision is refused with INVALID_ADVICE.',
  fields: (t) => ({
    frictionAssessmentId: t.id({
      required: false,
      description: 'The friction assessment of the draft (UUID).',
    }),
    pollId: t.id({ required: false, description: 'The poll on the draft (UUID).' }),
    lessonVersion: t.string({
      required: false,
      description:
        'The `Recommendation.lessonVersion` the agent followed; the ledger asks the learning consortium for that version’s recommendation (unknown: INVALID_ADVICE). Following its best option shares the liability with the consortium.',
    }),
  }),
});

const RecordDecisionInput = builder.inputType('RecordDecisionInput', {
  description: 'A decision the calling agent took.',
  fields: (t) => ({
    jurisdiction: t.string({
      required: true,
      description: 'Where it applies, e.g. `EU/DE`; within the agent’s jurisdictions.',
    }),
    category: t.string({ required: true, description: 'What kind of decision: lowercase, e.g. `pricing`.' }),
    context: t.field({ type: 'JSONObject', required: true, description: 'The situation, as a JSON object.' }),
    options: t.field({
      type: [DecisionOptionInput],
      required: true,
      description: 'The options considered (1–64).',
    }),
    chosenOption: t.string({ required: true, description: 'The id of the option taken.' }),
    rationale: t.string({ required: true, description: 'Why.' }),
    confidence: t.float({ required: true, description: 'Confidence in [0, 1].' }),
    inputDigests: t.field({
      type: [InputDigestInput],
      required: false,
      description: 'Digests of the inputs relied on.',
    }),
    precedents: t.field({ type: [PrecedentInput], required: false, description: 'Earlier entries cited.' }),
    signature: t.field({
      type: SignatureInput,
      required: false,
      description: 'The agent’s signature over the record.',
    }),
    tags: t.stringList({
      required: false,
      description:
        'Labels to find the decision by (0–32, unique), each lowercase `a–z`, `0–9` and `._/-`, starting with a letter or digit, at most 64 characters: `refund`, `supplier/acme`.',
    }),
    advice: t.field({
      type: DecisionAdviceInput,
      required: false,
      description: 'The advice the agent took, if any.',
    }),
    idempotencyKey: t.string({
      required: true,
      description:
        'Unique per agent and decision: a retry with the same key returns the first record and appends nothing.',
    }),
  }),
});

const RecordDecisionPayload = builder
  .objectRef<{ decision: DecisionView; replayed: boolean }>('RecordDecisionPayload')
  .implement({
    description:
      'The recorded decision: where it sits in the ledger, or, when the Liability Firewall held it, its status and why (`decision.holdReasons`).',
    fields: (t) => ({
      decision: t.field({ type: DecisionRef, description: 'The decision.', resolve: (r) => r.decision }),
      status: t.field({
        type: DecisionStatusRef,
        description: 'COMMITTED when it is in the ledger; PENDING_APPROVAL when the firewall held it.',
        resolve: (r) => r.decision.status,
      }),
      ledgerIndex: t.string({
        nullable: true,
        description: 'Its ledger index; null while it is held.',
        resolve: (r) => r.decision.index?.toString() ?? null,
      }),
      leafHash: t.string({
        nullable: true,
        description: 'Its leaf hash, lowercase hex; null while it is held.',
        resolve: (r) => (r.decision.leafHash ? toHex(r.decision.leafHash) : null),
      }),
      treeSize: t.string({
        nullable: true,
        description: 'The tree size it was included at; null while it is held.',
        resolve: (r) => r.decision.treeSize?.toString() ?? null,
      }),
      replayed: t.boolean({
        description:
          'True when this answers a retry: the decision was recorded before under the same idempotency key.',
        resolve: (r) => r.replayed,
      }),
    }),
  });

export const DecisionFilterRef = builder.inputType('DecisionFilter', {
  description: 'Narrows a list of decisions; all given conditions must hold.',
  fields: (t) => ({
    agentId: t.id({ required: false, description: 'Recorded by this agent.' }),
    jurisdiction: t.string({ required: false, description: 'In exactly this jurisdiction.' }),
    category: t.string({ required: false, description: 'Of this category.' }),
    recordedAfter: t.field({ type: 'DateTime', required: false, description: 'Recorded at or after.' }),
    recordedBefore: t.field({ type: 'DateTime', required: false, description: 'Recorded before.' }),
  }),
});

builder.queryFields((t) => ({
  decision: t.field({
    type: DecisionRef,
    nullable: true,
    description: 'A decision by id. An unknown id is a NOT_FOUND error.',
    args: { id: t.arg.id({ required: true, description: 'The decision id.' }) },
    resolve: (_root, { id }, ctx) => ctx.decisions.get(String(id)),
  }),
  decisions: t.connection(
    {
      type: DecisionRef,
      description: 'Decisions, newest first (Relay connection; cursors are ledger indexes and never move).',
      args: {
        filter: t.arg({ type: DecisionFilterRef, required: false, description: 'Conditions to match.' }),
      },
      resolve: (_root, args, ctx) =>
        withPagingErrors(() =>
          resolveCursorConnection(
            { args, toCursor: (v: CommittedView) => v.index.toString(), defaultSize: 20, maxSize: 100 },
            (page: ResolveCursorConnectionArgs) => ctx.decisions.list(args.filter ?? {}, page),
          ),
        ),
    },
    { name: 'DecisionConnection', description: 'A page of decisions.' },
    { name: 'DecisionEdge', description: 'A decision and its cursor.' },
  ),
}));

builder.mutationFields((t) => ({
  recordDecision: t.field({
    type: RecordDecisionPayload,
    description:
      'Records a decision the calling agent took in the Transparency Ledger (role AGENT). Returns its ledger index, leaf hash and the tree size it was included at.',
    args: { input: t.arg({ type: RecordDecisionInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.decisions.record(input),
  }),
  registerAgentKey: t.field({
    type: AgentKeyRef,
    description: 'Registers an Ed25519 public key for the caller, to sign the records it appends.',
    args: {
      publicKey: t.arg.string({ required: true, description: 'Base64 of the 32-byte key, or PEM (SPKI).' }),
    },
    resolve: (_root, { publicKey }, ctx) => ctx.agentKeys.register(publicKey),
  }),
  revokeAgentKey: t.field({
    type: AgentKeyRef,
    description: 'Revokes a signing key (its owner or an admin). Records it signed stay verifiable.',
    args: { id: t.arg.id({ required: true, description: 'The key id.' }) },
    resolve: (_root, { id }, ctx) => ctx.agentKeys.revoke(String(id)),
  }),
}));

builder.objectField(AgentRef, 'signingKeys', (t) =>
  t.field({
    type: [AgentKeyRef],
    description: 'The agent’s registered signing keys, revoked ones included.',
    resolve: (agent, _args, ctx) => ctx.agentKeys.forAgent(agent.id),
  }),
);
