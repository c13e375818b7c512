import type { Logger } from '@ecp/logging/logger';
import type { WebSocket } from 'ws';
import type { SubscriptionMetrics } from './subscription-metrics';

/** A WebSocket close code of ECP's own: the client reads too slowly to keep up. */
export const CLOSE_TOO_SLOW = 4429;

export interface SubscriberChannelsOptions {
  metrics: SubscriptionMetrics;
  logger: Logger;
  /** Bytes a socket may hold unsent before its messages queue up here instead. */
  highWaterBytes?: number;
  /** Messages a subscriber may have queued; past it the oldest are dropped. */
  maxQueue?: number;
  /** How long a subscriber may stay behind before it is disconnected. */
  slowTimeoutMs?: number;
}

/**
 * The way to each subscriber's socket: graphql-ws `next` framing around payloads serialised once per
 * group, and backpressure. A socket whose send buffer is over the high-water mark gets a bounded queue
 * (the oldest messages are dropped and counted) drained as it empties; one that stays behind is
 * disconnected (4429). A slow subscriber never holds up anyone else.
 */
export class SubscriberChannels {
  readonly highWaterBytes: number;
  readonly maxQueue: number;
  readonly slowTimeoutMs: number;
  private readonly lagging = new Set<SubscriberChannel>();
  private readonly pump: NodeJS.Timeout;

  constructor(private readonly options: SubscriberChannelsOptions) {
    this.highWaterBytes = options.highWaterBytes ?? 256 * 1024;
    this.maxQueue = options.maxQueue ?? 100;
    this.slowTimeoutMs = options.slowTimeoutMs ?? 10_000;
    this.pump = setInterval(() => this.drainLagging(), 25);
    this.pump.unref();
  }

  /** The channel of the subscription `id` (its graphql-ws operation id) on `socket`. */
  open(id: string, socket: WebSocket, field: string): SubscriberChannel {
    return new SubscriberChannel(id, socket, field, this);
  }

  /**
   * Counts what one delivery of an event wrote: once per delivery rather than per socket, since at
   * thousands of members that is measurable.
   */
  delivered(field: string, written: number, occurredAt: string): void {
    if (written === 0) return;
    this.options.metrics.messagesOut.inc({ field }, written);
    this.observeLatency(occurredAt);
  }

  close(): void {
    clearInterval(this.pump);
  }

  /** @internal For the channels themselves. */
  lag(channel: SubscriberChannel): void {
    this.lagging.add(channel);
  }

  /** @internal */
  forget(channel: SubscriberChannel): void {
    this.lagging.delete(channel);
  }

  /** @internal */
  dropped(field: string): void {
    this.options.metrics.dropped.inc({ field });
  }

  /** @internal Counts a message written on its own (drained, or sent by a replay). */
  wrote(field: string, occurredAt: string | undefined): void {
    this.options.metrics.messagesOut.inc({ field });
    if (occurredAt !== undefined) this.observeLatency(occurredAt);
  }

  /** @internal */
  disconnectSlow(channel: SubscriberChannel, reason: string): void {
    this.options.metrics.slowDisconnects.inc();
    this.options.logger.warn(
      { field: channel.field, dropped: channel.dropped },
      'disconnecting a subscriber that stayed too slow',
    );
    channel.socket.close(CLOSE_TOO_SLOW, reason);
  }

  /** From the change being committed to now (the last of a delivery's writes, when counted per delivery). */
  private observeLatency(occurredAt: string): void {
    const latency = Date.now() - Date.parse(occurredAt);
    if (Number.isFinite(latency)) this.options.metrics.deliveryLatency.observe(Math.max(0, latency) / 1000);
  }

  /** Sends what slow subscribers have queued as their sockets drain; disconnects those that stay behind. */
  private drainLagging(): void {
    for (const channel of this.lagging) {
      const { socket } = channel;
      if (socket.readyState !== socket.OPEN) {
        this.lagging.delete(channel);
        continue;
      }
      while (channel.queue.length > 0 && socket.bufferedAmount < this.highWaterBytes) {
        const next = channel.queue.shift()!;
        socket.send(next.message);
        this.wrote(channel.field, next.occurredAt);
      }
      if (channel.queue.length === 0) {
        channel.laggingSince = 0;
        this.lagging.delete(channel);
      } else if (Date.now() - channel.laggingSince > this.slowTimeoutMs) {
        this.lagging.delete(channel);
        this.disconnectSlow(channel, `Too slow: ${channel.dropped} messages dropped and still behind`);
      }
    }
  }
}

/** One subscription's way to its socket. */
export class SubscriberChannel {
  /** Messages waiting for the socket to drain, oldest first. */
  readonly queue: { message: string; occurredAt: string }[] = [];
  dropped = 0;
  /** When it fell behind (ms), 0 while it keeps up. */
  laggingSince = 0;
  /** The start of every `next` message for this subscription, up to the payload. */
  private readonly prefix: string;
  private stopped = false;

  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    readonly field: string,
    private readonly channels: SubscriberChannels,
  ) {
    this.prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  }

  /** Whether its socket is open and its subscription has not ended. */
  get open(): boolean {
    return !this.stopped && this.socket.readyState === this.socket.OPEN;
  }

  /**
   * Writes a live event's payload now, or queues it behind what the socket has not taken (dropping the
   * oldest past the bound). True when it was written now; the caller counts those per delivery.
   */
  send(payload: string, occurredAt: string): boolean {
    const { socket } = this;
    if (socket.readyState !== socket.OPEN) return false;
    const message = this.frame(payload);
    if (this.queue.length === 0 && socket.bufferedAmount < this.channels.highWaterBytes) {
      socket.send(message);
      return true;
    }
    this.queue.push({ message, occurredAt });
    if (this.laggingSince === 0) this.laggingSince = Date.now();
    this.channels.lag(this);
    while (this.queue.length > this.channels.maxQueue) {
      this.queue.shift();
      this.dropped++;
      this.channels.dropped(this.field);
    }
    return false;
  }

  /**
   * Writes one payload now and counts it, for callers that waited for the socket first (`writable`).
   * `occurredAt` is observed as delivery latency when given.
   */
  write(payload: string, occurredAt?: string): void {
    this.socket.send(this.frame(payload));
    this.channels.wrote(this.field, occurredAt);
  }

  /**
   * Waits until the socket takes more without queueing. False when the subscription ended or the
   * socket closed, or when it stayed full for longer than a subscriber may stay behind (it is then
   * disconnected, as a slow live subscriber would be).
   */
  async writable(): Promise<boolean> {
    const { socket } = this;
    const since = Date.now();
    while (
      !this.stopped &&
      socket.readyState === socket.OPEN &&
      socket.bufferedAmount >= this.channels.highWaterBytes
    ) {
      if (Date.now() - since > this.channels.slowTimeoutMs) {
        this.disconnectSlow('Too slow: the replay of missed events could not be written');
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return this.open;
  }

  /** Closes the socket (4429) of a subscriber that cannot keep up. */
  disconnectSlow(reason: string): void {
    this.channels.disconnectSlow(this, reason);
  }

  /** The subscription ended: nothing more is written, and what it had queued is let go. */
  stop(): void {
    this.stopped = true;
    this.channels.forget(this);
  }

  private frame(payload: string): string {
    return `${this.prefix}${payload}}`;
  }
}
