import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { type ApiError, graphql } from '../shared/api';
import { asApiError } from '../shared/error-text';
import { type ResumableSubscription, subscribeResumable } from '../shared/live-subscription';
import { useSocket } from '../shared/socket';
import {
  decisionFilter,
  MAX_STREAM_ROWS,
  mergeDecisions,
  newestIndex,
  STREAM_DECISION_FIELDS,
  type StreamDecision,
  type StreamFilter,
} from './decision-rows';
import { streamFirstPageShown } from './first-page';
import { formatScore, formatWhen } from './format';
import { Empty, ErrorNotice, Panel } from './panel';
import { useQuery } from './use-query';
import { holdsAny, PEOPLE, useViewer } from './viewer';

const STREAM_SUBSCRIPTION = `subscription DecisionStream($filter: DecisionFilter) {
  decisionRecorded(filter: $filter) { ${STREAM_DECISION_FIELDS} }
}`;

const DECISIONS_QUERY = `query StreamDecisions($filter: DecisionFilter, $first: Int, $last: Int, $before: String) {
  decisions(filter: $filter, first: $first, last: $last, before: $before) {
    pageInfo { hasPreviousPage }
    edges { node { ${STREAM_DECISION_FIELDS} } }
  }
}`;

interface DecisionsPage {
  decisions: { pageInfo: { hasPreviousPage: boolean }; edges: { node: StreamDecision }[] };
}

/** How many decisions a catch-up reads at once; a longer gap shows the newest instead. */
const CATCH_UP_PAGE = 100;

/**
 * The stream's rows and how they stay complete: a `decisionRecorded` subscription under the filter,
 * stopped on pause with the last payload's cursor kept, and resumed from that cursor so the gateway
 * replays what was missed, in order. Without a cursor (nothing arrived yet), after CURSOR_EXPIRED
 * and after a reconnection, what is newer than the newest row shown is read with a query instead.
 */
function useDecisionStream(filter: Record<string, string>, paused: boolean) {
  const { client, reconnects } = useSocket();
  const [rows, setRows] = useState<StreamDecision[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [epoch, setEpoch] = useState(0);
  const [pausedAt, setPausedAt] = useState<string | null>(null);
  const rowsRef = useRef<StreamDecision[]>([]);
  const resumeRef = useRef<{ filterKey: string; cursor: string } | null>(null);
  const subscriptionRef = useRef<ResumableSubscription | null>(null);
  const filterKey = JSON.stringify(filter);

  const commit = useCallback((next: StreamDecision[]) => {
    rowsRef.current = next;
    setRows(next);
  }, []);

  const catchUp = useCallback(
    async (isCurrent: () => boolean) => {
      const variables = { filter: JSON.parse(filterKey) as Record<string, string> };
      try {
        const newest = newestIndex(rowsRef.current);
        if (newest === null) {
          const page = await graphql<DecisionsPage>(DECISIONS_QUERY, { ...variables, first: 50 });
          if (isCurrent())
            commit(
              mergeDecisions(
                rowsRef.current,
                page.decisions.edges.map((e) => e.node),
              ),
            );
          streamFirstPageShown();
        } else {
          const since = await graphql<DecisionsPage>(DECISIONS_QUERY, {
            ...variables,
            before: newest,
            last: CATCH_UP_PAGE,
          });
          if (!isCurrent()) return;
          if (since.decisions.pageInfo.hasPreviousPage) {
            const latest = await graphql<DecisionsPage>(DECISIONS_QUERY, {
              ...variables,
              first: CATCH_UP_PAGE,
            });
            if (!isCurrent()) return;
            setNotice(`More than ${CATCH_UP_PAGE} decisions were recorded meanwhile: showing the newest.`);
            commit(
              mergeDecisions(
                [],
                latest.decisions.edges.map((e) => e.node),
              ),
            );
          } else {
            commit(
              mergeDecisions(
                rowsRef.current,
                since.decisions.edges.map((e) => e.node),
              ),
            );
          }
        }
        if (isCurrent()) setError(null);
      } catch (err) {
        if (isCurrent()) setError(asApiError(err));
      } finally {
        if (isCurrent()) setLoading(false);
      }
    },
    [filterKey, commit],
  );

  // Another filter: start over, with nothing to resume from.
  // biome-ignore lint/correctness/useExhaustiveDependencies: filterKey is the trigger.
  useEffect(() => {
    commit([]);
    resumeRef.current = null;
    setLoading(true);
    setNotice(null);
    setPausedAt(null);
  }, [filterKey, commit]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: epoch is a trigger (resubscribe afresh, "Try again").
  useEffect(() => {
    if (paused) return;
    const resumeFrom = resumeRef.current?.filterKey === filterKey ? resumeRef.current.cursor : undefined;
    resumeRef.current = null;
    setPausedAt(null);
    let current = true;
    const isCurrent = () => current;
    const subscription = subscribeResumable<{ decisionRecorded: StreamDecision }>(
      client,
      { query: STREAM_SUBSCRIPTION, variables: { filter: JSON.parse(filterKey) } },
      {
        next: ({ decisionRecorded }) => {
          if (current) commit(mergeDecisions(rowsRef.current, [decisionRecorded]));
        },
        expired: () => {
          if (!current) return;
          setNotice(
            'The gateway no longer held every decision missed: they were read from the ledger instead.',
          );
          void catchUp(isCurrent);
        },
        error: (err) => {
          if (current) setError(err);
        },
      },
      resumeFrom,
    );
    subscriptionRef.current = subscription;
    if (resumeFrom === undefined) void catchUp(isCurrent);
    else setLoading(false);
    return () => {
      current = false;
      const cursor = subscription.cursor;
      if (cursor) {
        resumeRef.current = { filterKey, cursor };
        setPausedAt(cursor);
      }
      subscription.dispose();
      subscriptionRef.current = null;
    };
  }, [client, filterKey, paused, epoch, catchUp, commit]);

  // Back after losing the gateway: the subscription resumes from its cursor by itself; read what no
  // cursor covers (a subscription that had received nothing yet).
  // biome-ignore lint/correctness/useExhaustiveDependencies: reconnects is the trigger.
  useEffect(() => {
    if (reconnects === 0 || paused) return;
    let current = true;
    void catchUp(() => current);
    return () => {
      current = false;
    };
  }, [reconnects]);

  const retry = useCallback(() => {
    setError(null);
    setEpoch((n) => n + 1);
  }, []);
  return { rows, loading, error, notice, pausedAt, retry };
}

/** Jurisdictions, categories and agents to pick from in the filter, for people who may list them. */
const SUGGESTIONS_QUERY = `query StreamSuggestions($from: DateTime!, $to: DateTime!) {
  decisionStats(from: $from, to: $to) { byJurisdiction { key } byCategory { key } }
  agents(first: 100) { edges { node { id name roles } } }
}`;

interface Suggestions {
  decisionStats: { byJurisdiction: { key: string }[]; byCategory: { key: string }[] };
  agents: { edges: { node: { id: string; name: string; roles: string[] } }[] };
}

const EMPTY_FILTER: StreamFilter = { jurisdiction: '', category: '', agentId: '' };

/** The live decision stream: newest first, filterable, paused and resumed without missing any. */
export function DecisionStream({ onCheckProof }: { onCheckProof: (ledgerIndex: string) => void }) {
  const id = useId();
  const viewer = useViewer();
  const isPerson = holdsAny(viewer, PEOPLE);
  const [draft, setDraft] = useState<StreamFilter>(EMPTY_FILTER);
  const [applied, setApplied] = useState<StreamFilter>(EMPTY_FILTER);
  const [paused, setPaused] = useState(false);
  const filter = decisionFilter(applied);
  const { rows, loading, error, notice, pausedAt, retry } = useDecisionStream(filter, paused);
  const { status } = useSocket();
  const [range] = useState(() => ({
    from: new Date(Date.now() - 7 * 86_400_000).toISOString(),
    to: new Date(Date.now() + 86_400_000).toISOString(),
  }));
  const suggestions = useQuery<Suggestions>(SUGGESTIONS_QUERY, range, { enabled: isPerson });
  const known = suggestions.state.status === 'ready' ? suggestions.state.data : null;
  const agents = known?.agents.edges.map((e) => e.node).filter((a) => a.roles.includes('AGENT')) ?? [];

  function apply(event: FormEvent) {
    event.preventDefault();
    setApplied(draft);
  }
  function clear() {
    setDraft(EMPTY_FILTER);
    setApplied(EMPTY_FILTER);
  }
  const filtered = Object.keys(filter).length > 0;

  return (
    <Panel
      title="Live decision stream"
      span={2}
      testId="decision-stream"
      actions={
        <button
          type="button"
          className={paused ? undefined : 'secondary'}
          aria-pressed={paused}
          onClick={() => setPaused((p) => !p)}
        >
          {paused ? 'Resume' : 'Pause'}
        </button>
      }
    >
      <form className="filters" onSubmit={apply} aria-label="Filter the stream">
        <div className="field">
          <label htmlFor={`${id}-j`}>Jurisdiction</label>
          <input
            id={`${id}-j`}
            list={`${id}-j-list`}
            value={draft.jurisdiction}
            placeholder="any, e.g. EU/DE"
            onChange={(e) => setDraft({ ...draft, jurisdiction: e.target.value })}
          />
          <datalist id={`${id}-j-list`}>
            {known?.decisionStats.byJurisdiction.map((j) => (
              <option key={j.key} value={j.key} />
            ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor={`${id}-c`}>Category</label>
          <input
            id={`${id}-c`}
            list={`${id}-c-list`}
            value={draft.category}
            placeholder="any, e.g. payments"
            onChange={(e) => setDraft({ ...draft, category: e.target.value })}
          />
          <datalist id={`${id}-c-list`}>
            {known?.decisionStats.byCategory.map((c) => (
              <option key={c.key} value={c.key} />
            ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor={`${id}-a`}>Agent</label>
          {isPerson ? (
            <select
              id={`${id}-a`}
              value={draft.agentId}
              onChange={(e) => setDraft({ ...draft, agentId: e.target.value })}
            >
              <option value="">any agent</option>
              {agents.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          ) : (
            <input
              id={`${id}-a`}
              value={draft.agentId}
              placeholder="an agent id"
              onChange={(e) => setDraft({ ...draft, agentId: e.target.value })}
            />
          )}
        </div>
        <div className="filter-buttons">
          <button type="submit">Apply filter</button>
          <button type="button" className="secondary" onClick={clear} disabled={!filtered}>
            Clear
          </button>
        </div>
      </form>

      <p className="stream-status" role="status" data-testid="stream-status">
        {paused
          ? `Paused${pausedAt ? ` after stream position ${pausedAt}` : ''}: new decisions appear, in order, when you resume.`
          : status !== 'live'
            ? `Waiting for the gateway: ${rows.length} shown; what is recorded meanwhile appears when it is back.`
            : `Live${filtered ? ', filtered' : ''}: ${rows.length} shown, newest first (at most ${MAX_STREAM_ROWS}).`}
      </p>
      {notice ? <p className="notice">{notice}</p> : null}
      {error ? <ErrorNotice error={error} retry={retry} /> : null}
      {loading && rows.length === 0 ? (
        <p className="muted">Loading…</p>
      ) : rows.length === 0 && !error ? (
        <Empty>
          {filtered
            ? 'No decision matches this filter yet; matching ones appear here as they are recorded.'
            : 'No decision recorded yet; they appear here as agents record them.'}
        </Empty>
      ) : (
        <ol className="stream" aria-label="Decisions, newest first" data-testid="stream-rows">
          {rows.map((d) => (
            <li
              key={d.id}
              className="stream-row"
              data-testid="stream-row"
              data-ledger-index={d.ledgerIndex ?? ''}
            >
              <div className="stream-row-top">
                <span className="ledger-index">#{d.ledgerIndex ?? '–'}</span>
                <time dateTime={d.recordedAt}>{formatWhen(d.recordedAt)}</time>
                <span className="chip">{d.jurisdiction}</span>
                <span className="chip">{d.category}</span>
                {d.ledgerIndex !== null ? (
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => onCheckProof(d.ledgerIndex!)}
                    aria-label={`Check the proof of entry ${d.ledgerIndex}`}
                  >
                    Check proof
                  </button>
                ) : null}
              </div>
              <p className="stream-row-main">
                <strong>{d.agent.name}</strong> chose <code>{d.chosenOption}</code>{' '}
                <span className="muted">(confidence {formatScore(d.confidence)})</span>
              </p>
              <p className="stream-row-rationale">{d.rationale}</p>
            </li>
          ))}
        </ol>
      )}
    </Panel>
  );
}
