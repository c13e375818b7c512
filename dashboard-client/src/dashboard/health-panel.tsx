import { useEffect } from 'react';
import { subscribeResumable } from '../shared/live-subscription';
import { useSocket } from '../shared/socket';
import { formatPercent, formatRelative } from './format';
import { Empty, Panel, QueryContent } from './panel';
import { useClock } from './use-clock';
import { useQuery } from './use-query';
import { holdsAny, PEOPLE, useViewer } from './viewer';

const ENVIRONMENT_FIELDS = `id name url status uptime24h uptime7d lastCheckedAt latencyObjectiveMs
  history(first: 1) { at ok latencyMs failures }`;

interface Environment {
  id: string;
  name: string;
  url: string;
  status: 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY';
  uptime24h: number | null;
  uptime7d: number | null;
  lastCheckedAt: string | null;
  latencyObjectiveMs: number | null;
  history: { at: string; ok: boolean; latencyMs: number; failures: string[] }[];
}

interface Environments {
  environments: Environment[];
}

/** Environment health and uptime, kept live by `healthChanged`. */
export function HealthPanel() {
  useClock();
  const { client } = useSocket();
  const allowed = holdsAny(useViewer(), PEOPLE);
  const { state, setData, refetch } = useQuery<Environments>(
    `{ environments { ${ENVIRONMENT_FIELDS} } }`,
    {},
    { enabled: allowed },
  );

  useEffect(() => {
    if (!allowed) return;
    const live = subscribeResumable<{ healthChanged: Environment }>(
      client,
      { query: `subscription { healthChanged { ${ENVIRONMENT_FIELDS} } }` },
      {
        next: ({ healthChanged: env }) =>
          setData((d) => ({
            environments: [...d.environments.filter((e) => e.id !== env.id), env].sort((a, b) =>
              a.name.localeCompare(b.name),
            ),
          })),
        expired: refetch,
        error: () => {},
      },
    );
    return () => live.dispose();
  }, [client, setData, refetch, allowed]);

  return (
    <Panel title="Environment health" testId="health">
      <QueryContent state={state} roles={PEOPLE} what="Environment health" retry={refetch}>
        {({ environments }) =>
          environments.length === 0 ? (
            <Empty>No environment is registered for checks.</Empty>
          ) : (
            <ul className="cards">
              {environments.map((env) => {
                const last = env.history[0];
                return (
                  <li key={env.id} className="card" data-testid="environment">
                    <p className="card-title">
                      <span className={`status status-${env.status.toLowerCase()}`}>{env.status}</span>{' '}
                      {env.name}
                    </p>
                    <p className="card-meta">
                      <span>uptime 24 h {formatPercent(env.uptime24h)}</span>
                      <span>7 d {formatPercent(env.uptime7d)}</span>
                      <span>
                        {env.lastCheckedAt ? (
                          <>
                            checked{' '}
                            <time dateTime={env.lastCheckedAt}>{formatRelative(env.lastCheckedAt)}</time>
                          </>
                        ) : (
                          'not checked yet'
                        )}
                      </span>
                      {last ? (
                        <span>
                          {last.latencyMs} ms
                          {env.latencyObjectiveMs ? ` (objective ${env.latencyObjectiveMs} ms)` : ''}
                        </span>
                      ) : null}
                    </p>
                    {last && !last.ok && last.failures.length > 0 ? (
                      <p className="card-failure">{last.failures.join('; ')}</p>
                    ) : null}
                  </li>
                );
              })}
            </ul>
          )
        }
      </QueryContent>
    </Panel>
  );
}
