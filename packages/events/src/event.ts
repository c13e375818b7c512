/**
 * A domain event as it travels: thin — which entity changed, not what it now holds — so every
 * subscriber resolves the fields it selected fresh, from every subgraph, when the event arrives.
 * `attributes` carry the few values subscriptions filter on, so that filtering needs no fetch.
 */
export interface EventEnvelope {
  /** Unique per event; consumers de-duplicate on it (the relay delivers at least once). */
  id: string;
  /** The subscription field it feeds, e.g. `decisionRecorded`. */
  topic: string;
  /** The entity that changed, by type and key fields. */
  typename: string;
  key: Record<string, string>;
  attributes: Record<string, string>;
  /** The topic's envelope version (its schema: `schema/events/<topic>.v<version>.schema.json`). */
  version: number;
  /** When the change was committed, ISO 8601. */
  occurredAt: string;
  /** W3C traceparent of the request that caused the event, when it was traced. */
  trace?: string;
}

/** The default prefix of event streams; tests and side-by-side installations use their own. */
export const DEFAULT_STREAM_PREFIX = 'ecp:events:';

/** The Redis Stream a topic's events are published to. */
export function streamKey(prefix: string, topic: string): string {
  return `${prefix}${topic}`;
}

/** Stream ids (`<ms>-<seq>`) are the cursors clients resume from. */
export const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am === bm ? (as < bs ? -1 : as > bs ? 1 : 0) : am < bm ? -1 : 1;
}
