/**
 * The payloads one group of subscribers rendered, by stream id, kept while several of its members are
 * replayed: identical replays, and the live deliveries they overlap, then execute each event once
 * instead of once per replay. Bounded in bytes; once full it keeps what it holds rather than evicting,
 * because replays read in stream order and the next one to start needs the oldest first.
 */
export class RenderedPayloads {
  private readonly kept = new Map<string, string>();
  private readonly rendering = new Map<string, Promise<string>>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The payload of the event at `streamId`: kept, being rendered, or rendered now by `render`. */
  get(streamId: string, render: () => Promise<string>): Promise<string> {
    const kept = this.kept.get(streamId);
    if (kept !== undefined) return Promise.resolve(kept);
    let pending = this.rendering.get(streamId);
    if (!pending) {
      pending = render().finally(() => this.rendering.delete(streamId));
      void pending.then(
        (payload) => {
          if (this.bytes + payload.length > this.maxBytes) return;
          this.kept.set(streamId, payload);
          this.bytes += payload.length;
        },
        () => {},
      );
      this.rendering.set(streamId, pending);
    }
    return pending;
  }
}
