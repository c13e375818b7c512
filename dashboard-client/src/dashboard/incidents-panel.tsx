import { useEffect } from 'react';
import { subscribeResumable } from '../shared/live-subscription';
import { useSocket } from '../shared/socket';
import { formatRelative } from './format';
import { Empty, Panel, QueryContent } from './panel';
import { useClock } from './use-clock';
import { useQuery } from './use-query';
import { holdsAny, PEOPLE, useViewer } from './viewer';

const INCIDENT_FIELDS =
  'id title severity status openedAt acknowledgedAt escalation { policy level nextEscalationAt }';

interface Incident {
  id: string;
  title: string;
  severity: 'SEV1' | 'SEV2' | 'SEV3' | 'SEV4';
  status: 'OPEN' | 'ACKNOWLEDGED' | 'RESOLVED';
  openedAt: string;
  acknowledgedAt: string | null;
  escalation: { policy: string; level: number | null; nextEscalationAt: string | null } | null;
}

interface OpenIncidents {
  open: { edges: { node: Incident }[] };
  acknowledged: { edges: { node: Incident }[] };
}

const OPEN_INCIDENTS_QUERY = `query OpenIncidents {
  open: incidents(filter: { status: OPEN }, first: 50) { edges { node { ${INCIDENT_FIELDS} } } }
  acknowledged: incidents(filter: { status: ACKNOWLEDGED }, first: 50) { edges { node { ${INCIDENT_FIELDS} } } }
}`;

function byUrgency(a: Incident, b: Incident): number {
  return a.severity.localeCompare(b.severity) || b.openedAt.localeCompare(a.openedAt);
}

/** Incidents not yet resolved, worst first, kept live by `incidentUpdated`. */
export function IncidentsPanel() {
  useClock();
  const { client } = useSocket();
  const allowed = holdsAny(useViewer(), PEOPLE);
  const { state, setData, refetch } = useQuery<OpenIncidents>(OPEN_INCIDENTS_QUERY, {}, { enabled: allowed });

  useEffect(() => {
    if (!allowed) return;
    const live = subscribeResumable<{ incidentUpdated: Incident }>(
      client,
      { query: `subscription { incidentUpdated { ${INCIDENT_FIELDS} } }` },
      {
        next: ({ incidentUpdated: incident }) =>
          setData((d) => {
            const without = (list: { node: Incident }[]) => list.filter((e) => e.node.id !== incident.id);
            return {
              open: {
                edges: [
                  ...without(d.open.edges),
                  ...(incident.status === 'OPEN' ? [{ node: incident }] : []),
                ],
              },
              acknowledged: {
                edges: [
                  ...without(d.acknowledged.edges),
                  ...(incident.status === 'ACKNOWLEDGED' ? [{ node: incident }] : []),
                ],
              },
            };
          }),
        expired: refetch,
        error: () => {},
      },
    );
    return () => live.dispose();
  }, [client, setData, refetch, allowed]);

  return (
    <Panel title="Open incidents" testId="incidents">
      <QueryContent state={state} roles={PEOPLE} what="Incidents" retry={refetch}>
        {(data) => {
          const incidents = [...data.open.edges, ...data.acknowledged.edges]
            .map((e) => e.node)
            .sort(byUrgency);
          return incidents.length === 0 ? (
            <Empty>No open incident.</Empty>
          ) : (
            <ul className="cards">
              {incidents.map((incident) => (
                <li key={incident.id} className="card" data-testid="incident">
                  <p className="card-title">
                    <span className={`severity severity-${incident.severity.toLowerCase()}`}>
                      {incident.severity}
                    </span>{' '}
                    {incident.title}
                  </p>
                  <p className="card-meta">
                    <span>{incident.status === 'OPEN' ? 'not acknowledged' : 'acknowledged'}</span>
                    <span>
                      opened <time dateTime={incident.openedAt}>{formatRelative(incident.openedAt)}</time>
                    </span>
                    {incident.escalation ? (
                      <span>
                        {incident.escalation.policy}
                        {incident.escalation.level !== null
                          ? `, level ${incident.escalation.level + 1} told`
                          : ''}
                        {incident.escalation.nextEscalationAt
                          ? `, next ${formatRelative(incident.escalation.nextEscalationAt)}`
                          : ''}
                      </span>
                    ) : null}
                  </p>
                </li>
              ))}
            </ul>
          );
        }}
      </QueryContent>
    </Panel>
  );
}
