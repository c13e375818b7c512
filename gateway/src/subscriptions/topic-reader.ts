import type { EventEnvelope } from '@ecp/events/event';
import type { Logger } from '@ecp/logging/logger';
import type { Redis } from 'ioredis';

export interface StreamEvent {
  /** The stream id: the cursor a client resumes from. */
  streamId: string;
  event: EventEnvelope;
}

/** Parses XREAD/XRANGE entries (`[id, ['event', json]]`) into events, skipping anything malformed. */
export function parseEntries(entries: [string, string[]][], logger: Logger): StreamEvent[] {
  const events: StreamEvent[] = [];
  for (const [streamId, fields] of entries) {
    const at = fields.indexOf('event');
    try {
      events.push({ streamId, event: JSON.parse(fields[at + 1] ?? '') as EventEnvelope });
    } catch (err) {
      logger.warn({ err, streamId }, 'skipped a malformed stream entry');
    }
  }
  return events;
}

/**
 * One blocking reader per topic per gateway process (XREAD BLOCK on its own connection), shared by
 * every subscriber of the topic. It starts after the stream's last entry: history is what resuming
 * clients ask for with XRANGE.
 */
export class TopicReader {
  private connection: Redis | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly onEvents: (events: StreamEvent[]) => void,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const last = await this.redis.xrevrange(this.key, '+', '-', 'COUNT', 1);
    let lastId = last[0]?.[0] ?? '0-0';
    this.connection = this.redis.duplicate({ maxRetriesPerRequest: null, lazyConnect: false });
    this.connection.on('error', (err) =>
      this.logger.warn({ err, stream: this.key }, 'stream reader connection error'),
    );
    const connection = this.connection;
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          const answer = (await connection.xread('COUNT', 500, 'BLOCK', 2000, 'STREAMS', this.key, lastId)) as
            | [string, [string, string[]][]][]
            | null;
          const entries = answer?.[0]?.[1];
          if (!entries?.length) continue;
          lastId = entries[entries.length - 1]![0];
          this.onEvents(parseEntries(entries, this.logger));
        } catch (err) {
          if (this.stopped) return;
          this.logger.warn({ err, stream: this.key }, 'reading the stream failed; retrying');
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.connection?.disconnect();
    await this.loop;
  }
}
