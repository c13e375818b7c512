import type { Client } from 'graphql-ws';
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { createSocket } from './api';

/** Where the page's one graphql-ws connection stands. */
export type SocketStatus = 'connecting' | 'live' | 'reconnecting' | 'refused';

/** The page's graphql-ws client, its status, and how many times it came back after losing the gateway. */
export interface LiveSocket {
  client: Client;
  status: SocketStatus;
  /** Counts reconnections: a panel refetches its query when it changes, for what no cursor covers. */
  reconnects: number;
}

const SocketContext = createContext<LiveSocket | null>(null);

/** The gateway closes a handshake whose credentials it does not accept with 4401. */
const UNAUTHORIZED_CLOSE = 4401;

/**
 * Opens one graphql-ws connection for everything below it (it reconnects forever, see `createSocket`)
 * and follows its state, so the page can say "reconnecting" and panels can catch up when it is back.
 */
export function SocketProvider({ children }: { children: ReactNode }) {
  const [live, setLive] = useState<LiveSocket | null>(null);
  useEffect(() => {
    let disposed = false;
    let wasConnected = false;
    let reconnects = 0;
    let status: SocketStatus = 'connecting';
    const client = createSocket({
      onConnected: () => {
        if (wasConnected && status !== 'live') reconnects += 1;
        wasConnected = true;
        publish('live');
      },
    });
    const publish = (next: SocketStatus) => {
      status = next;
      if (!disposed) setLive({ client, status, reconnects });
    };
    const stopListening = client.on('closed', (event) => {
      const code = (event as { code?: number } | undefined)?.code;
      publish(code === UNAUTHORIZED_CLOSE ? 'refused' : 'reconnecting');
    });
    publish('connecting');
    return () => {
      disposed = true;
      stopListening();
      void client.dispose();
    };
  }, []);
  if (!live) return null;
  return <SocketContext.Provider value={live}>{children}</SocketContext.Provider>;
}

/** The page's live connection; only inside a SocketProvider. */
export function useSocket(): LiveSocket {
  const live = useContext(SocketContext);
  if (!live) throw new Error('useSocket() needs a SocketProvider above it');
  return live;
}

/** Says where the live connection stands, politely announced to screen readers when it changes. */
export function ConnectionStatus() {
  const { status } = useSocket();
  const text = {
    connecting: 'Connecting…',
    live: 'Live',
    reconnecting: 'Reconnecting…',
    refused: 'Credentials refused',
  }[status];
  return (
    <output className={`connection connection-${status}`} aria-live="polite" data-testid="connection-status">
      <span className="connection-dot" aria-hidden="true" />
      {text}
    </output>
  );
}
