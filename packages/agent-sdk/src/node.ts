/**
 * The Node entry of `@ecp/agent-sdk` (chosen by the `node` export condition): the same client, with
 * the `ws` package as its WebSocket where the runtime has none (Node 20). It re-exports the core
 * module rather than a copy of it, so an error class is the same class whichever entry it came from.
 */
import WebSocket from 'ws';
import { EcpClient, type EcpClientOptions, type WebSocketConstructor } from './index';

export * from './index';

/** A client for one agent (see `EcpClientOptions`); subscriptions use `ws` unless told otherwise. */
export function createEcpClient(options: EcpClientOptions): EcpClient {
  const runtime = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  return new EcpClient({
    ...options,
    webSocketImpl: options.webSocketImpl ?? runtime ?? (WebSocket as WebSocketConstructor),
  });
}
