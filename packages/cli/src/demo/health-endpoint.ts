import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small health endpoint on a free loopback port, standing for a shop's API: `GET /health` answers
 * 200 `{"status":"ok"}` while it is up and 503 `{"status":"degraded"}` while the demo has it down.
 * ECP checks it as it checks any environment.
 */
export class DemoHealthEndpoint {
  private up = true;

  private constructor(
    private readonly server: Server,
    /** The URL to register, e.g. `http://127.0.0.1:40123/health`. */
    readonly url: string,
  ) {}

  static async start(): Promise<DemoHealthEndpoint> {
    let endpoint: DemoHealthEndpoint | undefined;
    const server = createServer((req, res) => {
      const healthy = endpoint?.isUp ?? true;
      if (req.url !== '/health') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
      res
        .writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: healthy ? 'ok' : 'degraded' }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    endpoint = new DemoHealthEndpoint(server, `http://127.0.0.1:${port}/health`);
    return endpoint;
  }

  get isUp(): boolean {
    return this.up;
  }

  setUp(up: boolean): void {
    this.up = up;
  }

  /** Stops listening and closes every connection, kept-alive ones included. */
  async stop(): Promise<void> {
    const closed = once(this.server, 'close');
    this.server.close();
    this.server.closeAllConnections();
    await closed;
  }
}
