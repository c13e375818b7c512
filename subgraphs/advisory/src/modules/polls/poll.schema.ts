import { timeIdCursor } from '@ecp/service-kit/keyset';
import { withPagingErrors } from '@ecp/service-kit/paging-errors';
import { SUBSCRIPTION_ALLOWED, servedByGateway } from '@ecp/service-kit/subscription-fields';
import { type ResolveCursorConnectionArgs, resolveCursorConnection } from '@pothos/plugin-relay';
import { builder } from '../../builder';
import type { Vote } from '../votes/vote.entity';
import { VoteConnectionRef, VoteRef } from '../votes/vote.schema';
import { VoteService } from '../votes/vote.service';
import type { Poll } from './poll.entity';
import type { OptionTally, PollResult } from './poll-result';

const PollWeightingEnum = builder.enumType('PollWeighting', {
  description: 'How votes count in a poll’s weighted tally.',
  values: {
    EQUAL: { description: 'Every vote counts 1.' },
    CONFIDENCE: { description: 'Each vote counts its stated confidence.' },
    REPUTATION: {
      description:
        'Each vote counts its voter’s calibration weight from the learning consortium (in [0, 1], neutral 0.5 without outcome reports), taken when the vote is cast.',
    },
  } as const,
});

const PollStatusEnum = builder.enumType('PollStatus', {
  description: 'Whether a poll takes votes.',
  values: {
    OPEN: { description: 'Taking votes.' },
    CLOSED: { description: 'Closed; its result is final.' },
  } as const,
});

const PollCloseReasonEnum = builder.enumType('PollCloseReason', {
  description: 'Why a poll closed.',
  values: {
    CLOSING_TIME: { description: 'Its closing time came.' },
    ALL_VOTED: { description: 'Every eligible voter voted.' },
    CLOSED_BY_OPENER: { description: 'Its opener closed it early.' },
    CLOSED_BY_OPERATOR: { description: 'An operator or admin closed it early.' },
  } as const,
});

const PollOptionRef = builder.objectRef<{ id: string; description: string }>('PollOption').implement({
  description: 'An option voters choose among: an option of the draft decision.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The option’s id.' }),
    description: t.exposeString('description', { description: 'What it is.' }),
  }),
});

const OptionTallyRef = builder.objectRef<OptionTally>('OptionTally').implement({
  description: 'Votes for one option: how many, and their weight under the poll’s weighting.',
  fields: (t) => ({
    option: t.exposeString('option', { description: 'The option’s id.' }),
    votes: t.exposeInt('votes', { description: 'Votes cast for it.' }),
    weight: t.exposeFloat('weight', { description: 'Their weight.' }),
  }),
});

const PollResultRef = builder.objectRef<PollResult>('PollResult').implement({
  description: 'A closed poll’s result (docs/scoring.md).',
  fields: (t) => ({
    tallies: t.field({
      type: [OptionTallyRef],
      description: 'Raw and weighted tallies, in the poll’s option order.',
      resolve: (r) => r.tallies,
    }),
    participation: t.exposeFloat('participation', { description: 'Votes cast ÷ eligible voters.' }),
    quorumMet: t.exposeBoolean('quorumMet', { description: 'Whether at least `quorum` votes were cast.' }),
    consensus: t.float({
      nullable: true,
      description:
        '1 − normalised Shannon entropy of the weighted votes over the options; null when quorum was not met (inconclusive).',
      resolve: (r) => r.consensus,
    }),
    consensusInterval: t.floatList({
      nullable: true,
      description: 'The 95% percentile-bootstrap interval of the consensus score; null with it.',
      resolve: (r) => r.consensusInterval,
    }),
    voteCount: t.exposeInt('voteCount', { description: 'Votes cast.' }),
    votesDigest: t.exposeString('votesDigest', {
      description:
        'SHA-256 (hex) of the canonical JSON of the vote records sorted by voter, as the ledger entry binds them.',
    }),
  }),
});

export const PollRef = builder.objectRef<Poll>('Poll');

PollRef.implement({
  description:
    'A Network Opinion Poll on a draft decision. The question and options are public; the votes are its opener’s and people’s to see until it closes.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    question: t.exposeString('question', { description: 'What voters are asked.' }),
    status: t.field({ type: PollStatusEnum, description: 'OPEN or CLOSED.', resolve: (p) => p.status }),
    options: t.field({
      type: [PollOptionRef],
      description: 'The options, in order.',
      resolve: (p) => p.options,
    }),
    closesAt: t.field({
      type: 'DateTime',
      description: 'When it closes at the latest.',
      resolve: (p) => p.closesAt,
    }),
    votes: t.connection(
      {
        type: VoteRef,
        nullable: true,
        description:
          'Its votes, oldest first: for its opener, analysts, operators and admins (null with FORBIDDEN for others).',
        resolve: (poll, args, ctx) =>
          withPagingErrors(() =>
            resolveCursorConnection(
              { args, toCursor: (v: Vote) => VoteService.cursorOf(v), defaultSize: 20, maxSize: 100 },
              (page: ResolveCursorConnectionArgs) => ctx.polls.votes(poll, page),
            ),
          ),
      },
      VoteConnectionRef,
    ),
    result: t.field({
      type: PollResultRef,
      nullable: true,
      description: 'The result, once CLOSED.',
      resolve: (p) => p.result ?? null,
    }),
    divergenceOf: t.float({
      nullable: true,
      description:
        'Once CLOSED: the Jensen–Shannon divergence (in [0, 1]) of choosing `option` from the weighted result, as the divergence score’s poll part; null while open or when no vote carries weight. The Liability Firewall holds a decision citing this poll when it passes the jurisdiction’s threshold.',
      args: { option: t.arg.string({ required: true, description: 'One of the poll’s option ids.' }) },
      resolve: (p, { option }, ctx) => ctx.polls.divergenceOf(p, option),
    }),
    jurisdiction: t.exposeString('jurisdiction', { description: 'Where the draft would apply.' }),
    category: t.string({
      nullable: true,
      description: 'The draft’s category, when given.',
      resolve: (p) => p.category ?? null,
    }),
    openedBy: t.exposeID('openedBy', { description: 'The agent that opened it.' }),
    optionIds: t.stringList({ description: 'The options’ ids.', resolve: (p) => p.options.map((o) => o.id) }),
    eligibleVoters: t.idList({
      description: 'The agents that may vote, fixed when it opened.',
      resolve: (p) => p.eligibleVoters,
    }),
    eligibleBy: t.string({
      description:
        '`LIST` when the opener listed the voters, `JURISDICTION` when every agent of the jurisdiction was.',
      resolve: (p) => p.eligibleBy,
    }),
    quorum: t.exposeInt('quorum', { description: 'Votes needed for a conclusive result.' }),
    weighting: t.field({
      type: PollWeightingEnum,
      description: 'How votes count.',
      resolve: (p) => p.weighting,
    }),
    votesCast: t.int({ description: 'Votes cast so far.', resolve: (p, _a, ctx) => ctx.polls.votesCast(p) }),
    tallies: t.field({
      type: [OptionTallyRef],
      nullable: true,
      description:
        'Tallies so far (final once closed). While open: for its opener and people only, so no voter is swayed; null for others.',
      resolve: (p, _a, ctx) => ctx.polls.tallies(p),
    }),
    createdAt: t.field({ type: 'DateTime', description: 'When it opened.', resolve: (p) => p.createdAt }),
    closedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it closed.',
      resolve: (p) => p.closedAt ?? null,
    }),
    closeReason: t.field({
      type: PollCloseReasonEnum,
      nullable: true,
      description: 'Why it closed.',
      resolve: (p) => p.closeReason ?? null,
    }),
    ledgerIndex: t.string({
      nullable: true,
      description:
        'The index of its `ecp.poll-result/v1` ledger entry, once recorded (moments after it closes).',
      resolve: (p) => p.ledgerIndex ?? null,
    }),
    ledgerLeafHash: t.string({
      nullable: true,
      description: 'That entry’s leaf hash.',
      resolve: (p) => p.ledgerLeafHash ?? null,
    }),
  }),
});

builder.asEntity(PollRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: ({ id }, ctx) => ctx.polls.findForReference(id),
});

const PollOptionInput = builder.inputType('PollOptionInput', {
  description: 'An option of the draft, to vote on.',
  fields: (t) => ({
    id: t.string({ required: true, description: 'The option’s id, unique in the poll.' }),
    description: t.string({ required: false, description: 'What it is.' }),
  }),
});

const OpenPollInput = builder.inputType('OpenPollInput', {
  description: 'A poll on a draft decision.',
  fields: (t) => ({
    question: t.string({ required: true, description: '1–2000 characters.' }),
    jurisdiction: t.string({
      required: true,
      description: 'Where the draft would apply; within the agent’s jurisdictions.',
    }),
    category: t.string({
      required: false,
      description: 'The draft’s category (then only a decision of it may cite the poll).',
    }),
    options: t.field({ type: [PollOptionInput], required: true, description: 'At least two, each id once.' }),
    eligibleVoters: t.idList({
      required: false,
      description:
        'The agents that may vote (1–1000); omitted: every agent that may act in the jurisdiction.',
    }),
    quorum: t.int({
      required: true,
      description: 'Votes needed for a conclusive result; at most the eligible voters.',
    }),
    closesAt: t.field({ type: 'DateTime', required: true, description: 'In the future, within 90 days.' }),
    weighting: t.field({ type: PollWeightingEnum, required: false, description: 'EQUAL when omitted.' }),
  }),
});

const VoteSignatureInput = builder.inputType('VoteSignatureInput', {
  description:
    'An Ed25519 signature over the RFC 8785 canonical form of {kind: "ecp.vote/v1", pollId, agentId, option, confidence, rationale}.',
  fields: (t) => ({
    keyId: t.id({ required: true, description: 'A key registered with `registerAgentKey`.' }),
    value: t.string({ required: true, description: 'The 64-byte signature, base64.' }),
  }),
});

const CastVoteInput = builder.inputType('CastVoteInput', {
  description: 'A vote: one per eligible agent and poll, never changed.',
  fields: (t) => ({
    pollId: t.id({ required: true }),
    option: t.string({ required: true, description: 'One of the poll’s option ids.' }),
    confidence: t.float({ required: true, description: 'In [0, 1].' }),
    rationale: t.string({ required: false, description: 'Why (up to 4000 characters).' }),
    signature: t.field({ type: VoteSignatureInput, required: false }),
  }),
});

const PollFilter = builder.inputType('PollFilter', {
  description: 'Narrows a list of polls; all given conditions must hold.',
  fields: (t) => ({
    status: t.field({ type: PollStatusEnum, required: false }),
    jurisdiction: t.string({ required: false, description: 'In it or below it.' }),
    openedBy: t.id({ required: false }),
    eligibleVoter: t.id({ required: false, description: 'Polls this agent may vote in.' }),
  }),
});

builder.queryFields((t) => ({
  poll: t.field({
    type: PollRef,
    nullable: true,
    description: 'A poll by id. An unknown id is a NOT_FOUND error.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.polls.get(String(id)),
  }),
  polls: t.connection(
    {
      type: PollRef,
      description: 'Polls, newest first (Relay connection).',
      args: { filter: t.arg({ type: PollFilter, required: false }) },
      resolve: (_root, args, ctx) =>
        withPagingErrors(() =>
          resolveCursorConnection(
            { args, toCursor: (p: Poll) => timeIdCursor(p.createdAt, p.id), defaultSize: 20, maxSize: 100 },
            (page: ResolveCursorConnectionArgs) =>
              ctx.polls.list(
                {
                  status: args.filter?.status,
                  jurisdiction: args.filter?.jurisdiction,
                  openedBy: args.filter?.openedBy ? String(args.filter.openedBy) : null,
                  eligibleVoter: args.filter?.eligibleVoter ? String(args.filter.eligibleVoter) : null,
                },
                page,
              ),
          ),
        ),
    },
    { name: 'PollConnection', description: 'A page of polls.' },
    { name: 'PollEdge', description: 'A poll and its cursor.' },
  ),
}));

builder.mutationFields((t) => ({
  openPoll: t.field({
    type: PollRef,
    description: 'Opens a Network Opinion Poll on a draft decision (role AGENT).',
    args: { input: t.arg({ type: OpenPollInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.polls.open({ ...input, eligibleVoters: input.eligibleVoters?.map(String) ?? null }),
  }),
  castVote: t.field({
    type: VoteRef,
    description: 'Casts the calling agent’s vote (once; eligible voters only; while the poll is open).',
    args: { input: t.arg({ type: CastVoteInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.polls.castVote({
        ...input,
        pollId: String(input.pollId),
        signature: input.signature
          ? { keyId: String(input.signature.keyId), value: input.signature.value }
          : null,
      }),
  }),
  closePoll: t.field({
    type: PollRef,
    description: 'Closes a poll before its time: its opener, or an operator or admin.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.polls.close(String(id)),
  }),
}));

builder.subscriptionFields((t) => ({
  pollUpdated: t.field({
    type: PollRef,
    description:
      'The poll after every vote, its close and its ledger entry, resolved fresh (votes and live tallies under the poll’s rule).',
    args: { id: t.arg.id({ required: true }) },
    directives: { topic: { name: 'pollUpdated' } },
    subscribe: servedByGateway,
    resolve: async (_root, { id }, ctx) => {
      await ctx.polls.get(String(id));
      return SUBSCRIPTION_ALLOWED;
    },
  }),
}));
