import { type FormEvent, useState } from 'react';
import { ApiError, forgetApiKey, type Me, rememberApiKey, signIn } from '../shared/api';
import { whoIsSignedIn } from './who-am-i';

/** Why signing in failed, in words a person can act on. */
function explain(err: unknown): string {
  if (!(err instanceof ApiError)) return 'Signing in failed.';
  switch (err.code) {
    case 'UNAUTHENTICATED':
      return 'Wrong email or password.';
    case 'RATE_LIMITED':
      return err.retryAfterSeconds
        ? `Too many attempts. Try again in ${err.retryAfterSeconds} s.`
        : 'Too many attempts. Try again later.';
    case 'NETWORK_ERROR':
      return 'The gateway cannot be reached.';
    default:
      return err.message;
  }
}

/**
 * The playground's sign-in: a person's email and password (the gateway sets the session cookie), or an
 * API key kept in this tab's session storage. Calls `onSignedIn` with who the page now acts as.
 */
export function SignIn({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [mode, setMode] = useState<'password' | 'api-key'>('password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === 'password') {
        await signIn(email, password);
      } else {
        rememberApiKey(apiKey);
      }
      const me = await whoIsSignedIn();
      if (me) return onSignedIn(me);
      if (mode === 'api-key') forgetApiKey();
      setError(
        mode === 'api-key' ? 'That API key is not valid.' : 'Signed in, but the gateway does not know you.',
      );
    } catch (err) {
      if (mode === 'api-key') forgetApiKey();
      setError(explain(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="ecp-sign-in">
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">ECP GraphQL playground</h1>
        <p>Sign in to run operations as yourself. The schema’s descriptions are the manual: open Docs.</p>
        {mode === 'password' ? (
          <>
            <label>
              Email
              <input
                type="email"
                autoComplete="username"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            </label>
            <label>
              Password
              <input
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </label>
          </>
        ) : (
          <label>
            API key
            <input
              type="password"
              autoComplete="off"
              spellCheck={false}
              required
              placeholder="ecp_…"
              value={apiKey}
              onChange={(e) => setApiKey(e.target.value)}
            />
          </label>
        )}
        {error && (
          <p role="alert" className="ecp-error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <button
          type="button"
          className="ecp-link"
          onClick={() => {
            setError(null);
            setMode(mode === 'password' ? 'api-key' : 'password');
          }}
        >
          {mode === 'password' ? 'Use an API key' : 'Use email and password'}
        </button>
        {mode === 'api-key' && (
          <p className="ecp-note">The key stays in this tab only and is forgotten when it closes.</p>
        )}
      </form>
    </main>
  );
}
