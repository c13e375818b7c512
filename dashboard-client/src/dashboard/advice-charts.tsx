import { useEffect, useId, useMemo, useState } from 'react';
import uPlot from 'uplot';
import { graphql } from '../shared/api';
import { subscribeResumable } from '../shared/live-subscription';
import { useSocket } from '../shared/socket';
import { AXIS_STYLE, Chart } from './chart';
import { streamFirstPage } from './first-page';
import { formatScore } from './format';
import { Empty, Panel, QueryContent } from './panel';
import { useQuery } from './use-query';
import { PEOPLE } from './viewer';

/** The periods the charts cover, ending now. */
const PERIODS = [
  { label: 'Last hour', ms: 3_600_000 },
  { label: 'Last 24 hours', ms: 86_400_000 },
  { label: 'Last 7 days', ms: 7 * 86_400_000 },
] as const;

/** Decisions read for the divergence series (pages of 100); the histogram counts them all. */
const MAX_SERIES_PAGES = 5;

interface ScorePoint {
  id: string;
  at: number;
  score: number;
  exceeded: boolean;
}

const DIVERGENCE_SERIES_QUERY = `query DivergenceSeries($filter: DecisionFilter, $after: String) {
  decisions(filter: $filter, first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id divergence { combined scoredAt exceeded } } }
  }
}`;

interface DivergenceSeriesPage {
  decisions: {
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: {
      node: { id: string; divergence: { combined: number; scoredAt: string; exceeded: boolean } | null };
    }[];
  };
}

const DIVERGENCE_STATS_QUERY = `query DivergenceStats($from: DateTime!, $to: DateTime!) {
  divergenceStats(from: $from, to: $to) { count mean p50 p90 aboveThreshold buckets { from to count } }
}`;

interface DivergenceStats {
  divergenceStats: {
    count: number;
    mean: number | null;
    p50: number | null;
    p90: number | null;
    aboveThreshold: number;
    buckets: { from: number; to: number; count: number }[];
  };
}

const CONSENSUS_QUERY = `query ConsensusSeries {
  polls(filter: { status: CLOSED }, first: 100) {
    edges { node { id question closedAt result { consensus quorumMet } } }
  }
}`;

interface ConsensusPolls {
  polls: {
    edges: {
      node: {
        id: string;
        question: string;
        closedAt: string | null;
        result: { consensus: number | null } | null;
      };
    }[];
  };
}

const DIVERGENCE_SCORED = `subscription { divergenceScored { id combined scoredAt exceeded } }`;

/** Reads every committed decision's divergence since `from` (newest first, a few pages at most). */
async function divergenceSince(from: string): Promise<ScorePoint[]> {
  await streamFirstPage;
  const points: ScorePoint[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_SERIES_PAGES; page++) {
    const answer: DivergenceSeriesPage = await graphql<DivergenceSeriesPage>(DIVERGENCE_SERIES_QUERY, {
      filter: { recordedAfter: from },
      after,
    });
    for (const { node } of answer.decisions.edges) {
      if (node.divergence)
        points.push({
          id: node.id,
          at: Date.parse(node.divergence.scoredAt) / 1000,
          score: node.divergence.combined,
          exceeded: node.divergence.exceeded,
        });
    }
    if (!answer.decisions.pageInfo.hasNextPage) break;
    after = answer.decisions.pageInfo.endCursor;
  }
  return points.sort((a, b) => a.at - b.at);
}

function timeSeriesOptions(name: string, color: string, extra: uPlot.Series[] = []): uPlot.Options {
  return {
    width: 0,
    height: 0,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    // One point (or several at one time) gets ten minutes either side rather than years.
    scales: {
      x: {
        time: true,
        // From the data itself: uPlot widens one point to 86 400 000 s (its one day, in milliseconds).
        range: (u, min, max) => {
          const xs = u.data[0];
          const first = xs[0];
          const last = xs[xs.length - 1];
          if (first === undefined || last === undefined) return [min, max];
          return last - first < 60 ? [first - 600, last + 600] : [first, last];
        },
      },
      y: { range: [0, 1] },
    },
    axes: [
      { ...AXIS_STYLE },
      {
        ...AXIS_STYLE,
        size: 42,
        splits: () => [0, 0.2, 0.4, 0.6, 0.8, 1],
        values: (_u, ticks) => ticks.map((t) => t.toFixed(1)),
      },
    ],
    series: [
      {},
      { label: name, stroke: color, width: 1.5, points: { show: true, size: 6, fill: color } },
      ...extra,
    ],
  };
}

/** Divergence and consensus over time, live, and the distribution of divergence in the period. */
export function AdviceCharts({ pollsClosed }: { pollsClosed: number }) {
  const id = useId();
  const { client, reconnects } = useSocket();
  const [periodMs, setPeriodMs] = useState<number>(PERIODS[1].ms);
  const [windowEnd, setWindowEnd] = useState(() => Date.now());
  const from = new Date(windowEnd - periodMs).toISOString();
  // The histogram's period ends at the latest score seen (read again as each one comes).
  const [statsEnd, setStatsEnd] = useState(windowEnd);
  const stats = useQuery<DivergenceStats>(DIVERGENCE_STATS_QUERY, {
    from: new Date(statsEnd - periodMs).toISOString(),
    to: new Date(statsEnd + 1000).toISOString(),
  });
  const consensus = useQuery<ConsensusPolls>(CONSENSUS_QUERY, {}, { key: String(pollsClosed) });
  const [points, setPoints] = useState<ScorePoint[]>([]);
  const [seriesState, setSeriesState] = useState<'loading' | 'ready' | 'error'>('loading');

  // biome-ignore lint/correctness/useExhaustiveDependencies: reconnects is a trigger.
  useEffect(() => {
    let current = true;
    divergenceSince(from).then(
      (list) => {
        if (!current) return;
        setPoints((live) =>
          mergePoints(
            list,
            live.filter((p) => p.at * 1000 >= Date.parse(from)),
          ),
        );
        setSeriesState('ready');
      },
      () => {
        if (current) setSeriesState('error');
      },
    );
    return () => {
      current = false;
    };
  }, [from, reconnects]);

  // Each score as it is given: a point on the series, and the histogram read again (debounced).
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const live = subscribeResumable<{
      divergenceScored: { id: string; combined: number; scoredAt: string; exceeded: boolean };
    }>(
      client,
      { query: DIVERGENCE_SCORED },
      {
        next: ({ divergenceScored: d }) => {
          setPoints((list) =>
            mergePoints(list, [
              { id: d.id, at: Date.parse(d.scoredAt) / 1000, score: d.combined, exceeded: d.exceeded },
            ]),
          );
          clearTimeout(timer);
          timer = setTimeout(() => setStatsEnd(Date.now()), 500);
        },
        expired: () => {
          const now = Date.now();
          setWindowEnd(now);
          setStatsEnd(now);
        },
        error: () => setSeriesState((s) => (s === 'ready' ? s : 'error')),
      },
    );
    return () => {
      clearTimeout(timer);
      live.dispose();
    };
  }, [client]);

  const divergenceOptions = useMemo(
    () =>
      timeSeriesOptions('Combined divergence', '#0b5cad', [
        {
          label: 'Above its threshold',
          stroke: '#a40e26',
          width: 0,
          points: { show: true, size: 8, fill: '#a40e26' },
        },
      ]),
    [],
  );
  const divergenceData = useMemo<uPlot.AlignedData>(
    () => [
      points.map((p) => p.at),
      points.map((p) => p.score),
      points.map((p) => (p.exceeded ? p.score : null)),
    ],
    [points],
  );

  const consensusPoints = useMemo(() => {
    if (consensus.state.status !== 'ready') return [];
    const since = Date.parse(from);
    return consensus.state.data.polls.edges
      .map((e) => e.node)
      .filter((p) => p.closedAt && Date.parse(p.closedAt) >= since && p.result?.consensus != null)
      .map((p) => ({ at: Date.parse(p.closedAt!) / 1000, score: p.result!.consensus! }))
      .sort((a, b) => a.at - b.at);
  }, [consensus.state, from]);
  const consensusOptions = useMemo(() => timeSeriesOptions('Consensus', '#116329'), []);
  const consensusData = useMemo<uPlot.AlignedData>(
    () => [consensusPoints.map((p) => p.at), consensusPoints.map((p) => p.score)],
    [consensusPoints],
  );

  const histogramOptions = useMemo<uPlot.Options>(
    () => ({
      width: 0,
      height: 0,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: false, range: [0, 1] }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [
        { ...AXIS_STYLE, values: (_u, ticks) => ticks.map((t) => t.toFixed(1)) },
        {
          ...AXIS_STYLE,
          size: 42,
          values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : '')),
        },
      ],
      series: [
        {},
        {
          label: 'Decisions',
          stroke: '#0b5cad',
          fill: 'rgba(11, 92, 173, 0.55)',
          width: 1,
          paths: uPlot.paths.bars!({ size: [0.9, Number.POSITIVE_INFINITY] }),
          points: { show: false },
        },
      ],
    }),
    [],
  );

  const periodLabel = PERIODS.find((p) => p.ms === periodMs)?.label.toLowerCase() ?? '';
  return (
    <Panel
      title="Divergence and consensus"
      span="all"
      testId="advice-charts"
      actions={
        <>
          <label htmlFor={`${id}-period`} className="visually-hidden">
            Period
          </label>
          <select
            id={`${id}-period`}
            value={periodMs}
            onChange={(e) => {
              const now = Date.now();
              setPeriodMs(Number(e.target.value));
              setWindowEnd(now);
              setStatsEnd(now);
            }}
          >
            {PERIODS.map((p) => (
              <option key={p.ms} value={p.ms}>
                {p.label}
              </option>
            ))}
          </select>
        </>
      }
    >
      <div className="charts">
        <div className="chart-block">
          <h3>Divergence of committed decisions</h3>
          {seriesState === 'loading' ? (
            <p className="muted">Loading…</p>
          ) : seriesState === 'error' && points.length === 0 ? (
            <p className="notice notice-error">The divergence scores could not be read.</p>
          ) : points.length === 0 ? (
            <Empty>No decision was scored in the {periodLabel}.</Empty>
          ) : (
            <Chart
              options={divergenceOptions}
              data={divergenceData}
              testId="divergence-chart"
              label={`${points.length} ${points.length === 1 ? 'score' : 'scores'} in the ${periodLabel}; the latest ${formatScore(points.at(-1)?.score)}${
                points.some((p) => p.exceeded)
                  ? `, ${points.filter((p) => p.exceeded).length} above their threshold (red)`
                  : ''
              }.`}
            />
          )}
        </div>
        <div className="chart-block">
          <h3>Consensus of closed polls</h3>
          <QueryContent state={consensus.state} roles={undefined} what="Polls" retry={consensus.refetch}>
            {() =>
              consensusPoints.length === 0 ? (
                <Empty>No poll closed with a conclusive result in the {periodLabel}.</Empty>
              ) : (
                <Chart
                  options={consensusOptions}
                  data={consensusData}
                  testId="consensus-chart"
                  label={`${consensusPoints.length} ${consensusPoints.length === 1 ? 'poll' : 'polls'} closed in the ${periodLabel}; the latest consensus ${formatScore(
                    consensusPoints.at(-1)?.score,
                  )} (1 − normalised entropy of the weighted votes).`}
                />
              )
            }
          </QueryContent>
        </div>
        <div className="chart-block">
          <h3>Distribution of divergence</h3>
          <QueryContent
            state={stats.state}
            roles={PEOPLE}
            what="The divergence distribution"
            retry={stats.refetch}
          >
            {({ divergenceStats: s }) =>
              s.count === 0 ? (
                <Empty>No divergence score was given in the {periodLabel}.</Empty>
              ) : (
                <>
                  <Chart
                    options={histogramOptions}
                    data={[s.buckets.map((b) => (b.from + b.to) / 2), s.buckets.map((b) => b.count)]}
                    testId="divergence-histogram"
                    label={`${s.count} scores: mean ${formatScore(s.mean)}, median ${formatScore(s.p50)}, 90th percentile ${formatScore(
                      s.p90,
                    )}; ${s.aboveThreshold} above the threshold in force.`}
                  />
                  <details className="as-table">
                    <summary>Show as a table</summary>
                    <table>
                      <thead>
                        <tr>
                          <th scope="col">Divergence</th>
                          <th scope="col">Decisions</th>
                        </tr>
                      </thead>
                      <tbody>
                        {s.buckets.map((b) => (
                          <tr key={b.from}>
                            <td>
                              {b.from.toFixed(1)}–{b.to.toFixed(1)}
                            </td>
                            <td>{b.count}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </details>
                </>
              )
            }
          </QueryContent>
        </div>
      </div>
    </Panel>
  );
}

function mergePoints(base: readonly ScorePoint[], more: readonly ScorePoint[]): ScorePoint[] {
  const byId = new Map(base.map((p) => [p.id, p]));
  for (const p of more) byId.set(p.id, p);
  return [...byId.values()].sort((a, b) => a.at - b.at);
}
