// Monaco's workers first, bundled by Vite (never fetched from a CDN), then GraphiQL's styles and fonts.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import './playground.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { SessionGate } from '../shared/session';
import { SocketProvider } from '../shared/socket';
import { Playground } from './playground';

/** The playground at `/playground`: the shared sign-in when nobody is signed in, GraphiQL otherwise. */
function PlaygroundPage() {
  return (
    <SessionGate title="ECP GraphQL playground">
      {(session) => (
        <SocketProvider>
          <Playground session={session} />
        </SocketProvider>
      )}
    </SessionGate>
  );
}

const root = document.getElementById('root');
if (!root) throw new Error('playground.html has no #root');
createRoot(root).render(
  <StrictMode>
    <PlaygroundPage />
  </StrictMode>,
);
