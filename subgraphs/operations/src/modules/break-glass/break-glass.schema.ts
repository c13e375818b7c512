import { withPagingErrors } from '@ecp/service-kit/paging-errors';
import { type ResolveCursorConnectionArgs, resolveCursorConnection } from '@pothos/plugin-relay';
import { builder } from '../../builder';
import { BreakGlassService } from './break-glass.service';
import type { BreakGlassSession } from './break-glass-session.entity';

export const BreakGlassSessionRef = builder.objectRef<BreakGlassSession>('BreakGlassSession').implement({
  description: "An operator's emergency session past the Liability Firewall; it lasts 15 minutes at most.",
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    reason: t.exposeString('reason', { description: 'Why the glass was broken.' }),
    openedAt: t.field({
      type: 'DateTime',
      description: 'When the session opened.',
      resolve: (s) => s.openedAt,
    }),
    expiresAt: t.field({
      type: 'DateTime',
      description: 'When it ends by itself.',
      resolve: (s) => s.expiresAt,
    }),
    closedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was closed by hand, if it was.',
      resolve: (s) => s.closedAt ?? null,
    }),
    active: t.boolean({
      description: 'Whether the session is open now.',
      resolve: (s) => BreakGlassService.isActive(s),
    }),
  }),
});

/** The operations subgraph's view of an agent: the break-glass sessions it opened. */
export const AgentRef = builder.externalRef('Agent', builder.selection<{ id: string }>('id')).implement({
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    breakGlassSessions: t.connection(
      {
        type: BreakGlassSessionRef,
        // Nullable: when this subgraph fails or refuses, the rest of the agent still resolves.
        nullable: true,
        description:
          'Break-glass sessions this operator opened, newest first. Visible to operators and admins.',
        resolve: (agent, args, ctx) =>
          withPagingErrors(() =>
            resolveCursorConnection(
              {
                args,
                toCursor: (s: BreakGlassSession) => BreakGlassService.cursorOf(s),
                defaultSize: 20,
                maxSize: 100,
              },
              (page: ResolveCursorConnectionArgs) => ctx.breakGlass.listForOperator(agent.id, page),
            ),
          ),
      },
      { name: 'BreakGlassSessionConnection', description: 'A page of break-glass sessions.' },
      { name: 'BreakGlassSessionEdge', description: 'A break-glass session and its cursor.' },
    ),
  }),
});
