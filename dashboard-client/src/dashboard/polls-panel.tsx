import { useEffect, useRef } from 'react';
import { subscribeResumable } from '../shared/live-subscription';
import { useSocket } from '../shared/socket';
import { formatRelative } from './format';
import { Empty, Panel, QueryContent } from './panel';
import { useClock } from './use-clock';
import { useQuery } from './use-query';

const POLL_FIELDS = `id question status jurisdiction category quorum votesCast eligibleVoters closesAt weighting
  options { id description } tallies { option votes weight }`;

interface Poll {
  id: string;
  question: string;
  status: 'OPEN' | 'CLOSED';
  jurisdiction: string;
  category: string | null;
  quorum: number;
  votesCast: number;
  eligibleVoters: string[];
  closesAt: string;
  weighting: string;
  options: { id: string; description: string }[];
  tallies: { option: string; votes: number; weight: number }[] | null;
}

interface OpenPolls {
  polls: { edges: { node: Poll }[] };
}

const OPEN_POLLS_QUERY = `query OpenPolls { polls(filter: { status: OPEN }, first: 20) { edges { node { ${POLL_FIELDS} } } } }`;
const POLL_UPDATED = `subscription PollUpdated($id: ID!) { pollUpdated(id: $id) { ${POLL_FIELDS} } }`;

/**
 * No subscription announces a poll being opened (`pollUpdated` follows one poll by id), so the list
 * of open polls is read again this often; each poll listed is then followed live.
 */
const OPEN_POLLS_REFRESH_MS = 15_000;

/** Polls in progress with their tallies, each followed live by `pollUpdated` until it closes. */
export function PollsPanel({ onPollClosed }: { onPollClosed: () => void }) {
  useClock();
  const { client } = useSocket();
  const { state, setData, refetch } = useQuery<OpenPolls>(OPEN_POLLS_QUERY, {});
  const closed = useRef(onPollClosed);
  closed.current = onPollClosed;

  useEffect(() => {
    const timer = setInterval(refetch, OPEN_POLLS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [refetch]);

  const ids = state.status === 'ready' ? state.data.polls.edges.map((e) => e.node.id) : [];
  const idsKey = ids.join(',');
  useEffect(() => {
    const subscriptions = idsKey
      .split(',')
      .filter(Boolean)
      .map((id) =>
        subscribeResumable<{ pollUpdated: Poll }>(
          client,
          { query: POLL_UPDATED, variables: { id } },
          {
            next: ({ pollUpdated: poll }) => {
              setData((d) => ({
                polls: {
                  edges:
                    poll.status === 'OPEN'
                      ? d.polls.edges.map((e) => (e.node.id === poll.id ? { node: poll } : e))
                      : d.polls.edges.filter((e) => e.node.id !== poll.id),
                },
              }));
              if (poll.status === 'CLOSED') closed.current();
            },
            expired: refetch,
            error: () => {},
          },
        ),
      );
    return () => {
      for (const s of subscriptions) s.dispose();
    };
  }, [client, idsKey, setData, refetch]);

  return (
    <Panel title="Polls in progress" testId="polls">
      <QueryContent state={state} what="Polls" retry={refetch}>
        {({ polls }) =>
          polls.edges.length === 0 ? (
            <Empty>No poll is open.</Empty>
          ) : (
            <ul className="cards">
              {polls.edges.map(({ node: poll }) => (
                <PollCard key={poll.id} poll={poll} />
              ))}
            </ul>
          )
        }
      </QueryContent>
    </Panel>
  );
}

function PollCard({ poll }: { poll: Poll }) {
  const total = poll.tallies?.reduce((sum, t) => sum + t.weight, 0) ?? 0;
  return (
    <li className="card" data-testid="poll">
      <p className="card-title">{poll.question}</p>
      <p className="card-meta">
        <span className="chip">{poll.jurisdiction}</span>
        {poll.category ? <span className="chip">{poll.category}</span> : null}
        <span>
          {poll.votesCast} of {poll.eligibleVoters.length} voted, quorum {poll.quorum}
        </span>
        <span>
          closes <time dateTime={poll.closesAt}>{formatRelative(poll.closesAt)}</time>
        </span>
      </p>
      {poll.tallies ? (
        <ul className="tallies" aria-label={`Tallies, weighted ${poll.weighting.toLowerCase()}`}>
          {poll.options.map((option) => {
            const tally = poll.tallies?.find((t) => t.option === option.id);
            const share = total > 0 && tally ? tally.weight / total : 0;
            return (
              <li key={option.id} className="tally">
                <span className="tally-label">
                  <code>{option.id}</code> {option.description}
                </span>
                <span className="tally-bar" aria-hidden="true">
                  <span style={{ width: `${(share * 100).toFixed(1)}%` }} />
                </span>
                <span className="tally-figures">
                  {tally?.votes ?? 0} {tally?.votes === 1 ? 'vote' : 'votes'}, {(share * 100).toFixed(0)} %
                </span>
              </li>
            );
          })}
        </ul>
      ) : (
        <p className="muted">Its tallies are for its opener and for people until it closes.</p>
      )}
    </li>
  );
}
