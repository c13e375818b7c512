import { type Dispatch, type SetStateAction, useCallback, useEffect, useState } from 'react';
import { type ApiError, graphql } from '../shared/api';
import { asApiError } from '../shared/error-text';
import { useSocket } from '../shared/socket';

/** A query's answer as a panel shows it: loading, failed (with the gateway's code) or there. */
export type QueryState<T> =
  | { status: 'loading' }
  | { status: 'error'; error: ApiError }
  | { status: 'ready'; data: T };

/**
 * Runs a query when `key` changes and again each time the live connection comes back after losing
 * the gateway (what happened meanwhile may not be on any cursor). `setData` lets live events update
 * the answer in place. Nothing runs while `enabled` is false (the viewer lacks the role).
 */
export function useQuery<T>(
  query: string,
  variables: Record<string, unknown>,
  { key = '', enabled = true }: { key?: string; enabled?: boolean } = {},
): { state: QueryState<T>; setData: Dispatch<SetStateAction<T>>; refetch: () => void } {
  const { reconnects } = useSocket();
  const [state, setState] = useState<QueryState<T>>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const variablesJson = JSON.stringify(variables);

  // biome-ignore lint/correctness/useExhaustiveDependencies: reconnects, attempt and key are triggers.
  useEffect(() => {
    if (!enabled) return;
    let current = true;
    graphql<T>(query, JSON.parse(variablesJson) as Record<string, unknown>).then(
      (data) => {
        if (current) setState({ status: 'ready', data });
      },
      (err: unknown) => {
        if (current) setState({ status: 'error', error: asApiError(err) });
      },
    );
    return () => {
      current = false;
    };
  }, [query, variablesJson, enabled, key, reconnects, attempt]);

  const setData = useCallback<Dispatch<SetStateAction<T>>>((update) => {
    setState((s) =>
      s.status === 'ready'
        ? { status: 'ready', data: typeof update === 'function' ? (update as (d: T) => T)(s.data) : update }
        : s,
    );
  }, []);
  const refetch = useCallback(() => setAttempt((n) => n + 1), []);
  return { state, setData, refetch };
}
