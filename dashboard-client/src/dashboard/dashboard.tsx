import { useCallback, useState } from 'react';
import { BreakGlassBanner } from '../shared/break-glass-banner';
import { AccountBar, type Session, SessionGate } from '../shared/session';
import { ConnectionStatus, SocketProvider } from '../shared/socket';
import { AdviceCharts } from './advice-charts';
import { CheckpointPanel, type ProofRequest } from './checkpoint-panel';
import { DecisionStream } from './decision-stream';
import { HealthPanel } from './health-panel';
import { HeldDecisionsPanel } from './held-decisions-panel';
import { IncidentsPanel } from './incidents-panel';
import { PollsPanel } from './polls-panel';
import { ViewerContext } from './viewer';
import './dashboard.css';

const TITLE = 'ECP Transparency Dashboard';

/** The panels, once someone is signed in, over one live connection. */
function Panels({ session }: { session: Session }) {
  const [proofRequest, setProofRequest] = useState<ProofRequest | null>(null);
  const [pollsClosed, setPollsClosed] = useState(0);
  const checkProof = useCallback(
    (index: string) => setProofRequest((r) => ({ index, serial: (r?.serial ?? 0) + 1 })),
    [],
  );
  const pollClosed = useCallback(() => setPollsClosed((n) => n + 1), []);
  return (
    <ViewerContext.Provider value={session.viewer}>
      <SocketProvider>
        <a className="skip-link" href="#panels">
          Skip to the panels
        </a>
        <header className="top">
          <div className="brand">
            <h1>{TITLE}</h1>
            <ConnectionStatus />
          </div>
          <AccountBar session={session} />
        </header>
        <BreakGlassBanner />
        <main id="panels" className="panels" tabIndex={-1}>
          <DecisionStream onCheckProof={checkProof} />
          <HeldDecisionsPanel />
          <AdviceCharts pollsClosed={pollsClosed} />
          <PollsPanel onPollClosed={pollClosed} />
          <HealthPanel />
          <IncidentsPanel />
          <CheckpointPanel request={proofRequest} />
        </main>
      </SocketProvider>
    </ViewerContext.Provider>
  );
}

/** The Transparency Dashboard at `/`: the sign-in when nobody is signed in, the live panels otherwise. */
export function Dashboard() {
  return <SessionGate title={TITLE}>{(session) => <Panels session={session} />}</SessionGate>;
}
