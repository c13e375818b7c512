import { ROLES } from '@ecp/identity/principal';
import { withPagingErrors } from '@ecp/service-kit/paging-errors';
import { type ResolveCursorConnectionArgs, resolveCursorConnection } from '@pothos/plugin-relay';
import { builder } from '../../builder';
import type { Agent } from './agent.entity';
import { AgentService, type RegisteredAgent } from './agent.service';

export const RoleEnum = builder.enumType('Role', {
  description: 'What a principal may do. Software agents hold AGENT; people hold ANALYST, OPERATOR or ADMIN.',
  values: Object.fromEntries(
    ROLES.map((role) => [
      role,
      {
        description: {
          AGENT: 'An autonomous agent: asks for advice, records decisions, votes, reports outcomes.',
          ANALYST: 'A person who reads and explores everything recorded.',
          OPERATOR: 'A person who approves held decisions, runs incidents and may break the glass.',
          ADMIN: 'A person who manages agents, keys and configuration.',
        }[role],
      },
    ]),
  ) as Record<(typeof ROLES)[number], { description: string }>,
});

export const AgentRef = builder.objectRef<Agent>('Agent').implement({
  description:
    'A registered principal — an autonomous agent or a person — owned by the ledger subgraph and extended by the others.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    name: t.exposeString('name', { description: 'Display name, unique only by convention.' }),
    roles: t.field({ type: [RoleEnum], description: 'Roles held.', resolve: (a) => a.roles }),
    jurisdictions: t.exposeStringList('jurisdictions', {
      description: 'Jurisdictions the agent acts in, as paths such as `EU/DE`.',
    }),
    organisation: t.exposeString('organisation', {
      nullable: true,
      description:
        'The operator organisation the agent acts for, set at registration: it shares the liability of the agent’s committed decisions. Null if none.',
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the agent was registered.',
      resolve: (a) => a.createdAt,
    }),
  }),
});

builder.asEntity(AgentRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: ({ id }, ctx) => ctx.agents.findForReference(id),
});

const RegisterAgentInput = builder.inputType('RegisterAgentInput', {
  description: 'A new agent or person.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Display name, 1–100 characters.' }),
    roles: t.field({ type: [RoleEnum], required: false, description: 'Roles to grant; AGENT when omitted.' }),
    jurisdictions: t.stringList({
      required: false,
      description: 'Jurisdiction paths such as `EU` or `EU/DE`.',
    }),
    organisation: t.string({
      required: false,
      description:
        'The operator organisation the agent acts for (1–128 characters, trimmed), which shares its liability; none when omitted.',
    }),
  }),
});

const RegisterAgentPayload = builder.objectRef<RegisteredAgent>('RegisterAgentPayload').implement({
  description: 'The registered agent and its API key.',
  fields: (t) => ({
    agent: t.field({ type: AgentRef, description: 'The new agent.', resolve: (r) => r.agent }),
    apiKey: t.exposeString('apiKey', {
      description:
        'The API key, shown only here: ECP stores nothing but its hash. Send it as `Authorization: Bearer <key>`.',
    }),
  }),
});

const AccessToken = builder.objectRef<{ token: string; expiresAt: Date }>('AccessToken').implement({
  description: 'A short-lived bearer token for the caller.',
  fields: (t) => ({
    token: t.exposeString('token', { description: 'Send as `Authorization: Bearer <token>`.' }),
    expiresAt: t.field({
      type: 'DateTime',
      description: 'When the token stops working.',
      resolve: (r) => r.expiresAt,
    }),
  }),
});

builder.queryFields((t) => ({
  me: t.field({
    type: AgentRef,
    nullable: true,
    description: 'The calling agent or person; null for ECP service identities.',
    resolve: (_root, _args, ctx) => ctx.agents.me(),
  }),
  agent: t.field({
    type: AgentRef,
    nullable: true,
    description: 'An agent by id. An unknown id is a NOT_FOUND error.',
    args: { id: t.arg.id({ required: true, description: 'The agent id.' }) },
    resolve: (_root, { id }, ctx) => ctx.agents.get(String(id)),
  }),
  agents: t.connection(
    {
      type: AgentRef,
      description:
        'Every registered agent and person, oldest first (Relay connection). Needs ANALYST, OPERATOR or ADMIN; ECP services may list those acting in a jurisdiction (`actingIn`).',
      args: {
        actingIn: t.arg.string({
          required: false,
          description:
            'Only software agents (role AGENT) that may act in this jurisdiction: registered for it or for one above it.',
        }),
      },
      resolve: (_root, args, ctx) =>
        withPagingErrors(() =>
          resolveCursorConnection(
            { args, toCursor: (agent: Agent) => AgentService.cursorOf(agent), defaultSize: 20, maxSize: 100 },
            (page: ResolveCursorConnectionArgs) => ctx.agents.list(page, { actingIn: args.actingIn }),
          ),
        ),
    },
    { name: 'AgentConnection', description: 'A page of agents.' },
    { name: 'AgentEdge', description: 'An agent and its cursor.' },
  ),
}));

builder.mutationFields((t) => ({
  registerAgent: t.field({
    type: RegisterAgentPayload,
    description:
      'Registers an agent or person and returns its API key, shown only in this answer. Admins only.',
    args: { input: t.arg({ type: RegisterAgentInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.agents.register(input),
  }),
  issueAccessToken: t.field({
    type: AccessToken,
    description: 'Mints a short-lived bearer token for the caller (default 15 minutes).',
    args: {
      ttlSeconds: t.arg.int({
        required: false,
        description: 'Lifetime in seconds, 60 up to the configured maximum.',
      }),
    },
    resolve: (_root, { ttlSeconds }, ctx) => ctx.agents.issueAccessToken(ttlSeconds),
  }),
}));
