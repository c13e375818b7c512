import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import type { Logger } from '@ecp/logging/logger';

/**
 * How long idle keep-alive connections stay open once draining. A client may be sending its next
 * request on one at this very moment; closing it at once would reset that request, which the server
 * never saw and the client cannot safely retry (a POST). Within this window it is answered instead.
 */
const IDLE_LINGER_MS = 250;

/**
 * Stops an HTTP server without failing anything it has accepted. Draining stops the listener (new
 * connections are refused), answers every request from then on with `Connection: close` so that no
 * client reuses its connection, closes connections that stay idle, and waits for requests in flight.
 * What is still open when the grace period ends — a request that never finishes, a WebSocket that
 * does not close — is cut.
 *
 * Attach it before the application's own `request` listener, so the header is set before anything
 * answers.
 */
export class ServerDrain {
  private readonly sockets = new Set<Socket>();
  private readonly responses = new Set<ServerResponse>();
  private drained: Promise<boolean> | undefined;
  private closingIdle = false;

  constructor(
    private readonly server: Server,
    private readonly logger: Logger,
  ) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
      if (this.draining && !res.headersSent) res.setHeader('connection', 'close');
      this.responses.add(res);
      res.once('close', () => {
        this.responses.delete(res);
        // A response that had promised keep-alive before the drain leaves its connection idle.
        if (this.closingIdle) setImmediate(() => this.server.closeIdleConnections());
      });
    });
  }

  get draining(): boolean {
    return this.drained !== undefined;
  }

  /** Drains once; resolves true when everything finished within `graceMs`, false when something was cut. */
  drain(graceMs: number): Promise<boolean> {
    this.drained ??= this.run(graceMs);
    return this.drained;
  }

  private async run(graceMs: number): Promise<boolean> {
    for (const res of this.responses) if (!res.headersSent) res.setHeader('connection', 'close');
    // net.Server#close only stops listening; http.Server#close would also drop idle keep-alive
    // connections at once, resetting requests already on their way on them.
    const closed = new Promise<void>((resolve) =>
      NetServer.prototype.close.call(this.server, () => resolve()),
    );
    const linger = setTimeout(
      () => {
        this.closingIdle = true;
        this.server.closeIdleConnections();
      },
      Math.min(IDLE_LINGER_MS, graceMs),
    );
    let cut = false;
    const deadline = setTimeout(() => {
      cut = true;
      this.logger.warn(
        { requests: this.responses.size, connections: this.sockets.size, graceMs },
        'drain deadline passed: cutting the requests and connections still open',
      );
      for (const socket of this.sockets) socket.destroy();
    }, graceMs);
    await closed;
    clearTimeout(linger);
    clearTimeout(deadline);
    return !cut;
  }
}

/**
 * The part of the shutdown deadline a server may spend draining: all but a second (or a quarter, if
 * the deadline is short), which is left for closing Apollo, pools and Redis afterwards.
 */
export function drainGraceMs(shutdownDeadlineMs: number): number {
  return Math.max(0, shutdownDeadlineMs - Math.min(1000, shutdownDeadlineMs / 4));
}
