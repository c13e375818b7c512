/**
 * The queues (a `JobEnqueuer`) of a job or effect under test that must cause no further job:
 * enqueuing fails the test, naming the job. Tests whose code does enqueue give a real `JobProducer`
 * on a test prefix instead.
 */
export const ENQUEUES_NOTHING = {
  async enqueue(definition: { queue: string }): Promise<never> {
    throw new Error(`this test expects no job to be enqueued, yet ${definition.queue} was`);
  },
};
