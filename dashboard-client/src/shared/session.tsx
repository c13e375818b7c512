import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { type Me, signOut, storedApiKey, whoAmI } from './api';
import { errorText } from './error-text';
import { SignInForm } from './sign-in-form';

/** Who the page acts as, and whether an API key in this tab or a session cookie speaks for them. */
export interface Viewer extends Me {
  via: 'api-key' | 'session';
}

/** Who is signed in, and whether by an API key held in this tab or by the session cookie. */
async function currentViewer(): Promise<Viewer | null> {
  const me = await whoAmI();
  return me ? { ...me, via: storedApiKey() ? 'api-key' : 'session' } : null;
}

type SessionState =
  | { kind: 'loading' }
  | { kind: 'failed'; message: string }
  | { kind: 'signed-out' }
  | { kind: 'signed-in'; viewer: Viewer };

/** What a page shows once someone is signed in: the viewer, and how to sign them out. */
export interface Session {
  viewer: Viewer;
  signOut(): Promise<void>;
}

/**
 * Asks who is signed in; shows the sign-in form when nobody is (or the key or session stopped
 * working), and `children` with the session otherwise.
 */
export function SessionGate({
  title,
  children,
}: {
  title: string;
  children: (session: Session) => ReactNode;
}) {
  const [state, setState] = useState<SessionState>({ kind: 'loading' });
  const check = useCallback(async () => {
    setState({ kind: 'loading' });
    try {
      const viewer = await currentViewer();
      setState(viewer ? { kind: 'signed-in', viewer } : { kind: 'signed-out' });
    } catch (err) {
      setState({ kind: 'failed', message: errorText(err) });
    }
  }, []);
  useEffect(() => {
    void check();
  }, [check]);

  if (state.kind === 'loading')
    return (
      <p className="page-state" role="status">
        Checking who is signed in…
      </p>
    );
  if (state.kind === 'failed')
    return (
      <div className="page-state" role="alert">
        <p>{state.message}</p>
        <button type="button" onClick={() => void check()}>
          Try again
        </button>
      </div>
    );
  if (state.kind === 'signed-out') return <SignInForm title={title} onSignedIn={() => check()} />;
  return children({
    viewer: state.viewer,
    signOut: async () => {
      await signOut();
      setState({ kind: 'signed-out' });
    },
  });
}

/** Who is signed in, with their roles, and the sign-out button: for a page's header. */
export function AccountBar({ session }: { session: Session }) {
  const { viewer } = session;
  return (
    <div className="account" data-testid="account">
      <span className="account-who">
        Signed in as <strong>{viewer.name}</strong>
        {viewer.email ? <span className="account-email"> ({viewer.email})</span> : null}
      </span>
      <span className="account-roles">
        <span className="visually-hidden">Roles: </span>
        {viewer.roles.map((role) => (
          <span key={role} className="role">
            {role}
          </span>
        ))}
      </span>
      <span className="account-via">{viewer.via === 'api-key' ? 'API key' : 'session'}</span>
      <button type="button" className="secondary" onClick={() => void session.signOut()}>
        Sign out
      </button>
    </div>
  );
}
