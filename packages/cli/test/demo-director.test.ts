import { describe, expect, it } from 'vitest';
import { DemoDirector } from '../src/demo/director';
import type { DemoEvent } from '../src/demo/events';
import { DemoActionFailed, type Story } from '../src/demo/story';

/** An event that says which story made it and which of its steps it was. */
const mark = (story: string, step: number): DemoEvent => ({
  kind: 'endpoint-switched',
  actor: { kind: 'demo', name: story },
  environment: `${story}#${step}`,
  up: true,
});
const label = (event: DemoEvent | null) =>
  event === null ? null : event.kind === 'endpoint-switched' ? event.environment : event.kind;

async function* steps(name: string, count: number, pauseAfter?: { step: number; ticks: number }): Story {
  for (let i = 1; i <= count; i++) {
    yield mark(name, i);
    if (pauseAfter?.step === i) yield { wait: pauseAfter.ticks };
  }
}

async function run(director: DemoDirector, n: number): Promise<(string | null)[]> {
  const seen: (string | null)[] = [];
  for (let i = 0; i < n; i++) seen.push(label(await director.step()));
  return seen;
}

describe('the demo director', () => {
  it('gives each action to the ready story that waited longest, starting new stories as others end', async () => {
    const names = ['a', 'b', 'c'];
    const director = new DemoDirector({
      perpetual: [],
      nextStory: () => steps(names.shift() ?? 'z', 2),
      storiesInProgress: 2,
    });
    expect(await run(director, 6)).toEqual(['a#1', 'b#1', 'a#2', 'b#2', 'c#1', 'z#1']);
  });

  it('lets a paused story act again only after at least that many other actions', async () => {
    const director = new DemoDirector({
      perpetual: [steps('p', 3, { step: 1, ticks: 3 })],
      nextStory: () => steps('s', 100),
      storiesInProgress: 1,
    });
    expect(await run(director, 6)).toEqual(['p#1', 's#1', 's#2', 's#3', 's#4', 'p#2']);
  });

  it('ends a story whose action failed, answering the failure, and goes on', async () => {
    const failed: DemoEvent = {
      kind: 'action-failed',
      actor: { kind: 'agent', name: 'demo-atlas' },
      jurisdiction: 'EU/DE',
      what: 'record a decision',
      code: 'CONFLICT',
      reason: 'no',
    };
    let made = 0;
    const director = new DemoDirector({
      perpetual: [],
      nextStory: () =>
        made++ === 0
          ? (async function* (): Story {
              yield mark('f', 1);
              throw new DemoActionFailed(failed as Extract<DemoEvent, { kind: 'action-failed' }>);
            })()
          : steps('n', 5),
      storiesInProgress: 1,
    });
    expect(await run(director, 4)).toEqual(['f#1', 'action-failed', 'n#1', 'n#2']);
  });

  it('answers null for a tick when every story pauses and no more may start', async () => {
    const director = new DemoDirector({
      perpetual: [],
      nextStory: () => steps('w', 1, { step: 1, ticks: 10 }),
      storiesInProgress: 1,
    });
    // One story acts, then pauses; two more start to fill the gap, act and pause; then nothing is ready.
    expect(await run(director, 4)).toEqual(['w#1', 'w#1', 'w#1', null]);
  });

  it('stops every story where it stands', async () => {
    const finished: string[] = [];
    async function* tracked(name: string): Story {
      try {
        yield mark(name, 1);
        yield mark(name, 2);
      } finally {
        finished.push(name);
      }
    }
    const director = new DemoDirector({ perpetual: [tracked('p')], nextStory: () => tracked('s') });
    await run(director, 2);
    await director.stop();
    // The two that had begun run their `finally`; those not yet begun have nothing to finish.
    expect(finished.sort()).toEqual(['p', 's']);
  });
});
