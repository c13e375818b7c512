import { useEffect, useState } from 'react';
import { graphql } from './api';
import { errorText, isForbidden } from './error-text';
import { subscribeResumable } from './live-subscription';
import { useSocket } from './socket';
import './shared.css';

const SESSION_FIELDS =
  'id reason operatorId operator { name } incidentId openedAt expiresAt secondsLeft active';

interface BreakGlassSession {
  id: string;
  reason: string;
  operatorId: string;
  operator: { name: string } | null;
  incidentId: string | null;
  openedAt: string;
  expiresAt: string;
  secondsLeft: number;
  active: boolean;
}

/** A session as the banner holds it: when it ends on this page's monotonic clock (no clock skew). */
interface OpenSession extends BreakGlassSession {
  endsAt: number;
}

function opened(session: BreakGlassSession): OpenSession {
  return { ...session, endsAt: performance.now() + session.secondsLeft * 1000 };
}

/** `m:ss` left. */
export function formatTimeLeft(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * The banner every page shows while any break-glass session is open: who broke the glass, why, and
 * the time left, counting down; kept live by `breakGlassChanged` (opened, closed, expired).
 */
export function BreakGlassBanner() {
  const { client, reconnects } = useSocket();
  const [sessions, setSessions] = useState<OpenSession[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [rereads, setRereads] = useState(0);
  // Ticks re-render the countdown; the time itself is read at each render.
  const [, setTick] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: reconnects and rereads are triggers (read again).
  useEffect(() => {
    let current = true;
    graphql<{ activeBreakGlassSessions: BreakGlassSession[] }>(
      `{ activeBreakGlassSessions { ${SESSION_FIELDS} } }`,
    ).then(
      (data) => {
        if (!current) return;
        setProblem(null);
        setSessions(data.activeBreakGlassSessions.map(opened));
      },
      (err: unknown) => {
        if (current) setProblem(isForbidden(err) ? null : errorText(err));
      },
    );
    return () => {
      current = false;
    };
  }, [reconnects, rereads]);

  useEffect(() => {
    const live = subscribeResumable<{ breakGlassChanged: BreakGlassSession }>(
      client,
      { query: `subscription { breakGlassChanged { ${SESSION_FIELDS} } }` },
      {
        next: ({ breakGlassChanged: changed }) => {
          setSessions((list) => {
            const others = list.filter((s) => s.id !== changed.id);
            if (!changed.active) return others;
            return [...others, opened(changed)].sort((a, b) => a.endsAt - b.endsAt);
          });
        },
        expired: () => setRereads((n) => n + 1),
        error: (err) => {
          if (!isForbidden(err)) setProblem(errorText(err));
        },
      },
    );
    return () => live.dispose();
  }, [client]);

  const now = performance.now();
  const open = sessions.filter((s) => s.endsAt > now);
  useEffect(() => {
    if (open.length === 0) return;
    const timer = setInterval(() => setTick((n) => n + 1), 500);
    return () => clearInterval(timer);
  }, [open.length]);

  if (problem)
    return (
      <div className="break-glass-unknown" role="status">
        Cannot tell whether a break-glass session is open: {problem}
      </div>
    );
  if (open.length === 0) return null;
  return (
    <section
      className="break-glass-banner"
      aria-label="Break glass in progress"
      data-testid="break-glass-banner"
    >
      <h2 className="break-glass-title">Break glass in progress: the Liability Firewall can be bypassed</h2>
      <p className="visually-hidden" role="status">
        {open.length === 1
          ? 'One break-glass session is open.'
          : `${open.length} break-glass sessions are open.`}
      </p>
      <ul>
        {open.map((s) => (
          <li key={s.id} data-testid="break-glass-session">
            <strong>{s.operator?.name ?? s.operatorId}</strong> broke the glass
            {s.incidentId ? <span> for incident {s.incidentId.slice(0, 8)}</span> : null}: “{s.reason}”{' '}
            <span className="break-glass-left">
              — ends in <time dateTime={s.expiresAt}>{formatTimeLeft((s.endsAt - now) / 1000)}</time>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
