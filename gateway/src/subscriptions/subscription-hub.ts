import { randomUUID } from 'node:crypto';
import { ServiceUnavailableError } from '@ecp/errors/errors';
import { compareStreamIds, type EventEnvelope, streamKey } from '@ecp/events/event';
import type { Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import { valueFromASTUntyped } from 'graphql';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { WebSocket } from 'ws';
import type { GatewayContext } from '../context';
import type { EventExecutor } from './event-executor';
import { RenderedPayloads } from './rendered-payloads';
import { Pace } from './replay-pace';
import { type ReplayTurn, ReplayTurns } from './replay-turns';
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
  /** Replays one principal may have running at once; more wait their turn. */
  replayConcurrency?: number;
  /** Replays of one principal that may wait for a turn; beyond them a resume is refused. */
  replayWaiting?: number;
  /** Events per second a replay is sent at, after a first second's worth at once. */
  replayEventsPerSecond?: number;
  /** Bytes of rendered payloads a group keeps while several of its members are replayed. */
  replaySharedBytes?: number;
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

/** Stream entries a replay reads at a time. */
const REPLAY_BATCH = 100;

/**
 * Delivers events to subscribers. One reader per topic feeds groups of subscribers that sent the same
 * operation and variables with the same identity: each group runs the query plan once per event and
 * every member gets the same pre-serialised payload. A member that reads too slowly queues (bounded:
 * the oldest messages are dropped and counted) and, if it stays behind, is disconnected; it never holds
 * up anyone else. Events are de-duplicated by id, since the relay delivers at least once.
 *
 * A subscriber resuming with a cursor is replayed what it missed within bounds, so that resuming cannot
 * be made to cost without end: its cursor may be only so far behind, each principal has only so many
 * replays running (more wait their turn, up to a limit), and each replay is paced and waits for its
 * socket to drain rather than queueing.
 */
export class SubscriptionHub {
  private readonly readers = new Map<string, Promise<TopicReader>>();
  private readonly groups = new Map<string, Group>();
  private readonly seen = new Map<string, LRUCache<string, true>>();
  private readonly lagging = new Set<Subscriber>();
  private readonly pump: NodeJS.Timeout;
  private readonly turns: ReplayTurns;

  constructor(private readonly options: HubOptions) {
    this.pump = setInterval(() => this.drainLagging(), 25);
    this.pump.unref();
    const { metrics } = options;
    this.turns = new ReplayTurns(
      { concurrency: options.replayConcurrency ?? 2, waiting: options.replayWaiting ?? 8 },
      () => {
        metrics.replays.set({ state: 'running' }, this.turns.running);
        metrics.replays.set({ state: 'waiting' }, this.turns.waiting);
      },
    );
  }

  /**
   * Checks the request, then starts delivering: resolves with a handle once the subscription is
   * accepted (a resuming one is then replayed what it missed, in its turn); throws GraphQLErrors and
   * EcpErrors the client should see. `done` settles when the subscription ends, rejecting when the hub
   * ended it on a failure the client should see.
   */
  async subscribe(request: SubscribeRequest): Promise<{ done: Promise<void>; stop: () => void }> {
    const { planned, variables, principal } = request;
    // Every authenticated caller may subscribe to every topic, filtered by anything: what a payload
    // shows is decided by each subgraph's field rules, applied with the subscriber's identity.
    const args = argumentValues(planned, variables);
    const key = streamKey(this.options.streamPrefix, planned.topic);
    const { cursor } = request;
    let turn: ReplayTurn | undefined;
    if (cursor !== undefined) {
      await this.checkCursor(planned, cursor, principal);
      try {
        turn = this.turns.enter(`${principal.kind}:${principal.id}`);
      } catch (err) {
        this.refused('too_many_replays', principal, planned.field);
        throw err;
      }
    }
    try {
      await this.reader(planned.topic);
    } catch (err) {
      turn?.leave();
      throw err;
    }

    const group = this.group(planned, variables, args, principal);
    const subscriber = new Subscriber(request.id, request.socket, group, turn);
    group.members.add(subscriber);
    if (turn) this.startResuming(group);
    this.options.metrics.active.inc({ field: planned.field });
    if (turn && cursor !== undefined) void this.resume(subscriber, turn, key, cursor);
    return { done: subscriber.done, stop: () => this.end(subscriber) };
  }

  async close(): Promise<void> {
    clearInterval(this.pump);
    const readers = await Promise.all(this.readers.values());
    await Promise.all(readers.map((r) => r.stop()));
    for (const group of this.groups.values()) for (const s of group.members) this.end(s);
  }

  /** Ends a subscription, with the error its client should see if it failed. Again does nothing. */
  private end(member: Subscriber, error?: Error): void {
    const { group } = member;
    if (!group.members.delete(member)) return;
    member.turn?.leave();
    if (member.state !== 'live') this.stopResuming(group);
    this.options.metrics.active.dec({ field: member.field });
    this.lagging.delete(member);
    if (group.members.size === 0) {
      this.groups.delete(group.key);
      this.options.metrics.groups.set(this.groups.size);
    }
    member.settle(error);
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
    if (!group.receiving()) return;
    const message = await this.rendered(group, entry);
    let sent = 0;
    for (const member of group.members) {
      if (member.state === 'live') {
        if (this.send(member, message, entry.event.occurredAt)) sent++;
      } else if (member.state === 'replaying') {
        this.buffer(member, entry, message);
      }
      // A member waiting for its turn to replay gets nothing yet: its replay reads the stream.
    }
    // Counted once per delivery, not per socket: at thousands of members that is measurable.
    if (sent > 0) {
      this.options.metrics.messagesOut.inc({ field: group.planned.field }, sent);
      this.observeLatency(entry.event.occurredAt);
    }
  }

  /** The group's payload for one event: shared with its replays while there are several. */
  private rendered(group: Group, entry: StreamEvent): Promise<string> {
    return group.payloads
      ? group.payloads.get(entry.streamId, () => this.render(group, entry))
      : this.render(group, entry);
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

  /** Writes (or queues) one message; true when it was written now. The caller counts what was written. */
  private send(member: Subscriber, payload: string, occurredAt: string): boolean {
    const { socket } = member;
    if (socket.readyState !== socket.OPEN) return false;
    const message = `${member.prefix}${payload}}`;
    const highWater = this.options.highWaterBytes ?? 256 * 1024;
    if (member.queue.length === 0 && socket.bufferedAmount < highWater) {
      socket.send(message);
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

  /** Keeps a live event for a member being replayed, to send once the replay has caught up. */
  private buffer(member: Subscriber, entry: StreamEvent, payload: string): void {
    if (member.socket.readyState !== member.socket.OPEN) return;
    // Live events pile up only while a replay runs, which is paced and bounded; a member that still
    // gathers more than a replay may send is behind for good.
    if (member.buffered.length >= (this.options.replayMaxEvents ?? 500)) {
      this.disconnectSlow(member, `Too slow: still replaying after ${member.buffered.length} new events`);
      return;
    }
    member.buffered.push({
      streamId: entry.streamId,
      eventId: entry.event.id,
      occurredAt: entry.event.occurredAt,
      payload,
    });
  }

  private disconnectSlow(member: Subscriber, reason: string): void {
    this.options.metrics.slowDisconnects.inc();
    this.options.logger.warn(
      { field: member.field, dropped: member.dropped },
      'disconnecting a subscriber that stayed too slow',
    );
    member.socket.close(CLOSE_TOO_SLOW, reason);
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
        this.disconnectSlow(member, `Too slow: ${member.dropped} messages dropped and still behind`);
      }
    }
  }

  /** Refuses a cursor that is not one, whose events are gone, or that is too far behind to replay. */
  private async checkCursor(
    planned: PlannedSubscription,
    cursor: string,
    principal: Principal,
  ): Promise<void> {
    const maxEvents = this.options.replayMaxEvents ?? 500;
    const key = streamKey(this.options.streamPrefix, planned.topic);
    const refusal = await cursorRefusal(this.options.redis, key, cursor, maxEvents);
    if (refusal === undefined) return;
    this.refused(refusal, principal, planned.field);
    throw cursorRefusalError(refusal, maxEvents);
  }

  // Counted, and logged at debug level only: refusals come in floods, and the log names who sent them.
  private refused(reason: string, principal: Principal, field: string): void {
    this.options.metrics.replaysRefused.inc({ reason });
    this.options.logger.debug({ reason, actor: principal.id, field }, 'replay refused');
  }

  /** Waits for the member's turn, replays what it missed, and makes it live; ends it if that fails. */
  private async resume(member: Subscriber, turn: ReplayTurn, key: string, cursor: string): Promise<void> {
    try {
      if (!(await turn.ready) || member.ended) return;
      this.options.metrics.replaysStarted.inc({ field: member.field });
      await this.replay(member, key, cursor);
    } catch (err) {
      this.options.logger.warn({ err, field: member.field }, 'replaying missed events failed');
      this.end(
        member,
        new ServiceUnavailableError(
          'Replaying the events after your cursor failed: subscribe again with the same cursor.',
        ),
      );
    } finally {
      turn.leave();
    }
  }

  /**
   * Sends every event after `cursor`, up to the newest when the replay starts (read from the stream,
   * filtered and executed for this member), then the live events that arrived meanwhile, then makes
   * the member live. Replayed events are paced; every message waits for the socket to drain instead of
   * queueing, so a replay never drops what it was asked for.
   */
  private async replay(member: Subscriber, key: string, cursor: string): Promise<void> {
    const { group } = member;
    // From here on live events are kept for the member; the replay ends at the newest event of now, so
    // it ends however fast events keep coming.
    member.state = 'replaying';
    const [newest] = (await this.options.redis.xrevrange(key, '+', '-', 'COUNT', 1)) as [string, string[]][];
    const head = newest && compareStreamIds(newest[0], cursor) > 0 ? newest[0] : cursor;
    const pace = new Pace(this.options.replayEventsPerSecond ?? 100);
    const sent = new Set<string>(); // event ids: the relay may have published one twice
    let from = cursor;
    while (compareStreamIds(from, head) < 0) {
      const entries = (await this.options.redis.xrange(key, `(${from}`, head, 'COUNT', REPLAY_BATCH)) as [
        string,
        string[],
      ][];
      if (entries.length === 0) break;
      for (const entry of parseEntries(entries, this.options.logger)) {
        if (sent.has(entry.event.id) || !group.matches(entry.event)) continue;
        sent.add(entry.event.id);
        const payload = await this.rendered(group, entry);
        await pace.take();
        if (!(await this.writable(member))) return;
        member.socket.send(`${member.prefix}${payload}}`);
        this.options.metrics.messagesOut.inc({ field: member.field });
        this.options.metrics.replayEvents.inc({ field: member.field });
      }
      from = entries[entries.length - 1]![0];
    }
    // Live events that arrived meanwhile, minus those the replay read from the stream. The loop ends
    // with nothing kept and no pending delivery, so that going live keeps stream order.
    for (;;) {
      await group.chain;
      const next = member.buffered.shift();
      if (next === undefined) break;
      if (compareStreamIds(next.streamId, head) <= 0 || sent.has(next.eventId)) continue;
      if (!(await this.writable(member))) return;
      this.write(member, `${member.prefix}${next.payload}}`, next.occurredAt);
    }
    if (member.ended) return;
    member.state = 'live';
    this.stopResuming(group);
  }

  // A group shares rendered payloads only while two or more of its members resume: one replay alone
  // would keep payloads nobody else reads.
  private startResuming(group: Group): void {
    group.resuming++;
    if (group.resuming >= 2)
      group.payloads ??= new RenderedPayloads(this.options.replaySharedBytes ?? 4 << 20);
  }

  private stopResuming(group: Group): void {
    group.resuming--;
    if (group.resuming === 0) group.payloads = undefined;
  }

  /**
   * Waits until the member's socket takes more without queueing. False when the subscription ended or
   * the socket closed, or when it stayed full for longer than a subscriber may stay behind (it is then
   * disconnected, as a slow live subscriber would be).
   */
  private async writable(member: Subscriber): Promise<boolean> {
    const { socket } = member;
    const highWater = this.options.highWaterBytes ?? 256 * 1024;
    const since = Date.now();
    while (!member.ended && socket.readyState === socket.OPEN && socket.bufferedAmount >= highWater) {
      if (Date.now() - since > (this.options.slowTimeoutMs ?? 10_000)) {
        this.disconnectSlow(member, 'Too slow: the replay of missed events could not be written');
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return !member.ended && socket.readyState === socket.OPEN;
  }
}

class Group {
  readonly members = new Set<Subscriber>();
  chain: Promise<void> = Promise.resolve();
  /** Members waiting for their turn to be replayed or being replayed. */
  resuming = 0;
  payloads: RenderedPayloads | undefined;

  constructor(
    readonly key: string,
    readonly planned: PlannedSubscription,
    readonly variables: Record<string, unknown>,
    readonly matches: (event: EventEnvelope) => boolean,
    readonly context: GatewayContext,
  ) {}

  /** Whether any member takes live events now (members waiting to be replayed read the stream later). */
  receiving(): boolean {
    for (const member of this.members) if (member.state !== 'waiting') return true;
    return false;
  }
}

class Subscriber {
  readonly queue: { message: string; occurredAt: string }[] = [];
  /** The start of every `next` message for this subscription, up to the payload. */
  readonly prefix: string;
  readonly field: string;
  /** waiting: for its turn to be replayed what it missed; replaying: being sent it; live. */
  state: 'waiting' | 'replaying' | 'live';
  /** Live events kept while the member is replayed. */
  buffered: { streamId: string; eventId: string; occurredAt: string; payload: string }[] = [];
  dropped = 0;
  laggingSince = 0;
  readonly done: Promise<void>;
  settle: (error?: Error) => void = () => {};

  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    readonly group: Group,
    /** Its place in its principal's line of replays, when it resumes with a cursor. */
    readonly turn?: ReplayTurn,
  ) {
    this.prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
    this.field = group.planned.field;
    this.state = turn ? 'waiting' : 'live';
    this.done = new Promise((resolve, reject) => {
      this.settle = (error) => (error ? reject(error) : resolve());
    });
    // Whoever holds the handle sees a rejection; one nobody observes is no crash.
    this.done.catch(() => {});
  }

  get ended(): boolean {
    return !this.group.members.has(this);
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

export function subscriptionRequestId(): string {
  return `sub-${randomUUID()}`;
}
