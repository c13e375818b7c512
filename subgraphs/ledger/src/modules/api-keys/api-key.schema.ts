import { builder } from '../../builder';
import { AgentRef } from '../agents/agent.schema';
import type { ApiKey } from './api-key.entity';
import {
  DEFAULT_ROTATION_OVERLAP_SECONDS,
  type IssuedApiKey,
  MAX_LIVE_KEYS,
  MAX_ROTATION_OVERLAP_SECONDS,
  type RotatedApiKey,
} from './api-key.service';

export const ApiKeyRef = builder.objectRef<ApiKey>('ApiKey').implement({
  description:
    'An API key of an agent or person, as its holder and admins see it: never the key itself, which is shown once when it is created.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Name this key in `revokeApiKey` and `rotateApiKey`.' }),
    name: t.exposeString('name', { nullable: true, description: 'What the key is for, if it was named.' }),
    hint: t.exposeString('hint', {
      description: 'The first characters of the key, to tell keys apart (`ecp_AbC12…`).',
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When it was created.',
      resolve: (k) => k.createdAt,
    }),
    lastUsedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'When the gateway last checked it, to within the gateway’s auth-cache period; null if it was never used.',
      resolve: (k) => k.lastUsedAt ?? null,
    }),
    revokedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'When it stops (or stopped) working; in the future while a rotation lets it overlap its successor.',
      resolve: (k) => k.revokedAt ?? null,
    }),
    active: t.boolean({
      description: 'Whether it works now.',
      resolve: (k) => !k.revokedAt || k.revokedAt > new Date(),
    }),
  }),
});

builder.objectField(AgentRef, 'apiKeys', (t) =>
  t.field({
    type: [ApiKeyRef],
    nullable: true,
    description:
      'The agent’s API keys, revoked ones included, oldest first. Visible to the agent itself and to admins.',
    resolve: (agent, _args, ctx) => ctx.apiKeys.forAgent(agent.id),
  }),
);

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  description: 'Another API key for an agent or person.',
  fields: (t) => ({
    agentId: t.id({
      required: false,
      description: 'Whose key it is: the caller when omitted; another agent needs the ADMIN role.',
    }),
    name: t.string({ required: false, description: 'What the key is for, 1–100 characters.' }),
  }),
});

const IssuedApiKeyRef = builder.objectRef<IssuedApiKey>('IssuedApiKey').implement({
  description: 'A new API key.',
  fields: (t) => ({
    apiKey: t.exposeString('apiKey', {
      description: 'The key, shown only here: ECP stores nothing but its hash.',
    }),
    key: t.field({ type: ApiKeyRef, description: 'The key as it will be listed.', resolve: (r) => r.key }),
  }),
});

const RotatedApiKeyRef = builder.objectRef<RotatedApiKey>('RotatedApiKey').implement({
  description: 'A successor key, and the key it replaces with the time that one stops working.',
  fields: (t) => ({
    apiKey: t.exposeString('apiKey', {
      description: 'The new key, shown only here: ECP stores nothing but its hash.',
    }),
    key: t.field({
      type: ApiKeyRef,
      description: 'The new key as it will be listed.',
      resolve: (r) => r.key,
    }),
    previous: t.field({
      type: ApiKeyRef,
      description: 'The key rotated out; it works until its `revokedAt`.',
      resolve: (r) => r.previous,
    }),
  }),
});

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: IssuedApiKeyRef,
    description: `Issues another API key for the caller, or for any agent (ADMIN). Needs an API key, not an access token. At most ${MAX_LIVE_KEYS} live keys per agent.`,
    args: { input: t.arg({ type: CreateApiKeyInput, required: false }) },
    resolve: (_root, { input }, ctx) => ctx.apiKeys.create(input ?? {}),
  }),
  revokeApiKey: t.field({
    type: ApiKeyRef,
    description:
      'Revokes an API key now: its holder may revoke it, and an admin any key. The gateway stops accepting it, the access tokens minted from it and the subscriptions opened with either within its auth-cache period (`AUTH_CACHE_TTL_MS`, 30 s by default). Revoking a revoked key returns it unchanged.',
    args: { id: t.arg.id({ required: true, description: 'The key’s id (`Agent.apiKeys`).' }) },
    resolve: (_root, { id }, ctx) => ctx.apiKeys.revoke(String(id)),
  }),
  rotateApiKey: t.field({
    type: RotatedApiKeyRef,
    description:
      'Issues a successor beside a live key and revokes the old one after `overlapSeconds`, so that whatever uses it can switch without an outage. Same permissions as `revokeApiKey`; needs an API key, not an access token.',
    args: {
      id: t.arg.id({ required: true, description: 'The key to rotate out.' }),
      overlapSeconds: t.arg.int({
        required: false,
        description: `How long the old key keeps working: default ${DEFAULT_ROTATION_OVERLAP_SECONDS}, at most ${MAX_ROTATION_OVERLAP_SECONDS}; 0 revokes it at once.`,
      }),
    },
    resolve: (_root, { id, overlapSeconds }, ctx) => ctx.apiKeys.rotate(String(id), overlapSeconds),
  }),
}));
