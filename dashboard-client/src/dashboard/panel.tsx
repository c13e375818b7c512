import { type ReactNode, useId } from 'react';
import type { ApiError } from '../shared/api';
import { errorText, isForbidden } from '../shared/error-text';
import type { QueryState } from './use-query';
import { holdsAny, roleList, useViewer } from './viewer';

/** One panel of the dashboard: a titled region, with what it offers beside its title. */
export function Panel({
  title,
  actions,
  span = 1,
  testId,
  children,
}: {
  title: string;
  actions?: ReactNode;
  /** Columns it takes where the page has room: one, two, or the whole row. */
  span?: 1 | 2 | 'all';
  testId?: string;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <section className={`panel panel-span-${span}`} aria-labelledby={id} data-testid={testId}>
      <header className="panel-head">
        <h2 id={id}>{title}</h2>
        {actions ? <div className="panel-actions">{actions}</div> : null}
      </header>
      <div className="panel-body">{children}</div>
    </section>
  );
}

/** What a panel says instead of its content when the viewer's roles do not let them see it. */
export function RoleNotice({ roles, what }: { roles: readonly string[]; what: string }) {
  const viewer = useViewer();
  return (
    <p className="notice" data-testid="role-notice">
      {what} needs the {roleList(roles)} role; you are signed in with {roleList(viewer.roles)}.
    </p>
  );
}

/** A failed request, said plainly, with a way to try again. */
export function ErrorNotice({ error, retry }: { error: ApiError; retry?: () => void }) {
  return (
    <div className="notice notice-error" role="alert">
      <p>{errorText(error)}</p>
      {retry ? (
        <button type="button" className="secondary" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/**
 * The content of a panel that reads with a query: the role notice when the viewer lacks the role
 * (before asking, or when the gateway answers FORBIDDEN), a loading line, the error, or `children`.
 */
export function QueryContent<T>({
  state,
  roles,
  what,
  retry,
  children,
}: {
  state: QueryState<T>;
  roles?: readonly string[];
  what: string;
  retry: () => void;
  children: (data: T) => ReactNode;
}) {
  const viewer = useViewer();
  if (roles && !holdsAny(viewer, roles)) return <RoleNotice roles={roles} what={what} />;
  if (state.status === 'loading')
    return (
      <p className="muted" role="status">
        Loading…
      </p>
    );
  if (state.status === 'error') {
    if (isForbidden(state.error) && roles) return <RoleNotice roles={roles} what={what} />;
    return <ErrorNotice error={state.error} retry={retry} />;
  }
  return <>{children(state.data)}</>;
}

/** What an empty list says. */
export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}
