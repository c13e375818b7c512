import { defineTopic } from '@ecp/events/topic';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { previousStreamId } from './consumer-registry';
import { defineConsumer, defineJob, type SubgraphWork, workProblems } from './job-definition';
import { consumerJobId, consumerQueueName, jobsOptions } from './job-options';

const topic = defineTopic({
  $id: 'https://ecp.dev/schema/events/test-jobsThing.v1.schema.json',
  $ref: 'envelope.v1.schema.json',
  type: 'object',
  properties: { topic: { const: 'jobsThing' }, typename: { const: 'Thing' }, version: { const: 1 } },
});
const job = defineJob({
  queue: 'advisory.close-poll',
  data: z.object({ pollId: z.string() }),
  process: async () => {},
});
const consumer = defineConsumer({ name: 'advisory.divergence', topics: [topic], handle: async () => {} });
const work = (overrides: Partial<SubgraphWork>): SubgraphWork => ({
  subgraph: 'advisory',
  dbSchema: 'advisory',
  entities: [],
  jobs: [job],
  consumers: [consumer],
  ...overrides,
});

describe('declared work', () => {
  it('accepts well-named jobs and consumers', () => {
    expect(workProblems([work({})])).toEqual([]);
  });

  it('names every problem: bad names, duplicates, consumers of nothing, ambiguous schedules', () => {
    const problems = workProblems([
      work({
        jobs: [
          { ...job, queue: 'ClosePoll' },
          { ...job, scheduler: { id: 's', data: { pollId: 'x' } } },
          {
            ...job,
            queue: 'advisory.tick',
            scheduler: { id: 't', everyMs: 1000, cron: '* * * * *', data: { pollId: 'x' } },
          },
        ],
        consumers: [{ ...consumer, topics: [] }],
      }),
      work({ jobs: [], consumers: [consumer] }),
    ]);
    expect(problems).toEqual([
      'advisory: "ClosePoll" is not a <subgraph>.<name> in lower case',
      'advisory.divergence: consumes no topic',
      'advisory.close-poll: a scheduler needs exactly one of everyMs and cron',
      'advisory.tick: a scheduler needs exactly one of everyMs and cron',
      'advisory: "advisory.divergence" is declared twice',
    ]);
  });
});

describe('job options and ids', () => {
  it('turn a retry policy and retention into BullMQ options, with defaults', () => {
    expect(jobsOptions({ attempts: 3, backoff: { type: 'exponential', delayMs: 50 } })).toMatchObject({
      attempts: 3,
      backoff: { type: 'exponential', delay: 50 },
      removeOnComplete: { age: 86_400, count: 10_000 },
      removeOnFail: { age: 604_800, count: 100_000 },
    });
  });

  it('derive a consumer job id from the consumer, the replay epoch and the event, with no colon', () => {
    const id = consumerJobId('advisory.divergence', 2, '1b4e28ba-2fa1-11d2-883f-0016d3cca427');
    expect(id).toBe('advisory.divergence.e2.1b4e28ba-2fa1-11d2-883f-0016d3cca427');
    expect(id).not.toContain(':');
    expect(consumerQueueName('advisory.divergence', 3)).toBe('consumer.advisory.divergence.p3');
  });

  it('find the stream id just before another, so a replay starts at that id', () => {
    expect(previousStreamId('1764547200000-5')).toBe('1764547200000-4');
    expect(previousStreamId('1764547200000-0')).toBe('1764547199999-18446744073709551615');
    expect(previousStreamId('0-0')).toBe('0');
  });
});
