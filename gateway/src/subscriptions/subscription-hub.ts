import { randomUUID } from 'node:crypto';
import { compareStreamIds, type EventEnvelope, streamKey } from '@ecp/events/event';
import { hasRole, type Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import { GraphQLError, valueFromASTUntyped } from 'graphql';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { WebSocket } from 'ws';
import type { GatewayContext } from '../context';
import type { EventExecutor } from './event-executor';
import { cursorRefusal, cursorRefusalError } from './replay-window';
import type { SubscriptionMetrics } from './subscription-metrics';
import type { PlannedSubscription } from './subscription-planner';
import { parseEntries, type StreamEvent, TopicReader } from './topic-reader';

export interface HubOptions {
  redis: Redis;
  streamPrefix: string;
  executor: EventExecutor;
  metrics: SubscriptionMetrics;
  logger: Logger;
  /** Builds the context entity fetches run with: the subscriber's identity, signed for subgraphs. */
  contextFor: (principal: Principal) => GatewayContext;
  /** Bytes a socket may hold unsent before its messages queue up here instead. */
  highWaterBytes?: number;
  /** Messages a subscriber may have queued; past it the oldest are dropped. */
  maxQueue?: number;
  /** How long a subscriber may stay behind before it is disconnected. */
  slowTimeoutMs?: number;
  /** How many events behind the newest a resume cursor may be; further back it is refused. */
  replayMaxEvents?: number;
}

export interface SubscribeRequest {
  /** graphql-ws operation id on this socket. */
  id: string;
  socket: WebSocket;
  planned: PlannedSubscription;
  variables: Record<string, unknown>;
  principal: Principal;
  /** Resume after this stream id (the `extensions.cursor` of the last payload the client saw). */
  cursor?: string;
}

/** A WebSocket close code of ECP's own: the client reads too slowly to keep up. */
export const CLOSE_TOO_SLOW = 4429;

/**
 * Delivers events to subscribers. One reader per topic feeds groups of subscribers that sent the same
 * operation and variables with the same identity: each group runs the query plan once per event and
 * every member gets the same pre-serialised payload. A member that reads too slowly queues (bounded:
 * the oldest messages are dropped and counted) and, if it stays behind, is disconnected; it never holds
 * up anyone else. Events are de-duplicated by id, since the relay delivers at least once.
 */
export class SubscriptionHub {
  private readonly readers = new Map<string, Promise<TopicReader>>();
  private readonly groups = new Map<string, Group>();
  private readonly seen = new Map<string, LRUCache<string, true>>();
  private readonly lagging = new Set<Subscriber>();
  private readonly pump: NodeJS.Timeout;

  constructor(private readonly options: HubOptions) {
    this.pump = setInterval(() => this.drainLagging(), 25);
    this.pump.unref();
  }

  /**
   * Checks the request, then starts delivering. Resolves with a handle once the subscriber is live
   * (after replaying what it missed, when it resumes); throws GraphQLErrors and EcpErrors the client
   * should see.
   */
  async subscribe(request: SubscribeRequest): Promise<{ done: Promise<void>; stop: () => void }> {
    const { planned, variables, principal } = request;
    const args = argumentValues(planned, variables);
    authorize(planned, args, principal);
    const key = streamKey(this.options.streamPrefix, planned.topic);
    if (request.cursor !== undefined) await this.checkCursor(key, request.cursor);
    await this.reader(planned.topic);

    const group = this.group(planned, variables, args, principal);
    const subscriber = new Subscriber(
      request.id,
      request.socket,
      planned.field,
      request.cursor !== undefined,
    );
    group.members.add(subscriber);
    this.options.metrics.active.inc({ field: planned.field });
    const stop = () => {
      if (!group.members.delete(subscriber)) return;
      this.options.metrics.active.dec({ field: planned.field });
      this.lagging.delete(subscriber);
      if (group.members.size === 0) {
        this.groups.delete(group.key);
        this.options.metrics.groups.set(this.groups.size);
      }
      subscriber.finish();
    };
    if (request.cursor !== undefined) {
      try {
        await this.replay(group, subscriber, key, request.cursor);
      } catch (err) {
        stop();
        throw err;
      }
    }
    return { done: subscriber.done, stop };
  }

  async close(): Promise<void> {
    clearInterval(this.pump);
    const readers = await Promise.all(this.readers.values());
    await Promise.all(readers.map((r) => r.stop()));
    for (const group of this.groups.values()) for (const s of group.members) s.finish();
  }

  private reader(topic: string): Promise<TopicReader> {
    let reader = this.readers.get(topic);
    if (!reader) {
      const created = new TopicReader(
        this.options.redis,
        streamKey(this.options.streamPrefix, topic),
        (events) => this.dispatch(topic, events),
        this.options.logger.child({ topic }),
      );
      reader = created.start().then(() => created);
      reader.catch(() => this.readers.delete(topic));
      this.readers.set(topic, reader);
    }
    return reader;
  }

  private group(
    planned: PlannedSubscription,
    variables: Record<string, unknown>,
    args: Record<string, unknown>,
    principal: Principal,
  ): Group {
    const key = JSON.stringify([
      planned.topic,
      planned.document.loc?.source.body ?? planned.field,
      planned.operation.name?.value ?? null,
      variables,
      principal.kind,
      principal.id,
      principal.roles,
      principal.jurisdictions,
    ]);
    let group = this.groups.get(key);
    if (!group) {
      group = new Group(key, planned, variables, matcher(args), this.options.contextFor(principal));
      this.groups.set(key, group);
      this.options.metrics.groups.set(this.groups.size);
    }
    return group;
  }

  private dispatch(topic: string, events: StreamEvent[]): void {
    let seen = this.seen.get(topic);
    if (!seen) {
      seen = new LRUCache<string, true>({ max: 50_000 });
      this.seen.set(topic, seen);
    }
    for (const entry of events) {
      this.options.metrics.eventsIn.inc({ topic });
      if (seen.has(entry.event.id)) {
        this.options.metrics.duplicates.inc({ topic });
        continue;
      }
      seen.set(entry.event.id, true);
      for (const group of this.groups.values()) {
        if (group.planned.topic !== topic || !group.matches(entry.event)) continue;
        // Events run one after another per group, so members see them in stream order.
        group.chain = group.chain.then(() => this.deliver(group, entry));
      }
    }
  }

  private async deliver(group: Group, entry: StreamEvent): Promise<void> {
    if (group.members.size === 0) return;
    const message = await this.render(group, entry);
    let sent = 0;
    for (const member of group.members) {
      if (member.replaying) {
        member.buffered.push({
          streamId: entry.streamId,
          occurredAt: entry.event.occurredAt,
          payload: message,
        });
      } else if (this.send(member, message, entry.event.occurredAt, false)) {
        sent++;
      }
    }
    // Counted once per delivery, not per socket: at thousands of members that is measurable.
    if (sent > 0) {
      this.options.metrics.messagesOut.inc({ field: group.planned.field }, sent);
      this.observeLatency(entry.event.occurredAt);
    }
  }

  /** Executes the group's plan for one event and serialises the payload once, cursor included. */
  private async render(group: Group, entry: StreamEvent): Promise<string> {
    this.options.metrics.executions.inc({ field: group.planned.field });
    let result: { data?: unknown; errors?: unknown };
    try {
      result = await this.options.executor.execute(
        group.planned,
        entry.event,
        group.variables,
        group.context,
      );
    } catch (err) {
      this.options.logger.error({ err, field: group.planned.field }, 'executing a subscription event failed');
      result = {
        data: null,
        errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
      };
    }
    return JSON.stringify({ ...result, extensions: { cursor: entry.streamId } });
  }

  /** Writes (or queues) one message; true when it was written now. `count` records it in the metrics. */
  private send(member: Subscriber, payload: string, occurredAt: string, count = true): boolean {
    const { socket } = member;
    if (socket.readyState !== socket.OPEN) return false;
    const message = `${member.prefix}${payload}}`;
    const highWater = this.options.highWaterBytes ?? 256 * 1024;
    if (member.queue.length === 0 && socket.bufferedAmount < highWater) {
      socket.send(message);
      if (count) {
        this.options.metrics.messagesOut.inc({ field: member.field });
        this.observeLatency(occurredAt);
      }
      return true;
    }
    member.queue.push({ message, occurredAt });
    if (member.laggingSince === 0) member.laggingSince = Date.now();
    this.lagging.add(member);
    const max = this.options.maxQueue ?? 100;
    while (member.queue.length > max) {
      member.queue.shift();
      member.dropped++;
      this.options.metrics.dropped.inc({ field: member.field });
    }
    return false;
  }

  private write(member: Subscriber, message: string, occurredAt: string): void {
    member.socket.send(message);
    this.options.metrics.messagesOut.inc({ field: member.field });
    this.observeLatency(occurredAt);
  }

  /** From the change being committed to now (the last of a delivery's writes, when counted per delivery). */
  private observeLatency(occurredAt: string): void {
    const latency = Date.now() - Date.parse(occurredAt);
    if (Number.isFinite(latency)) this.options.metrics.deliveryLatency.observe(Math.max(0, latency) / 1000);
  }

  /** Sends what slow subscribers have queued as their sockets drain; disconnects those that stay behind. */
  private drainLagging(): void {
    const highWater = this.options.highWaterBytes ?? 256 * 1024;
    const slowTimeout = this.options.slowTimeoutMs ?? 10_000;
    for (const member of this.lagging) {
      const { socket } = member;
      if (socket.readyState !== socket.OPEN) {
        this.lagging.delete(member);
        continue;
      }
      while (member.queue.length > 0 && socket.bufferedAmount < highWater) {
        const next = member.queue.shift()!;
        this.write(member, next.message, next.occurredAt);
      }
      if (member.queue.length === 0) {
        member.laggingSince = 0;
        this.lagging.delete(member);
      } else if (Date.now() - member.laggingSince > slowTimeout) {
        this.lagging.delete(member);
        this.options.metrics.slowDisconnects.inc();
        this.options.logger.warn(
          { field: member.field, dropped: member.dropped },
          'disconnecting a subscriber that stayed too slow',
        );
        socket.close(CLOSE_TOO_SLOW, `Too slow: ${member.dropped} messages dropped and still behind`);
      }
    }
  }

  /** Refuses a cursor that is not one, whose events are gone, or that is too far behind to replay. */
  private async checkCursor(key: string, cursor: string): Promise<void> {
    const maxEvents = this.options.replayMaxEvents ?? 500;
    const refusal = await cursorRefusal(this.options.redis, key, cursor, maxEvents);
    if (refusal === undefined) return;
    this.options.metrics.replaysRefused.inc({ reason: refusal });
    throw cursorRefusalError(refusal, maxEvents);
  }

  /** Sends every event after `cursor` (filtered and executed for this subscriber), then what arrived meanwhile. */
  private async replay(group: Group, member: Subscriber, key: string, cursor: string): Promise<void> {
    let from = cursor;
    let last = cursor;
    const replayed = new Set<string>();
    for (;;) {
      const entries = (await this.options.redis.xrange(key, `(${from}`, '+', 'COUNT', 500)) as [
        string,
        string[],
      ][];
      if (entries.length === 0) break;
      for (const entry of parseEntries(entries, this.options.logger)) {
        last = entry.streamId;
        if (replayed.has(entry.event.id) || !group.matches(entry.event)) continue;
        replayed.add(entry.event.id);
        this.send(member, await this.render(group, entry), entry.event.occurredAt);
      }
      from = entries[entries.length - 1]![0];
    }
    // Live events that arrived during the replay, minus those the replay already sent.
    await group.chain;
    for (const b of member.buffered) {
      if (compareStreamIds(b.streamId, last) > 0) this.send(member, b.payload, b.occurredAt);
    }
    member.buffered = [];
    member.replaying = false;
  }
}

class Group {
  readonly members = new Set<Subscriber>();
  chain: Promise<void> = Promise.resolve();

  constructor(
    readonly key: string,
    readonly planned: PlannedSubscription,
    readonly variables: Record<string, unknown>,
    readonly matches: (event: EventEnvelope) => boolean,
    readonly context: GatewayContext,
  ) {}
}

class Subscriber {
  readonly queue: { message: string; occurredAt: string }[] = [];
  /** The start of every `next` message for this subscription, up to the payload. */
  readonly prefix: string;
  buffered: { streamId: string; occurredAt: string; payload: string }[] = [];
  dropped = 0;
  laggingSince = 0;
  readonly done: Promise<void>;
  finish: () => void = () => {};

  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    readonly field: string,
    public replaying: boolean,
  ) {
    this.prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
  }
}

/** The root field's arguments with variables substituted. */
function argumentValues(
  planned: PlannedSubscription,
  variables: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(
    planned.argumentNodes.map((a) => [a.name.value, valueFromASTUntyped(a.value, variables)]),
  );
}

/**
 * Filters run at the gateway on the event's attributes, without fetching anything: each field of a
 * `filter` argument must equal the attribute of the same name; `…After`/`…Before` bound the time the
 * change was committed.
 */
function matcher(args: Record<string, unknown>): (event: EventEnvelope) => boolean {
  const filter = (args.filter ?? {}) as Record<string, unknown>;
  const checks = Object.entries(filter)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([name, value]): ((e: EventEnvelope) => boolean) => {
      if (name.endsWith('After')) return (e) => Date.parse(e.occurredAt) >= Date.parse(String(value));
      if (name.endsWith('Before')) return (e) => Date.parse(e.occurredAt) < Date.parse(String(value));
      return (e) => e.attributes[name] === String(value);
    });
  return (event) => checks.every((check) => check(event));
}

/**
 * Who may subscribe to what. Every authenticated caller may subscribe to every topic; an agent (a
 * principal without a person's role) may filter on `agentId` only with its own id: following another
 * agent's stream is for people.
 */
function authorize(planned: PlannedSubscription, args: Record<string, unknown>, principal: Principal): void {
  const filter = (args.filter ?? {}) as Record<string, unknown>;
  const person = hasRole(principal, 'ANALYST', 'OPERATOR', 'ADMIN');
  if (
    principal.kind === 'agent' &&
    !person &&
    typeof filter.agentId === 'string' &&
    filter.agentId !== principal.id
  ) {
    throw new GraphQLError(
      `Following another agent's ${planned.field} needs the ANALYST, OPERATOR or ADMIN role; agents may filter by their own id.`,
      { extensions: { code: 'FORBIDDEN' } },
    );
  }
}

export function subscriptionRequestId(): string {
  return `sub-${randomUUID()}`;
}
