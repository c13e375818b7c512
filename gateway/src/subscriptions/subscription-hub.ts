import { randomUUID } from 'node:crypto';
import { ServiceUnavailableError } from '@ecp/errors/errors';
import type { Principal } from '@ecp/identity/principal';
import type { WebSocket } from 'ws';
import type { GatewayContext } from '../context';
import {
  GroupExecutor,
  type GroupExecutorOptions,
  type MemberState,
  type SubscriptionGroup,
} from './group-executor';
import type { SubscriptionAuthorization } from './owner-authorization';
import type { ReplayTurn } from './replay-turns';
import { StreamSource } from './stream-source';
import {
  type SubscriberChannel,
  SubscriberChannels,
  type SubscriberChannelsOptions,
} from './subscriber-channel';
import type { PlannedSubscription } from './subscription-planner';
import { SubscriptionPolicy, type SubscriptionPolicyOptions } from './subscription-policy';
import type { StreamEvent } from './topic-reader';

export interface HubOptions
  extends SubscriptionPolicyOptions,
    GroupExecutorOptions,
    SubscriberChannelsOptions {
  /** Whether a subscription may start: asked of the subgraph that owns its field. */
  authorization: SubscriptionAuthorization;
  /** Builds the context subgraph fetches run with: the subscriber's identity, signed for subgraphs. */
  contextFor: (principal: Principal) => GatewayContext;
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

/**
 * Delivers events to subscribers, joining the parts that each do one job: the subgraph that owns the
 * field says whether a subscription may start (`owner-authorization.ts`), the policy bounds its replay
 * (`subscription-policy.ts`), the stream source reads the
 * topics once per process, replays and de-duplicates (`stream-source.ts`), the group executor runs the
 * query plan once per event for each group of identical subscriptions (`group-executor.ts`), and each
 * subscriber's channel frames, queues and applies backpressure (`subscriber-channel.ts`).
 *
 * What the hub itself keeps is each subscription's place in that flow: live, or resuming from a cursor —
 * waiting for its turn, then replayed what it missed while the live events that arrive meanwhile are
 * kept for it, then live, in stream order.
 */
export class SubscriptionHub {
  private readonly policy: SubscriptionPolicy;
  private readonly source: StreamSource;
  private readonly groups: GroupExecutor<Subscriber>;
  private readonly channels: SubscriberChannels;

  constructor(private readonly options: HubOptions) {
    this.policy = new SubscriptionPolicy(options);
    this.source = new StreamSource({ ...options, onEvent: (topic, entry) => this.dispatch(topic, entry) });
    this.groups = new GroupExecutor<Subscriber>(options);
    this.channels = new SubscriberChannels(options);
  }

  /**
   * Checks the request, then starts delivering: resolves with a handle once the subscription is
   * accepted (a resuming one is then replayed what it missed, in its turn); throws GraphQLErrors,
   * refusals of the owning subgraph (`SubscriptionRefusedError`) and EcpErrors the client should see.
   * `done` settles when the subscription ends, rejecting when the hub ended it on a failure the client
   * should see.
   */
  async subscribe(request: SubscribeRequest): Promise<{ done: Promise<void>; stop: () => void }> {
    const { planned, variables, principal, cursor } = request;
    // One context for the subscriber: the owner is asked with it, and a new group fetches with it.
    const context = this.options.contextFor(principal);
    await this.options.authorization.check(planned, variables, context);
    const turn = cursor === undefined ? undefined : await this.policy.admitReplay(planned, cursor, principal);
    try {
      await this.source.read(planned.topic);
    } catch (err) {
      turn?.leave();
      throw err;
    }

    const group = this.groups.groupFor(planned, variables, principal, context);
    const channel = this.channels.open(request.id, request.socket, planned.field);
    const subscriber = new Subscriber(channel, group, turn);
    group.members.add(subscriber);
    if (turn) this.groups.startResuming(group);
    this.options.metrics.active.inc({ field: planned.field });
    if (turn && cursor !== undefined) void this.resume(subscriber, turn, cursor);
    return { done: subscriber.done, stop: () => this.end(subscriber) };
  }

  async close(): Promise<void> {
    this.channels.close();
    await this.source.close();
    for (const member of [...this.groups.members()]) this.end(member);
  }

  /** Ends a subscription, with the error its client should see if it failed. Again does nothing. */
  private end(member: Subscriber, error?: Error): void {
    const { group } = member;
    if (!group.members.delete(member)) return;
    member.turn?.leave();
    if (member.state !== 'live') this.groups.stopResuming(group);
    this.options.metrics.active.dec({ field: group.planned.field });
    member.channel.stop();
    this.groups.release(group);
    member.settle(error);
  }

  private dispatch(topic: string, entry: StreamEvent): void {
    for (const group of this.groups.matching(topic, entry.event)) {
      // Events run one after another per group, so members see them in stream order.
      group.chain = group.chain.then(() => this.deliver(group, entry));
    }
  }

  private async deliver(group: SubscriptionGroup<Subscriber>, entry: StreamEvent): Promise<void> {
    if (!group.receiving()) return;
    const payload = await this.groups.rendered(group, entry);
    let written = 0;
    for (const member of group.members) {
      if (member.state === 'live') {
        if (member.channel.send(payload, entry.event.occurredAt)) written++;
      } else if (member.state === 'replaying') {
        this.keep(member, entry, payload);
      }
      // A member waiting for its turn to replay gets nothing yet: its replay reads the stream.
    }
    this.channels.delivered(group.planned.field, written, entry.event.occurredAt);
  }

  /** Keeps a live event for a member being replayed, to send once the replay has caught up. */
  private keep(member: Subscriber, entry: StreamEvent, payload: string): void {
    if (!member.channel.open) return;
    // Live events pile up only while a replay runs, which is paced and bounded; a member that still
    // gathers more than a replay may send is behind for good.
    if (member.kept.length >= this.policy.replayMaxEvents) {
      member.channel.disconnectSlow(`Too slow: still replaying after ${member.kept.length} new events`);
      return;
    }
    member.kept.push({
      streamId: entry.streamId,
      eventId: entry.event.id,
      occurredAt: entry.event.occurredAt,
      payload,
    });
  }

  /** Waits for the member's turn, replays what it missed, and makes it live; ends it if that fails. */
  private async resume(member: Subscriber, turn: ReplayTurn, cursor: string): Promise<void> {
    try {
      if (!(await turn.ready) || member.ended) return;
      this.options.metrics.replaysStarted.inc({ field: member.field });
      await this.replay(member, cursor);
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
  private async replay(member: Subscriber, cursor: string): Promise<void> {
    const { group, channel } = member;
    const { metrics } = this.options;
    // From here on live events are kept for the member, until the replay has caught up with them.
    member.state = 'replaying';
    const replay = await this.source.replay(group.planned.topic, cursor);
    const pace = this.policy.replayPace();
    for await (const entry of replay.events()) {
      if (!group.matches(entry.event)) continue;
      const payload = await this.groups.rendered(group, entry);
      await pace.take();
      if (!(await channel.writable())) return;
      channel.write(payload);
      metrics.replayEvents.inc({ field: member.field });
    }
    // Live events that arrived meanwhile, minus those the replay read from the stream. The loop ends
    // with nothing kept and no pending delivery, so that going live keeps stream order.
    for (;;) {
      await group.chain;
      const next = member.kept.shift();
      if (next === undefined) break;
      if (replay.covers(next.streamId, next.eventId)) continue;
      if (!(await channel.writable())) return;
      channel.write(next.payload, next.occurredAt);
    }
    if (member.ended) return;
    member.state = 'live';
    this.groups.stopResuming(group);
  }
}

/** One subscription: its channel, its group, and where it is between resuming and live. */
class Subscriber {
  readonly field: string;
  state: MemberState;
  /** Live events kept while the member is replayed. */
  kept: { streamId: string; eventId: string; occurredAt: string; payload: string }[] = [];
  readonly done: Promise<void>;
  settle: (error?: Error) => void = () => {};

  constructor(
    readonly channel: SubscriberChannel,
    readonly group: SubscriptionGroup<Subscriber>,
    /** Its place in its principal's line of replays, when it resumes with a cursor. */
    readonly turn?: ReplayTurn,
  ) {
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

export function subscriptionRequestId(): string {
  return `sub-${randomUUID()}`;
}
