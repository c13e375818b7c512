import { withPagingErrors } from '@ecp/service-kit/paging-errors';
import { type ResolveCursorConnectionArgs, resolveCursorConnection } from '@pothos/plugin-relay';
import { builder } from '../../builder';
import type { Vote } from './vote.entity';
import { VoteService } from './vote.service';

export const VoteRef = builder.objectRef<Vote>('Vote').implement({
  description: "An agent's vote in a Network Opinion Poll.",
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    pollId: t.exposeID('pollId', { description: 'The poll voted in.' }),
    option: t.exposeString('option', { description: 'The option chosen.' }),
    confidence: t.exposeFloat('confidence', {
      description: "The voter's confidence in its choice, in [0, 1].",
    }),
    rationale: t.exposeString('rationale', { description: 'Why the voter chose it.' }),
    castAt: t.field({ type: 'DateTime', description: 'When the vote was cast.', resolve: (v) => v.castAt }),
    signatureKeyId: t.id({
      nullable: true,
      description: 'The voter’s key whose Ed25519 signature over the vote was verified; null when unsigned.',
      resolve: (v) => v.signatureKeyId ?? null,
    }),
    signature: t.string({
      nullable: true,
      description:
        'The signature (base64) over the RFC 8785 canonical form of {kind: "ecp.vote/v1", pollId, agentId, option, confidence, rationale}.',
      resolve: (v) => v.signature ?? null,
    }),
    agentId: t.exposeID('agentId', { description: 'The voter.' }),
  }),
});

/** One connection type for votes, wherever they are listed (an agent's, a poll's). */
export const VoteConnectionRef = builder.connectionObject(
  { type: VoteRef, name: 'VoteConnection', description: 'A page of votes.' },
  { name: 'VoteEdge', description: 'A vote and its cursor.' },
);

/** The advisory subgraph's view of an agent: the votes it has cast. */
export const AgentRef = builder.externalRef('Agent', builder.selection<{ id: string }>('id')).implement({
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    votes: t.connection(
      {
        type: VoteRef,
        // Nullable: when this subgraph fails or refuses, the rest of the agent still resolves.
        nullable: true,
        description:
          'Votes this agent cast, newest first. Visible to the agent itself and to analysts, operators and admins.',
        resolve: (agent, args, ctx) =>
          withPagingErrors(() =>
            resolveCursorConnection(
              { args, toCursor: (vote: Vote) => VoteService.cursorOf(vote), defaultSize: 20, maxSize: 100 },
              (page: ResolveCursorConnectionArgs) => ctx.votes.listForAgent(agent.id, page),
            ),
          ),
      },
      VoteConnectionRef,
    ),
  }),
});
