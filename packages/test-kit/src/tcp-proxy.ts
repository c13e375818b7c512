import { createServer, type Server, Socket } from 'node:net';

/**
 * A TCP proxy in front of a service, to break connections the way networks do: forward everything
 * (`pass`), lose the answer to the next request after the service received it (`dropNextAnswer`:
 * the request is done, the client sees its connection reset), answer the next request with a bare
 * HTTP 503 without forwarding it (`refuseNext`), or cut every open connection at once (`cutAll`).
 */
export interface TcpProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The next connection's answer is lost after the request reached the service (once per call). */
  dropNextAnswer(): void;
  /** The next `count` requests are answered 503 by the proxy itself, never reaching the service. */
  refuseNext(count: number): void;
  /** Destroys every open connection, as a network failure would. */
  cutAll(): void;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let drops = 0;
  let refusals = 0;
  let accepted = 0;

  const server: Server = createServer((client) => {
    accepted++;
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => {});
    let upstream: Socket | undefined;
    let dropping = false;

    const connectUpstream = () => {
      const up = new Socket();
      upstream = up;
      open.add(up);
      up.on('close', () => {
        open.delete(up);
        client.destroy();
      });
      up.on('error', () => client.destroy());
      up.on('data', (chunk: Buffer) => {
        if (dropping) {
          // The service answered; the client never hears it.
          client.resetAndDestroy();
          up.destroy();
          return;
        }
        client.write(chunk);
      });
      up.connect(target.port, target.host);
    };

    client.on('data', (chunk: Buffer) => {
      if (!upstream) {
        if (refusals > 0) {
          refusals--;
          client.end(
            'HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 11\r\nconnection: close\r\n\r\nunavailable',
          );
          return;
        }
        if (drops > 0) {
          drops--;
          dropping = true;
        }
        connectUpstream();
      }
      upstream!.write(chunk);
    });
    client.on('close', () => upstream?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dropNextAnswer() {
      drops++;
    },
    refuseNext(count: number) {
      refusals += count;
    },
    cutAll() {
      for (const socket of open) socket.destroy();
    },
    get connections() {
      return accepted;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
