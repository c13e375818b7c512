import type { EventEnvelope } from '@ecp/events/event';
import type { Topic } from '@ecp/events/topic';

/**
 * Why a stream entry cannot be one of a consumer's events — not JSON, a topic it does not consume, or
 * an envelope its topic's schema refuses — or undefined when it can. Checked once, when the entry is
 * read; a refused entry's job fails with this reason, without retries.
 */
export function refusal(
  event: EventEnvelope | undefined,
  where: { stream: string; streamId: string; consumer: string; topics: ReadonlyMap<string, Topic> },
): string | undefined {
  if (typeof event !== 'object' || event === null) {
    return `stream entry ${where.streamId} of ${where.stream} is not a JSON event`;
  }
  const topic = where.topics.get(event.topic);
  if (!topic) return `event ${event.id} is on topic ${event.topic}, which ${where.consumer} does not consume`;
  const problems = topic.problems(event);
  if (problems.length === 0) return undefined;
  return `event ${where.streamId} refused by ${topic.name}'s schema: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}`;
}
