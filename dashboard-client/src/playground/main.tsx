// Monaco's workers first, bundled by Vite (never fetched from a CDN), then GraphiQL's styles and fonts.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import './playground.css';
import { StrictMode, useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { type Me, signOut } from '../shared/api';
import { Playground } from './playground';
import { SignIn } from './sign-in';
import { whoIsSignedIn } from './who-am-i';

type PageState =
  | { kind: 'checking' }
  | { kind: 'signed-out' }
  | { kind: 'signed-in'; me: Me }
  | { kind: 'unreachable'; message: string };

/** Asks the gateway who the page acts as, then shows the playground or the sign-in. */
function PlaygroundPage() {
  const [state, setState] = useState<PageState>({ kind: 'checking' });
  const check = useCallback(async () => {
    setState({ kind: 'checking' });
    try {
      const me = await whoIsSignedIn();
      setState(me ? { kind: 'signed-in', me } : { kind: 'signed-out' });
    } catch (err) {
      setState({ kind: 'unreachable', message: (err as Error).message });
    }
  }, []);
  useEffect(() => void check(), [check]);

  switch (state.kind) {
    case 'checking':
      return <p className="ecp-status">Connecting to the gateway…</p>;
    case 'unreachable':
      return (
        <div className="ecp-status" role="alert">
          <p>{state.message}</p>
          <button type="button" onClick={() => void check()}>
            Try again
          </button>
        </div>
      );
    case 'signed-out':
      return <SignIn onSignedIn={(me) => setState({ kind: 'signed-in', me })} />;
    case 'signed-in':
      return (
        <Playground
          me={state.me}
          onSignOut={() => void signOut().then(() => setState({ kind: 'signed-out' }))}
        />
      );
  }
}

const root = document.getElementById('root');
if (!root) throw new Error('playground.html has no #root');
createRoot(root).render(
  <StrictMode>
    <PlaygroundPage />
  </StrictMode>,
);
