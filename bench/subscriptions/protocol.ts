/**
 * What the benchmark's three processes say to one another over their IPC channels: the runner
 * (`run.ts`), the subscriber process (`clients.ts`) and the publisher process (`publisher.ts`).
 */

/** Which subscription each connection sends. */
export interface SubscriptionSpec {
  /** The selection under `decisionRecorded`, e.g. `{ id }` (key only: no subgraph fetch per event). */
  selection: string;
  /** How many distinct groups the connections are spread over (connection i joins group i mod groups). */
  groups: number;
  /**
   * What makes the groups distinct: `operationName` — the same selection under a different operation
   * name (every group receives every event); `category` — a `filter: { category: "c<g>" }` variable
   * (each event goes to the one group whose category it carries).
   */
  vary: 'operationName' | 'category';
}

/** The operation, operation name and variables connection `index` subscribes with. */
export function subscriptionFor(
  spec: SubscriptionSpec,
  index: number,
): { query: string; operationName: string; variables?: Record<string, unknown> } {
  const group = index % spec.groups;
  if (spec.vary === 'category') {
    return {
      query: `subscription BenchFiltered($filter: DecisionFilter) { decisionRecorded(filter: $filter) ${spec.selection} }`,
      operationName: 'BenchFiltered',
      variables: { filter: { category: categoryOf(group) } },
    };
  }
  const operationName = `Bench${group}`;
  return { query: `subscription ${operationName} { decisionRecorded ${spec.selection} }`, operationName };
}

/** The category attribute of group `g`'s events. */
export const categoryOf = (group: number) => `c${group}`;

/** Sub-millisecond wall-clock time in milliseconds, comparable between processes on one machine. */
export const wallClockMs = () => performance.timeOrigin + performance.now();

/**
 * Key ids of published benchmark events carry the run, the sequence number and the publish time
 * (microseconds), so that a key-only payload tells its receiver when it was published.
 */
export function benchEventKey(run: string, seq: number, publishedAtMs: number): string {
  return `bench.${run}.${seq}.${Math.round(publishedAtMs * 1000)}`;
}
export const BENCH_KEY_IN_PAYLOAD = /"bench\.([a-z0-9]+)\.(\d+)\.(\d+)"/;

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

// ---------------------------------------------------------------------------------------------------
// Runner → subscriber process, and its answers (each command is answered once, with the same `seq`).

export type ClientCommand =
  | { op: 'open'; count: number; subscription: SubscriptionSpec }
  | { op: 'resubscribe'; subscription: SubscriptionSpec }
  | { op: 'arm'; expect: number }
  | { op: 'collect'; publishedAtMs: number; timeoutMs: number }
  | { op: 'track'; run: string }
  | { op: 'report'; run: string; fromMs: number; toMs: number }
  | { op: 'stats' }
  | { op: 'profile'; action: 'start' }
  | { op: 'profile'; action: 'stop'; path: string }
  | { op: 'closeAll' };

export interface OpenResult {
  opened: number;
  failed: number;
  firstFailure?: string;
  seconds: number;
}

export interface CollectResult extends LatencySummary {
  /** `next` messages received in the window; more than expected means stray events. */
  received: number;
  expected: number;
  /** The first `next` message received (its start), to check what the subscribers were sent. */
  sample?: string;
}

export interface RunReport {
  /** Messages of the run received with a publish time inside the window. */
  inWindow: number;
  /** All messages of the run received. */
  total: number;
  latencyMs: LatencySummary;
}

export interface ClientStats {
  open: number;
  unexpectedCloses: number;
  closeCodes: Record<string, number>;
  errorMessages: number;
  firstError?: string;
  rssBytes: number;
}

// ---------------------------------------------------------------------------------------------------
// Runner → publisher process.

export type PublisherCommand =
  | {
      op: 'one';
      /** The entity's key id; without it, a benchmark key carrying the publish time. */
      keyId?: string;
      attributes?: Record<string, string>;
    }
  | {
      op: 'rate';
      run: string;
      perSecond: number;
      warmupSeconds: number;
      seconds: number;
      /** Events carry category `c<seq mod groups>`. */
      groups: number;
    };

export interface PublishedOne {
  publishedAtMs: number;
  streamId: string;
}

export interface RateResult {
  /** When the measured window began and ended (publisher's clock, ms). */
  fromMs: number;
  toMs: number;
  /** Events added in the window, and in all. */
  sentInWindow: number;
  sent: number;
  /** Events added per second in the window (below the offered rate if Redis or the loop fell behind). */
  achievedPerSecond: number;
}

/** Messages the publisher sends unasked during a rate run. */
export type PublisherEvent = { event: 'measuring'; atMs: number };

export type Reply<T = unknown> =
  | { seq: number; ok: true; value: T }
  | { seq: number; ok: false; error: string };
