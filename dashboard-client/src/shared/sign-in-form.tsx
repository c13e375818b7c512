import { type FormEvent, useEffect, useId, useState } from 'react';
import { ApiError, forgetApiKey, rememberApiKey, signIn, whoAmI } from './api';
import { errorText } from './error-text';
import { SetPasswordForm, setupTokenInLocation } from './set-password-form';
import './shared.css';

/** What the sign-in form says about a failed person sign-in. */
function signInFailure(err: unknown): { message: string; retryAfterSeconds?: number } {
  if (err instanceof ApiError) {
    if (err.code === 'UNAUTHENTICATED') return { message: 'Wrong email or password.' };
    if (err.code === 'RATE_LIMITED')
      return {
        message: 'Too many failed attempts.',
        ...(err.retryAfterSeconds ? { retryAfterSeconds: err.retryAfterSeconds } : {}),
      };
  }
  return { message: errorText(err) };
}

/** `40 s`, or `15 min` for longer waits. */
function formatWait(seconds: number): string {
  return seconds < 90 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

/** Seconds left until `until` (a performance.now() time), ticking each second; 0 once past. */
function useSecondsUntil(until: number | null): number {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (until === null) return;
    const timer = setInterval(() => setNow(performance.now()), 250);
    return () => clearInterval(timer);
  }, [until]);
  return until === null ? 0 : Math.max(0, Math.ceil((until - now) / 1000));
}

/**
 * The sign-in a page shows when nobody is signed in: a person's email and password (the gateway sets
 * an httpOnly session cookie), or an API key, kept in this tab's session storage only.
 */
export function SignInForm({ title, onSignedIn }: { title: string; onSignedIn: () => void }) {
  const id = useId();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [keyFailure, setKeyFailure] = useState<string | null>(null);
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const waitSeconds = useSecondsUntil(retryAt);
  const [setupToken, setSetupToken] = useState(setupTokenInLocation);
  const [notice, setNotice] = useState<string | null>(null);

  async function submitPassword(event: FormEvent) {
    event.preventDefault();
    setFailure(null);
    if (!email.trim() || !password) {
      setFailure('Enter your email and your password.');
      setRetryAt(null);
      return;
    }
    setBusy(true);
    try {
      await signIn(email.trim(), password);
      setPassword('');
      onSignedIn();
    } catch (err) {
      const { message, retryAfterSeconds } = signInFailure(err);
      setFailure(message);
      setRetryAt(retryAfterSeconds ? performance.now() + retryAfterSeconds * 1000 : null);
    } finally {
      setBusy(false);
    }
  }

  async function submitKey(event: FormEvent) {
    event.preventDefault();
    setKeyFailure(null);
    if (!apiKey.trim()) {
      setKeyFailure('Enter an API key.');
      return;
    }
    setBusy(true);
    rememberApiKey(apiKey);
    try {
      const me = await whoAmI();
      if (!me) {
        forgetApiKey();
        setKeyFailure('The gateway does not accept that API key (unknown or revoked).');
        return;
      }
      setApiKey('');
      onSignedIn();
    } catch (err) {
      forgetApiKey();
      setKeyFailure(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const limited = waitSeconds > 0;
  return (
    <main className="sign-in" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>{title}</h1>
      <p className="sign-in-lede">Sign in to watch the platform live.</p>
      {setupToken ? (
        <SetPasswordForm
          token={setupToken}
          onDone={(done) => {
            setSetupToken(null);
            setEmail(done);
            setNotice('Password set: sign in with it.');
          }}
        />
      ) : null}
      {notice ? (
        <p className="help" role="status">
          {notice}
        </p>
      ) : null}
      {setupToken ? null : (
        <>
          <form onSubmit={submitPassword} aria-labelledby={`${id}-person`} noValidate>
            <h2 id={`${id}-person`}>Sign in</h2>
            <label htmlFor={`${id}-email`}>Email</label>
            <input
              id={`${id}-email`}
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
            <label htmlFor={`${id}-password`}>Password</label>
            <input
              id={`${id}-password`}
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            {failure ? (
              <p className="form-error" role="alert" data-testid="sign-in-error">
                {failure}
                {limited
                  ? ` Try again in ${formatWait(waitSeconds)}.`
                  : retryAt !== null
                    ? ' You may try again now.'
                    : ''}
              </p>
            ) : null}
            <button type="submit" disabled={busy || limited}>
              {busy ? 'Signing in…' : 'Sign in'}
            </button>
          </form>
          <details className="api-key-sign-in">
            <summary>Use an API key</summary>
            <form onSubmit={submitKey} aria-label="Sign in with an API key" noValidate>
              <label htmlFor={`${id}-key`}>API key</label>
              <input
                id={`${id}-key`}
                type="password"
                autoComplete="off"
                spellCheck={false}
                value={apiKey}
                onChange={(e) => setApiKey(e.target.value)}
                aria-describedby={`${id}-key-help`}
              />
              <p id={`${id}-key-help`} className="help">
                Kept in this tab only (session storage): it is forgotten when the tab closes or you sign out.
              </p>
              {keyFailure ? (
                <p className="form-error" role="alert">
                  {keyFailure}
                </p>
              ) : null}
              <button type="submit" disabled={busy}>
                Use this key
              </button>
            </form>
          </details>
        </>
      )}
    </main>
  );
}
