import { builder } from '../../builder';
import { AgentRef, RoleEnum } from '../agents/agent.schema';
import type { PasswordSetup } from './people.service';
import type { PersonSession } from './person.entity';

const SessionRef = builder.objectRef<PersonSession>('PersonSession').implement({
  description:
    'A person signed in: the browser holds its token in an httpOnly cookie, ECP only its hash. It ends at `expiresAt`, after the configured idle time, at sign-out, or when revoked.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the person signed in.',
      resolve: (s) => s.createdAt,
    }),
    expiresAt: t.field({
      type: 'DateTime',
      description: 'When it ends at the latest.',
      resolve: (s) => s.expiresAt,
    }),
    lastSeenAt: t.field({
      type: 'DateTime',
      description: 'When the gateway last checked it (at most once per auth-cache period).',
      resolve: (s) => s.lastSeenAt,
    }),
    address: t.exposeString('address', { nullable: true, description: 'The address it was opened from.' }),
    userAgent: t.exposeString('userAgent', { nullable: true, description: 'The browser it was opened in.' }),
    current: t.boolean({
      description: 'Whether this request came with this session.',
      resolve: (s, _args, ctx) => ctx.people.isCurrent(s),
    }),
  }),
});

builder.objectFields(AgentRef, (t) => ({
  email: t.string({
    nullable: true,
    description:
      'The email a person signs in with; to the person and to admins only, null for agents and for anyone else.',
    resolve: (agent, _args, ctx) => ctx.people.emailOf(agent.id),
  }),
  sessions: t.field({
    type: [SessionRef],
    nullable: true,
    description: 'A person’s live sign-in sessions, newest first (at most 50): to the person and to admins.',
    resolve: (agent, _args, ctx) => ctx.people.sessionsOf(agent.id),
  }),
}));

const CreatePersonInput = builder.inputType('CreatePersonInput', {
  description: 'A person who will sign in with a password.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Display name, 1–100 characters.' }),
    email: t.string({
      required: true,
      description: 'The email they sign in with; unique, compared lowercased.',
    }),
    roles: t.field({
      type: [RoleEnum],
      required: true,
      description: 'ANALYST, OPERATOR and/or ADMIN (AGENT is for software agents).',
    }),
    jurisdictions: t.stringList({
      required: false,
      description: 'Jurisdiction paths the person works in, such as `EU/DE`.',
    }),
  }),
});

const PasswordSetupRef = builder.objectRef<PasswordSetup>('PasswordSetup').implement({
  description:
    'A one-time token with which the person sets their password: hand them the dashboard link `<gateway>/#setup=<token>` (the fragment never reaches a server or a log), or they `POST /auth/set-password`. Shown only here: ECP keeps its hash.',
  fields: (t) => ({
    person: t.field({ type: AgentRef, description: 'The person.', resolve: (r) => r.person }),
    email: t.exposeString('email', { description: 'The email they sign in with.' }),
    setupToken: t.exposeString('setupToken', { description: 'The one-time token; hand it to the person.' }),
    setupTokenExpiresAt: t.field({
      type: 'DateTime',
      description: 'When the token stops working.',
      resolve: (r) => r.setupTokenExpiresAt,
    }),
  }),
});

builder.mutationFields((t) => ({
  createPerson: t.field({
    type: PasswordSetupRef,
    description:
      'Creates a person (name, email, roles) and returns the one-time token with which they set their password. Admins only; an email already registered is a CONFLICT.',
    args: { input: t.arg({ type: CreatePersonInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.people.create(input),
  }),
  resetPassword: t.field({
    type: PasswordSetupRef,
    description:
      'Ends a person’s password and every session they have, and returns a new one-time setup token. Admins only.',
    args: { personId: t.arg.id({ required: true, description: 'The person’s id.' }) },
    resolve: (_root, { personId }, ctx) => ctx.people.resetPassword(String(personId)),
  }),
  revokeSession: t.field({
    type: SessionRef,
    description:
      'Ends a sign-in session now: one’s own, or anyone’s for an admin (within the gateway’s auth-cache period elsewhere). Idempotent.',
    args: { id: t.arg.id({ required: true, description: 'The session id.' }) },
    resolve: (_root, { id }, ctx) => ctx.people.revokeSession(String(id)),
  }),
}));
