import type { Redis } from 'ioredis';
import type { AlertWrite } from '../alerts/alert-sink';
import { fireAlert, resolveAlert } from '../alerts/alert-sink';
import { type QueueCounts, readQueueState } from './queue-state';

/** What one watch found about one queue, and what it did. */
export interface QueueVerdict {
  queue: string;
  backlog: number;
  failedGrewBy: number;
  alert: 'FIRING' | 'RESOLVED';
}

/** Where the failed counts seen last time are kept: a failed count that grows is a queue in trouble. */
const failedSeenKey = (prefix: string) => `${prefix}:operations:queue-watch:failed-seen`;

/** Jobs that should be running and are not: waiting ones and delayed ones whose time has come. */
export function backlogOf(q: QueueCounts): number {
  return q.waiting + q.delayedDue;
}

/**
 * Looks at every queue once: 'queue-backing-up' fires for a queue whose backlog is above the
 * threshold or whose failed jobs grew since the previous look, and is resolved for one back under
 * with no new failures. The failed counts are remembered in Redis beside the queues, so any worker
 * process may run the next look.
 */
export async function watchQueues(
  w: AlertWrite,
  queues: { redis: Redis; prefix: string; threshold: number },
): Promise<QueueVerdict[]> {
  const { redis, prefix, threshold } = queues;
  const { queues: counts } = await readQueueState(redis, prefix, w.runtime.now());
  const seen = await redis.hgetall(failedSeenKey(prefix));
  const verdicts: QueueVerdict[] = [];
  for (const q of counts) {
    const backlog = backlogOf(q);
    const failedGrewBy = seen[q.name] === undefined ? 0 : Math.max(0, q.failed - Number(seen[q.name]));
    const labels = { queue: q.name };
    if (backlog > threshold || failedGrewBy > 0) {
      const why = [
        backlog > threshold ? `${backlog} jobs waiting (threshold ${threshold})` : null,
        failedGrewBy > 0 ? `${failedGrewBy} more failed (${q.failed} in all)` : null,
      ].filter(Boolean);
      await fireAlert(w, {
        rule: 'queue-backing-up',
        labels,
        summary: `Queue ${q.name}: ${why.join(', ')}`,
        value: backlog,
      });
      verdicts.push({ queue: q.name, backlog, failedGrewBy, alert: 'FIRING' });
    } else {
      await resolveAlert(w, 'queue-backing-up', labels);
      verdicts.push({ queue: q.name, backlog, failedGrewBy, alert: 'RESOLVED' });
    }
  }
  if (counts.length) {
    await redis.hset(
      failedSeenKey(prefix),
      Object.fromEntries(counts.map((q) => [q.name, String(q.failed)])),
    );
  }
  return verdicts;
}
