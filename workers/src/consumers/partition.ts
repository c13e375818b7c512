import type { EventEnvelope } from '@ecp/events/event';

/** The default partition key: the entity the event is about, so its events apply in order. */
export function entityKey(event: EventEnvelope): string {
  return `${event.typename}:${Object.entries(event.key)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}`;
}

/** A stable partition for a key (FNV-1a, 32 bits): the same key always lands on the same queue. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
