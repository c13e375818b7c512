import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type EventEnvelope, streamKey } from '@ecp/events/event';
import type { SubgraphUnderTest } from '@ecp/test-kit/subgraph';
import type { Redis } from 'ioredis';

/** How a loopback environment answers: its status, JSON body and delay, changed by the test as it goes. */
export interface Behaviour {
  status: number;
  body: unknown;
  delayMs: number;
}

/**
 * Environments on one loopback HTTP server, one per path (`/<name>`): each answers as its behaviour
 * says at the time of the request, so a test turns an environment up, down or slow between checks.
 */
export class LoopbackEnvironments {
  readonly behaviours = new Map<string, Behaviour>();
  private server: Server | undefined;
  private base = '';

  async start(
    listen: (handler: (req: IncomingMessage, res: ServerResponse) => void) => Server = (h) => createServer(h),
    scheme = 'http',
  ): Promise<this> {
    this.server = listen((req, res) => this.answer(req, res));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.base = `${scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** A URL answering as `behaviour`, which the test may change later with `set`. */
  add(name: string, behaviour: Partial<Behaviour> = {}): string {
    this.set(name, { status: 200, body: { status: 'ok', items: [1] }, delayMs: 0, ...behaviour });
    return `${this.base}/${name}`;
  }

  set(name: string, behaviour: Partial<Behaviour>): void {
    const current = this.behaviours.get(name) ?? { status: 200, body: { status: 'ok' }, delayMs: 0 };
    this.behaviours.set(name, { ...current, ...behaviour });
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const behaviour = this.behaviours.get((req.url ?? '/').slice(1));
    if (!behaviour) {
      res.writeHead(404).end();
      return;
    }
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(behaviour.status, { 'content-type': 'application/json' });
      res.end(typeof behaviour.body === 'string' ? behaviour.body : JSON.stringify(behaviour.body));
    };
    if (behaviour.delayMs > 0) setTimeout(send, behaviour.delayMs);
    else send();
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/**
 * The healthChanged events published for an environment: read once the outbox is empty (the relay
 * has moved every event written so far), so that the count is exact.
 */
export async function healthEvents(
  sg: SubgraphUnderTest,
  redis: Redis,
  streamPrefix: string,
  environmentId: string,
): Promise<EventEnvelope[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [row] = await sg
      .em()
      .getConnection()
      .execute<{ n: string }[]>('select count(*) as n from operations.outbox');
    if (Number(row!.n) === 0) break;
    if (Date.now() > deadline) throw new Error('the outbox was not relayed');
    await new Promise((r) => setTimeout(r, 50));
  }
  const entries = await redis.xrange(streamKey(streamPrefix, 'healthChanged'), '-', '+');
  return entries
    .map(([, fields]) => JSON.parse(fields[1]!) as EventEnvelope)
    .filter((e) => e.key.id === environmentId);
}

/** The status of the alert of a rule for an environment, or null when it never fired. */
export async function alertStatus(
  sg: SubgraphUnderTest,
  rule: string,
  environment: string,
): Promise<{ status: string; summary: string } | null> {
  const [row] = await sg
    .em()
    .getConnection()
    .execute<{ status: string; summary: string }[]>(
      "select status, summary from operations.alert where rule = ? and labels->>'environment' = ?",
      [rule, environment],
    );
  return row ?? null;
}
