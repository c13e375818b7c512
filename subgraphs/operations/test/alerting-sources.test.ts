import { randomUUID } from 'node:crypto';
import { newId } from '@ecp/db/ids';
import type { EventEnvelope } from '@ecp/events/event';
import type { Topic } from '@ecp/events/topic';
import { createLogger } from '@ecp/logging/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertEntity } from '../src/modules/alerts/alert.entity';
import { ALERT_SOURCES_CONSUMER, RESOLVE_STALE_ALERT_JOB } from '../src/modules/alerts/alert.jobs';
import { resolveIfStale } from '../src/modules/alerts/alert-sources';
import { DECISION_HELD, DECISION_STATUS_CHANGED, DIVERGENCE_THRESHOLD_EXCEEDED } from '../src/topics';
import { AlertingHarness } from './alerting-support';

/**
 * The alert sources consumer applied to envelopes written as the outbox writes them (checked against
 * the publishers' schemas), as the workers apply them: the effect and the event's id in one
 * transaction, an event already applied skipped.
 */
const h = new AlertingHarness();
const logger = createLogger({ service: 'test', level: 'silent' });

beforeAll(() => h.start());
afterAll(() => h.stop());

function envelope(
  topic: Topic,
  key: Record<string, string>,
  attributes: Record<string, string>,
): EventEnvelope {
  const e: EventEnvelope = {
    id: randomUUID(),
    topic: topic.name,
    typename: topic.typename,
    key,
    attributes,
    version: topic.version,
    occurredAt: new Date().toISOString(),
  };
  expect(topic.problems(e)).toEqual([]);
  return e;
}

async function consume(events: readonly EventEnvelope[]): Promise<number> {
  let applied = 0;
  for (const event of events) {
    await h.sg.em().transactional(async (em) => {
      const rows = await em
        .getConnection()
        .execute<unknown[]>(
          'insert into operations.processed_event (consumer, event_id) values (?, ?) on conflict do nothing returning event_id',
          [ALERT_SOURCES_CONSUMER.name, event.id],
          'all',
          em.getTransactionContext(),
        );
      if (rows.length === 0) return;
      applied++;
      await ALERT_SOURCES_CONSUMER.handle(event, {
        em,
        outbox: h.sg.built.platform.outbox,
        services: h.sg.built.platform.services,
        jobs: h.producer,
        logger,
        batch: [event],
      });
    });
  }
  return applied;
}

const alertsOf = (rule: string, jurisdiction: string) =>
  h.sg.em().find(AlertEntity, { rule, labels: { jurisdiction } }, { orderBy: { startsAt: 'asc' } });

describe('alert sources', () => {
  it('reads the three topics from their publishers’ schemas', () => {
    expect(ALERT_SOURCES_CONSUMER.topics.map((t) => t.name)).toEqual([
      'divergenceThresholdExceeded',
      'decisionHeld',
      'decisionStatusChanged',
    ]);
  });

  it('fires one divergence alert per jurisdiction, valued at the score, resolved once stale', async () => {
    const jurisdiction = `EU/X${newId().slice(0, 6)}`;
    const exceeded = (score: string) =>
      envelope(
        DIVERGENCE_THRESHOLD_EXCEEDED,
        { id: newId() },
        {
          agentId: newId(),
          jurisdiction,
          category: 'payments',
          score,
          threshold: '0.5',
          weightsVersion: 'default@1',
        },
      );
    const first = exceeded('0.71');
    expect(await consume([first, exceeded('0.82')])).toBe(2);
    expect(await consume([first])).toBe(0);
    const [alert, ...others] = await alertsOf('divergence-threshold-exceeded', jurisdiction);
    expect(others).toHaveLength(0);
    expect(alert).toMatchObject({ status: 'FIRING', value: 0.82, labels: { jurisdiction } });
    expect(alert!.summary).toContain('0.82');
    const timer = await h.producer
      .queue(RESOLVE_STALE_ALERT_JOB.queue)
      .getJob(`resolve-stale-${alert!.id}-${alert!.lastSeenAt.getTime()}`);
    expect(timer?.data).toEqual({ alertId: alert!.id });
    expect(timer?.opts.delay).toBe(3600_000);
    // Its grouping timer too (group-wait).
    const group = await h.group('divergence-threshold-exceeded', { jurisdiction });
    expect(group.nextFlushAt).toBeTruthy();

    // Seen less than an hour ago: left firing; an hour later: resolved.
    h.clock = new Date(alert!.lastSeenAt.getTime() + 3599_000);
    expect(await resolveIfStale(h.sg.em(), h.runtime, alert!.id)).toBe('fresh');
    h.clock = new Date(alert!.lastSeenAt.getTime() + 3600_000);
    expect(await resolveIfStale(h.sg.em(), h.runtime, alert!.id)).toBe('resolved');
    expect(await resolveIfStale(h.sg.em(), h.runtime, alert!.id)).toBe('not-firing');
    const [after] = await alertsOf('divergence-threshold-exceeded', jurisdiction);
    expect(after).toMatchObject({ status: 'RESOLVED', endsAt: h.clock });
  });

  it('fires an alert per held decision and resolves it when the decision is committed or rejected', async () => {
    const jurisdiction = `EU/Y${newId().slice(0, 6)}`;
    const [committed, rejected] = [newId(), newId()];
    const held = (id: string) =>
      envelope(
        DECISION_HELD,
        { id },
        {
          agentId: newId(),
          jurisdiction,
          category: 'payments',
          holdReasons: 'FRICTION_ABOVE_THRESHOLD,CATEGORY_REQUIRES_APPROVAL',
          approvalsNeeded: '2',
          expiresAt: '2026-12-05T10:00:00.000Z',
        },
      );
    const changed = (id: string, status: string, change: string) =>
      envelope(
        DECISION_STATUS_CHANGED,
        { id },
        { agentId: newId(), jurisdiction, category: 'payments', status, change, approvals: '1' },
      );
    await consume([held(committed), held(rejected)]);
    let alerts = await alertsOf('decision-held-waiting', jurisdiction);
    expect(alerts.map((a) => [a.labels.decision, a.status]).sort()).toEqual(
      [
        [committed, 'FIRING'],
        [rejected, 'FIRING'],
      ].sort(),
    );
    expect(alerts[0]!.summary).toContain('FRICTION_ABOVE_THRESHOLD');

    // An approval that still waits for another approver changes nothing.
    await consume([changed(committed, 'PENDING_APPROVAL', 'APPROVED')]);
    expect((await alertsOf('decision-held-waiting', jurisdiction)).every((a) => a.status === 'FIRING')).toBe(
      true,
    );
    await consume([changed(committed, 'COMMITTED', 'COMMITTED'), changed(rejected, 'REJECTED', 'EXPIRED')]);
    alerts = await alertsOf('decision-held-waiting', jurisdiction);
    expect(alerts.map((a) => a.status)).toEqual(['RESOLVED', 'RESOLVED']);
    // Both in one group (by jurisdiction).
    expect((await h.group('decision-held-waiting', { jurisdiction, decision: committed })).groupKey).toBe(
      `decision-held-waiting{jurisdiction="${jurisdiction}"}`,
    );
  });
});
