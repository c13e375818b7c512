import { compareStreamIds, streamKey } from '@ecp/events/event';
import type { Logger } from '@ecp/logging/logger';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { SubscriptionMetrics } from './subscription-metrics';
import { parseEntries, type StreamEvent, TopicReader } from './topic-reader';

export interface StreamSourceOptions {
  redis: Redis;
  streamPrefix: string;
  metrics: SubscriptionMetrics;
  logger: Logger;
  /** Called once per live event, in stream order, the first time its event id is seen. */
  onEvent: (topic: string, entry: StreamEvent) => void;
}

/** Stream entries a replay reads at a time. */
const REPLAY_BATCH = 100;

/**
 * Where subscriptions' events come from: one reader per topic per gateway process, shared by every
 * subscriber of the topic, and the replay of what a resuming subscriber missed. The relay publishes at
 * least once, so events are de-duplicated by id, live and in each replay.
 */
export class StreamSource {
  private readonly readers = new Map<string, Promise<TopicReader>>();
  private readonly seen = new Map<string, LRUCache<string, true>>();

  constructor(private readonly options: StreamSourceOptions) {}

  /** Starts reading the topic's stream unless it is read already; resolves once it is. */
  async read(topic: string): Promise<void> {
    let reader = this.readers.get(topic);
    if (!reader) {
      const created = new TopicReader(
        this.options.redis,
        this.key(topic),
        (events) => this.dispatch(topic, events),
        this.options.logger.child({ topic }),
      );
      reader = created.start().then(() => created);
      reader.catch(() => this.readers.delete(topic));
      this.readers.set(topic, reader);
    }
    await reader;
  }

  /**
   * The events after `cursor` on the topic's stream, up to the newest of now: the replay of a
   * subscriber resuming from `cursor`. It ends at the newest event of when it was asked for, so it ends
   * however fast events keep coming.
   */
  async replay(topic: string, cursor: string): Promise<StreamReplay> {
    const key = this.key(topic);
    const [newest] = (await this.options.redis.xrevrange(key, '+', '-', 'COUNT', 1)) as [string, string[]][];
    const head = newest && compareStreamIds(newest[0], cursor) > 0 ? newest[0] : cursor;
    return new StreamReplay(this.options.redis, key, cursor, head, this.options.logger);
  }

  async close(): Promise<void> {
    const readers = await Promise.all(this.readers.values());
    await Promise.all(readers.map((r) => r.stop()));
  }

  private key(topic: string): string {
    return streamKey(this.options.streamPrefix, topic);
  }

  private dispatch(topic: string, events: StreamEvent[]): void {
    const { metrics } = this.options;
    let seen = this.seen.get(topic);
    if (!seen) {
      seen = new LRUCache<string, true>({ max: 50_000 });
      this.seen.set(topic, seen);
    }
    for (const entry of events) {
      metrics.eventsIn.inc({ topic });
      if (seen.has(entry.event.id)) {
        metrics.duplicates.inc({ topic });
        continue;
      }
      seen.set(entry.event.id, true);
      this.options.onEvent(topic, entry);
    }
  }
}

/** One replay: the events after a cursor up to a head fixed when it began, each event id once. */
export class StreamReplay {
  /** Event ids read so far: the relay may have published one twice. */
  private readonly read = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly cursor: string,
    /** The newest stream id when the replay began; it reads up to here, and live events take over after. */
    readonly head: string,
    private readonly logger: Logger,
  ) {}

  /** The events, read from the stream in batches as they are taken. */
  async *events(): AsyncGenerator<StreamEvent> {
    let from = this.cursor;
    while (compareStreamIds(from, this.head) < 0) {
      const entries = (await this.redis.xrange(this.key, `(${from}`, this.head, 'COUNT', REPLAY_BATCH)) as [
        string,
        string[],
      ][];
      if (entries.length === 0) return;
      for (const entry of parseEntries(entries, this.logger)) {
        if (this.read.has(entry.event.id)) continue;
        this.read.add(entry.event.id);
        yield entry;
      }
      from = entries[entries.length - 1]![0];
    }
  }

  /** Whether a live event is one this replay reads from the stream (at or before its head, or re-published). */
  covers(streamId: string, eventId: string): boolean {
    return compareStreamIds(streamId, this.head) <= 0 || this.read.has(eventId);
  }
}
