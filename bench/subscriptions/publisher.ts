/**
 * The publisher process: adds `decisionRecorded` events to the stack's Redis Stream the way the
 * ledger's outbox relay does (`XADD <prefix>decisionRecorded MAXLEN ~ N * event <EventEnvelope JSON>`),
 * one at a time or at a fixed offered rate. Driven by the runner over IPC (see protocol.ts).
 * Usage: publisher.ts <redis url> <stream key>.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventEnvelope } from '@ecp/events/event';
import { Redis } from 'ioredis';
import { serve } from './ipc';
import {
  benchEventKey,
  categoryOf,
  type PublishedOne,
  type PublisherCommand,
  type RateResult,
  wallClockMs,
} from './protocol';

const [redisUrl, stream] = process.argv.slice(2);
if (!redisUrl || !stream) throw new Error('usage: publisher.ts <redis url> <stream key>');

/** What the relay trims each stream to by default (enough for clients to resume; bounded memory). */
const STREAM_MAX_LENGTH = '100000';
/** The rate loop's tick: each tick adds, in one pipeline, the events that have come due. */
const TICK_MS = 2;

const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
let oneSeq = 0;

function envelope(keyId: string, publishedAtMs: number, attributes: Record<string, string>): string {
  const event: EventEnvelope = {
    id: randomUUID(),
    topic: 'decisionRecorded',
    typename: 'Decision',
    key: { id: keyId },
    attributes,
    version: 1,
    occurredAt: new Date(Math.floor(publishedAtMs)).toISOString(),
  };
  return JSON.stringify(event);
}

const DEFAULT_ATTRIBUTES = { agentId: 'bench-agent', jurisdiction: 'EU', category: 'pricing' };

async function one(keyId: string | undefined, attributes: Record<string, string> | undefined) {
  const publishedAtMs = wallClockMs();
  const json = envelope(
    keyId ?? benchEventKey('one', ++oneSeq, publishedAtMs),
    publishedAtMs,
    attributes ?? DEFAULT_ATTRIBUTES,
  );
  const streamId = await redis.xadd(stream!, 'MAXLEN', '~', STREAM_MAX_LENGTH, '*', 'event', json);
  return { publishedAtMs, streamId: streamId ?? '' } satisfies PublishedOne;
}

/**
 * Adds events on a fixed schedule (open loop): every tick, the events due by now are added in one
 * pipeline, each stamped with the time it was added. If Redis answers slowly, the next tick adds
 * more, so the offered rate holds unless this process itself cannot keep up (then `achieved` says so).
 */
async function rate(command: Extract<PublisherCommand, { op: 'rate' }>): Promise<RateResult> {
  const { run, perSecond, warmupSeconds, seconds, groups } = command;
  const started = wallClockMs();
  const measureFrom = started + warmupSeconds * 1000;
  const end = measureFrom + seconds * 1000;
  let sent = 0;
  let sentInWindow = 0;
  let announced = false;
  for (;;) {
    const now = wallClockMs();
    if (now >= end) break;
    if (!announced && now >= measureFrom) {
      announced = true;
      process.send?.({ event: 'measuring', atMs: now });
    }
    const due = Math.floor(((now - started) * perSecond) / 1000) - sent;
    if (due > 0) {
      const pipeline = redis.pipeline();
      for (let i = 0; i < due; i++) {
        const seq = sent + i;
        const at = wallClockMs();
        const attributes = { agentId: 'bench-agent', jurisdiction: 'EU', category: categoryOf(seq % groups) };
        pipeline.xadd(
          stream!,
          'MAXLEN',
          '~',
          STREAM_MAX_LENGTH,
          '*',
          'event',
          envelope(benchEventKey(run, seq, at), at, attributes),
        );
        if (at >= measureFrom) sentInWindow++;
      }
      sent += due;
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
    } else {
      await sleep(TICK_MS);
    }
  }
  return {
    fromMs: measureFrom,
    toMs: end,
    sentInWindow,
    sent,
    achievedPerSecond: sentInWindow / seconds,
  };
}

serve<PublisherCommand>(async (command) => {
  switch (command.op) {
    case 'one':
      return one(command.keyId, command.attributes);
    case 'rate':
      return rate(command);
  }
});
