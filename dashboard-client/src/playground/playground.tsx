import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import type { Client } from 'graphql-ws';
import { useEffect, useMemo, useState } from 'react';
import { authHeaders, createSocket, type Me } from '../shared/api';
import { EXAMPLE_TABS } from './examples';

/** What a new tab (the "+" button) starts with. */
const NEW_TAB = `# Write an operation; Ctrl-Space completes fields, Docs (left) describes every type and field.
`;

/**
 * GraphiQL against this origin's gateway, acting as `me`: queries and mutations over HTTP with the
 * session cookie or the API key, subscriptions over one graphql-ws socket that reconnects by itself.
 */
export function Playground({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  // Made in an effect, not during render, so that React's development double mount leaves one live socket.
  const [socket, setSocket] = useState<Client | null>(null);
  useEffect(() => {
    const client = createSocket();
    setSocket(client);
    return () => void client.dispose();
  }, []);
  const fetcher = useMemo(
    () =>
      socket &&
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
        <a href="/">Transparency Dashboard</a>
        <span className="ecp-who" data-testid="signed-in-as">
          {me.name} · {me.roles.join(', ')}
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <div className="ecp-graphiql">
        {fetcher && (
          <GraphiQL fetcher={fetcher} defaultTabs={EXAMPLE_TABS} defaultQuery={NEW_TAB}>
            <GraphiQL.Logo>ECP</GraphiQL.Logo>
          </GraphiQL>
        )}
      </div>
    </div>
  );
}
