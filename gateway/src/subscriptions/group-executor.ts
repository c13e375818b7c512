import type { EventEnvelope } from '@ecp/events/event';
import type { Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import { valueFromASTUntyped } from 'graphql';
import type { GatewayContext } from '../context';
import type { EventExecutor } from './event-executor';
import { RenderedPayloads } from './rendered-payloads';
import type { SubscriptionMetrics } from './subscription-metrics';
import type { PlannedSubscription } from './subscription-planner';
import type { StreamEvent } from './topic-reader';

/** waiting: for its turn to be replayed what it missed; replaying: being sent it; live. */
export type MemberState = 'waiting' | 'replaying' | 'live';

export interface GroupExecutorOptions {
  executor: EventExecutor;
  metrics: SubscriptionMetrics;
  logger: Logger;
  /** Bytes of rendered payloads a group keeps while several of its members are replayed. */
  replaySharedBytes?: number;
}

/**
 * Subscribers that sent the same operation and variables with the same identity: the query plan runs
 * once per event for all of them, and every member gets the same pre-serialised payload.
 */
export class SubscriptionGroup<Member extends { readonly state: MemberState }> {
  readonly members = new Set<Member>();
  /** Events run one after another per group, so members see them in stream order. */
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

/**
 * Groups identical subscriptions and executes each event once per group: the event's payload is the
 * query plan run by the `EventExecutor` with the group's identity, serialised once with its cursor.
 * While two or more members of a group are replayed, the group keeps what it renders by stream id, so
 * identical replays and the live events they overlap execute each event once too.
 */
export class GroupExecutor<Member extends { readonly state: MemberState }> {
  private readonly groups = new Map<string, SubscriptionGroup<Member>>();

  constructor(private readonly options: GroupExecutorOptions) {}

  /**
   * The group of this operation, these variables and this identity; made if there is none, fetching
   * with `context` (the subscriber's identity, signed for subgraphs).
   */
  groupFor(
    planned: PlannedSubscription,
    variables: Record<string, unknown>,
    principal: Principal,
    context: GatewayContext,
  ): SubscriptionGroup<Member> {
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
      const matches = eventFilter(argumentValues(planned, variables));
      group = new SubscriptionGroup(key, planned, variables, matches, context);
      this.groups.set(key, group);
      this.options.metrics.groups.set(this.groups.size);
    }
    return group;
  }

  /** Lets go of a group once its last member has left. */
  release(group: SubscriptionGroup<Member>): void {
    if (group.members.size > 0) return;
    this.groups.delete(group.key);
    this.options.metrics.groups.set(this.groups.size);
  }

  /** The groups of `topic` whose filter the event passes. */
  *matching(topic: string, event: EventEnvelope): Iterable<SubscriptionGroup<Member>> {
    for (const group of this.groups.values()) {
      if (group.planned.topic === topic && group.matches(event)) yield group;
    }
  }

  /** Every member of every group. */
  *members(): Iterable<Member> {
    for (const group of this.groups.values()) yield* group.members;
  }

  /** The group's payload for one event: shared with its replays while there are several. */
  rendered(group: SubscriptionGroup<Member>, entry: StreamEvent): Promise<string> {
    return group.payloads
      ? group.payloads.get(entry.streamId, () => this.render(group, entry))
      : this.render(group, entry);
  }

  // A group shares rendered payloads only while two or more of its members resume: one replay alone
  // would keep payloads nobody else reads.
  startResuming(group: SubscriptionGroup<Member>): void {
    group.resuming++;
    if (group.resuming >= 2)
      group.payloads ??= new RenderedPayloads(this.options.replaySharedBytes ?? 4 << 20);
  }

  stopResuming(group: SubscriptionGroup<Member>): void {
    group.resuming--;
    if (group.resuming === 0) group.payloads = undefined;
  }

  /** Executes the group's plan for one event and serialises the payload once, cursor included. */
  private async render(group: SubscriptionGroup<Member>, entry: StreamEvent): Promise<string> {
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
 * Which events a group executes, decided at the gateway on the event without fetching anything: each
 * field of a `filter` argument must equal the attribute of the same name; `…After`/`…Before` bound the
 * time the change was committed; `min…` is a lower bound on the numeric attribute it names
 * (`minScore` → `score`). Any other argument names a field of the entity's key (`pollUpdated(id:)`
 * follows one poll). This narrows, it never authorizes: who may subscribe with which arguments is the
 * owning subgraph's rule, asked before the subscription joins.
 */
function eventFilter(args: Record<string, unknown>): (event: EventEnvelope) => boolean {
  const { filter = {}, ...keyArgs } = args as { filter?: Record<string, unknown> | null };
  const given = (o: Record<string, unknown>) =>
    Object.entries(o).filter(([, v]) => v !== null && v !== undefined);
  const checks = given(filter ?? {}).map(([name, value]): ((e: EventEnvelope) => boolean) => {
    if (name.endsWith('After')) return (e) => Date.parse(e.occurredAt) >= Date.parse(String(value));
    if (name.endsWith('Before')) return (e) => Date.parse(e.occurredAt) < Date.parse(String(value));
    if (/^min[A-Z]/.test(name)) {
      const attribute = name[3]!.toLowerCase() + name.slice(4);
      return (e) => Number(e.attributes[attribute]) >= Number(value);
    }
    return (e) => e.attributes[name] === String(value);
  });
  for (const [name, value] of given(keyArgs)) checks.push((e) => e.key[name] === String(value));
  return (event) => checks.every((check) => check(event));
}
