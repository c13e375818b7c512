import type { DemoEvent } from './events';

/**
 * A story: what one agent (or the operator) does, as a sequence of actions. It is an async generator;
 * each `next()` makes at most one call through the API and yields what came of it, or yields a pause
 * (`{ wait: n }`: let at least n other actions go first). The director interleaves stories.
 */
export type StoryStep = DemoEvent | { wait: number };
export type Story = AsyncGenerator<StoryStep, void, undefined>;

/** An action that failed: the story it was part of ends there, the demo goes on. */
export class DemoActionFailed extends Error {
  constructor(readonly event: Extract<DemoEvent, { kind: 'action-failed' }>) {
    super(`${event.what}: ${event.code} ${event.reason}`);
    this.name = 'DemoActionFailed';
  }
}
