import { type FormEvent, useId, useState } from 'react';
import { ApiError, setPassword } from './api';
import { errorText } from './error-text';

const MIN_LENGTH = 12;

/**
 * The one-time setup token in this page's address, `…/#setup=ecpp_…`, as an admin hands it to a new
 * person (or after a password reset). In the fragment, it is never sent to a server or written to a log.
 */
export function setupTokenInLocation(): string | null {
  const match = /^#setup=(ecpp_[A-Za-z0-9_-]{43})$/.exec(window.location.hash);
  return match?.[1] ?? null;
}

/** A new person chooses their password with the setup token; then they sign in as usual. */
export function SetPasswordForm({ token, onDone }: { token: string; onDone: (email: string) => void }) {
  const id = useId();
  const [password, setValue] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setFailure(null);
    if ([...password].length < MIN_LENGTH) return setFailure(`Choose at least ${MIN_LENGTH} characters.`);
    if (password !== again) return setFailure('The two passwords differ.');
    setBusy(true);
    try {
      const { email } = await setPassword(token, password);
      history.replaceState(null, '', window.location.pathname + window.location.search);
      onDone(email);
    } catch (err) {
      setFailure(
        err instanceof ApiError && err.code === 'UNAUTHENTICATED'
          ? 'This link is unknown, used or expired: ask an admin for a new one.'
          : errorText(err),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} aria-labelledby={`${id}-title`} noValidate data-testid="set-password">
      <h2 id={`${id}-title`}>Choose your password</h2>
      <p className="help">At least {MIN_LENGTH} characters; a few words you will remember do well.</p>
      <label htmlFor={`${id}-new`}>New password</label>
      <input
        id={`${id}-new`}
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(e) => setValue(e.target.value)}
      />
      <label htmlFor={`${id}-again`}>The same again</label>
      <input
        id={`${id}-again`}
        type="password"
        autoComplete="new-password"
        value={again}
        onChange={(e) => setAgain(e.target.value)}
      />
      {failure ? (
        <p className="form-error" role="alert">
          {failure}
        </p>
      ) : null}
      <button type="submit" disabled={busy}>
        {busy ? 'Saving…' : 'Set password'}
      </button>
    </form>
  );
}
