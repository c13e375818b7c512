import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { useMemo } from 'react';
import { authHeaders } from '../shared/api';
import { BreakGlassBanner } from '../shared/break-glass-banner';
import { AccountBar, type Session } from '../shared/session';
import { ConnectionStatus, useSocket } from '../shared/socket';
import { EXAMPLE_TABS } from './examples';

/** What a new tab (the "+" button) starts with. */
const NEW_TAB = `# Write an operation; Ctrl-Space completes fields, Docs (left) describes every type and field.
`;

/**
 * GraphiQL against this origin's gateway, acting as `me`: queries and mutations over HTTP with the
 * session cookie or the API key, subscriptions over one graphql-ws socket that reconnects by itself.
 */
export function Playground({ session }: { session: Session }) {
  const { client: socket } = useSocket();
  const fetcher = useMemo(
    () =>
      createGraphiQLFetcher({
        url: '/graphql',
        wsClient: socket,
        headers: authHeaders(),
        // Same origin only: the session cookie goes with every request and nowhere else.
        fetch: (input, init) => window.fetch(input, { ...init, credentials: 'same-origin' }),
      }),
    [socket],
  );

  return (
    <div className="ecp-playground">
      <header className="ecp-bar">
        <strong>ECP</strong>
        <span>GraphQL playground</span>
        <ConnectionStatus />
        <a href="/">Transparency Dashboard</a>
        <AccountBar session={session} />
      </header>
      <BreakGlassBanner />
      <div className="ecp-graphiql">
        <GraphiQL fetcher={fetcher} defaultTabs={EXAMPLE_TABS} defaultQuery={NEW_TAB}>
          <GraphiQL.Logo>ECP</GraphiQL.Logo>
        </GraphiQL>
      </div>
    </div>
  );
}
