import { newId } from '@ecp/db/ids';
import { workProblems } from '@ecp/jobs/job-definition';
import { createLogger } from '@ecp/logging/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { work } from '../src/jobs';
import {
  FLUSH_ALERT_GROUP_JOB,
  FLUSH_DUE_ALERT_GROUPS_JOB,
  RESOLVE_STALE_ALERT_JOB,
} from '../src/modules/alerts/alert.jobs';
import { AlertingHarness } from './alerting-support';

/**
 * Grouping and its timers (Alertmanager's group-wait, group-interval, repeat-interval), the resolve
 * notice and inhibition, driven with the test's clock by running the flush processor, and the
 * delayed jobs checked on a real BullMQ queue.
 */
const h = new AlertingHarness();
const WAIT = 30_000;
const INTERVAL = 300_000;
const REPEAT = 4 * 3600_000;

beforeAll(() => h.start());
afterAll(() => h.stop());

describe('grouping', () => {
  it('tells two alerts of one group in one notification after group-wait, to every channel', async () => {
    const queue = `q-${newId()}`;
    const t0 = h.clock;
    await h.fire('queue-backing-up', { queue, host: 'a' }, 'queue backing up on a');
    h.advance(5_000);
    await h.fire('queue-backing-up', { queue, host: 'b' }, 'queue backing up on b');
    // Another group: another notification.
    await h.fire('queue-backing-up', { queue: `${queue}-other` });

    const group = await h.group('queue-backing-up', { queue });
    const due = new Date(t0.getTime() + WAIT);
    expect(group.nextFlushAt).toEqual(due);
    const job = await h.flushJob(group.id, due);
    expect(job?.data).toEqual({ groupId: group.id });
    expect(job?.opts.delay).toBe(WAIT);

    // Early: nothing is told.
    expect((await h.flush('queue-backing-up', { queue })).status).toBe('not-due');
    expect(await h.notifications('queue-backing-up', { queue })).toHaveLength(0);

    h.clock = due;
    const outcome = await h.flush('queue-backing-up', { queue });
    expect(outcome).toMatchObject({ status: 'flushed', action: 'OPEN' });
    const [n, ...more] = await h.notifications('queue-backing-up', { queue });
    expect(more).toHaveLength(0);
    expect(n).toMatchObject({ kind: 'ALERT', action: 'OPEN', deliveries: 2 });
    expect(n!.subject).toBe(`[FIRING:2] queue-backing-up{queue="${queue}"}`);
    expect(n!.markdown).toContain('queue backing up on a');
    expect(n!.markdown).toContain('queue backing up on b');
    expect(n!.markdown).toContain('(docs/runbooks/alert-queue-backing-up.md)');
    expect(n!.markdown).toContain(`host="a", queue="${queue}"`);

    // Twice: the second run finds the group not due (its repeat is 4 h away).
    expect((await h.flush('queue-backing-up', { queue })).status).toBe('not-due');
    expect(await h.notifications('queue-backing-up', { queue })).toHaveLength(1);
    const after = await h.group('queue-backing-up', { queue });
    expect(after).toMatchObject({ threadOpen: true, lastNotifiedAt: due, firstNotifiedAt: due });
    expect(after.nextFlushAt).toEqual(new Date(due.getTime() + REPEAT));
    expect(await h.flushJob(group.id, after.nextFlushAt!)).toBeTruthy();
  });

  it('tells changes at most once per group-interval, reminds every repeat-interval, and closes with a resolve notice', async () => {
    const queue = `q-${newId()}`;
    await h.fire('queue-backing-up', { queue, host: 'a' });
    const opened = h.advance(WAIT);
    expect(await h.flush('queue-backing-up', { queue })).toMatchObject({ action: 'OPEN' });

    // A new alert a minute later: told group-interval after the first notification, not before.
    h.advance(60_000);
    await h.fire('queue-backing-up', { queue, host: 'b' });
    h.advance(10_000);
    await h.fire('queue-backing-up', { queue, host: 'c' });
    const group = await h.group('queue-backing-up', { queue });
    const intervalDue = new Date(opened.getTime() + INTERVAL);
    expect(group.nextFlushAt).toEqual(intervalDue);
    expect((await h.flushJob(group.id, intervalDue))?.opts.delay).toBe(INTERVAL - 60_000);
    expect((await h.flush('queue-backing-up', { queue })).status).toBe('not-due');

    // Late by a minute: told then, with what holds then.
    h.clock = new Date(intervalDue.getTime() + 60_000);
    expect(await h.flush('queue-backing-up', { queue })).toMatchObject({ action: 'UPDATE' });
    let thread = await h.notifications('queue-backing-up', { queue });
    expect(thread.map((n) => n.action)).toEqual(['OPEN', 'UPDATE']);
    expect(thread[1]!.subject).toContain('[FIRING:3]');
    const second = h.clock;

    // One resolves: told at the next group-interval, listed as resolved.
    h.advance(30_000);
    await h.resolve('queue-backing-up', { queue, host: 'a' });
    expect((await h.group('queue-backing-up', { queue })).nextFlushAt).toEqual(
      new Date(second.getTime() + INTERVAL),
    );
    h.clock = new Date(second.getTime() + INTERVAL);
    expect(await h.flush('queue-backing-up', { queue })).toMatchObject({ action: 'UPDATE' });
    thread = await h.notifications('queue-backing-up', { queue });
    expect(thread[2]!.subject).toContain('[FIRING:2]');
    expect(thread[2]!.markdown).toMatch(/### Resolved \(1\)[\s\S]*host="a"/);
    const third = h.clock;

    // Nothing changes: a reminder after repeat-interval, none before.
    const repeatDue = new Date(third.getTime() + REPEAT);
    expect((await h.group('queue-backing-up', { queue })).nextFlushAt).toEqual(repeatDue);
    expect(await h.flushJob((await h.group('queue-backing-up', { queue })).id, repeatDue)).toBeTruthy();
    h.clock = new Date(repeatDue.getTime() - 1);
    expect((await h.flush('queue-backing-up', { queue })).status).toBe('not-due');
    h.clock = repeatDue;
    expect(await h.flush('queue-backing-up', { queue })).toMatchObject({ action: 'UPDATE' });
    thread = await h.notifications('queue-backing-up', { queue });
    expect(thread).toHaveLength(4);
    expect(thread[3]!.subject).toContain('[FIRING:2]');
    expect(thread[3]!.markdown).not.toContain('### Resolved');

    // Every alert resolves: the resolve notice closes the thread; nothing is pending after it.
    h.advance(1_000);
    await h.resolve('queue-backing-up', { queue, host: 'b' });
    await h.resolve('queue-backing-up', { queue, host: 'c' });
    h.clock = new Date(repeatDue.getTime() + INTERVAL);
    expect(await h.flush('queue-backing-up', { queue })).toMatchObject({
      action: 'CLOSE',
      nextFlushAt: null,
    });
    thread = await h.notifications('queue-backing-up', { queue });
    expect(thread.map((n) => n.action)).toEqual(['OPEN', 'UPDATE', 'UPDATE', 'UPDATE', 'CLOSE']);
    expect(thread[4]!.subject).toBe(`[RESOLVED] queue-backing-up{queue="${queue}"}`);
    expect(thread[4]!.markdown).toMatch(/resolved[\s\S]*### Resolved \(2\)/);
    expect(await h.group('queue-backing-up', { queue })).toMatchObject({
      threadOpen: false,
      nextFlushAt: null,
    });
    expect((await h.flush('queue-backing-up', { queue })).status).toBe('nothing-due');

    // The cause comes back: a new thread opens after group-wait.
    h.advance(60_000);
    await h.fire('queue-backing-up', { queue, host: 'a' });
    h.advance(WAIT);
    expect(await h.flush('queue-backing-up', { queue })).toMatchObject({ action: 'OPEN' });
  });

  it('sends one notification when two runs of a due flush race', async () => {
    const queue = `q-${newId()}`;
    await h.fire('queue-backing-up', { queue });
    h.advance(WAIT);
    const outcomes = await Promise.all([
      h.flush('queue-backing-up', { queue }),
      h.flush('queue-backing-up', { queue }),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['flushed', 'not-due']);
    expect(await h.notifications('queue-backing-up', { queue })).toHaveLength(1);
  });

  it('tells nothing of a group whose alerts all resolved within group-wait', async () => {
    const queue = `q-${newId()}`;
    await h.fire('queue-backing-up', { queue });
    h.advance(10_000);
    await h.resolve('queue-backing-up', { queue });
    h.advance(WAIT);
    expect(await h.flush('queue-backing-up', { queue })).toMatchObject({ action: null, nextFlushAt: null });
    expect(await h.notifications('queue-backing-up', { queue })).toHaveLength(0);
  });
});

describe('inhibition', () => {
  it('mutes the slow and certificate alerts of an environment that is down, and tells them once it is up', async () => {
    const down = `env-${newId()}`;
    const other = `env-${newId()}`;
    await h.fire('environment-down', { environment: down });
    await h.fire('environment-slow', { environment: down });
    await h.fire('certificate-expiring', { environment: down });
    await h.fire('environment-slow', { environment: other });
    h.advance(WAIT);
    expect(await h.flush('environment-down', { environment: down })).toMatchObject({ action: 'OPEN' });
    expect(await h.flush('environment-slow', { environment: down })).toMatchObject({ action: null });
    expect(await h.flush('certificate-expiring', { environment: down })).toMatchObject({ action: null });
    expect(await h.flush('environment-slow', { environment: other })).toMatchObject({ action: 'OPEN' });
    expect(await h.notifications('environment-slow', { environment: down })).toHaveLength(0);

    // Up again: the muted groups are flushed at once and tell their alerts.
    h.advance(60_000);
    await h.resolve('environment-down', { environment: down });
    const slow = await h.group('environment-slow', { environment: down });
    expect(slow.nextFlushAt).toEqual(h.clock);
    expect(await h.flushJob(slow.id, h.clock)).toBeTruthy();
    expect(await h.flush('environment-slow', { environment: down })).toMatchObject({ action: 'OPEN' });
    expect(await h.flush('certificate-expiring', { environment: down })).toMatchObject({ action: 'OPEN' });
  });

  it('leaves a notified alert out once it is inhibited', async () => {
    const env = `env-${newId()}`;
    await h.fire('environment-slow', { environment: env });
    h.advance(WAIT);
    expect(await h.flush('environment-slow', { environment: env })).toMatchObject({ action: 'OPEN' });
    await h.fire('environment-down', { environment: env });
    h.advance(INTERVAL);
    // Still firing but muted: an update says nothing fires that is not muted.
    expect(await h.flush('environment-slow', { environment: env })).toMatchObject({ action: 'UPDATE' });
    const [, update] = await h.notifications('environment-slow', { environment: env });
    expect(update!.subject).toContain('[FIRING:0]');
    expect(update!.markdown).toContain('1 more firing alert(s) of this group are silenced or inhibited');
  });
});

describe('the jobs as the workers run them', () => {
  const context = () => ({
    orm: h.sg.built.orm,
    outbox: h.sg.built.platform.outbox,
    services: h.sg.built.platform.services,
    jobs: h.producer,
    logger: createLogger({ service: 'test', level: 'silent' }),
    job: { id: 'test', queue: 'test', attempt: 1 },
  });

  it('are declared to the workers', () => {
    expect(workProblems([work])).toEqual([]);
    expect(work.jobs.map((j) => j.queue)).toEqual(
      expect.arrayContaining([
        'operations.flush-alert-group',
        'operations.flush-due-alert-groups',
        'operations.resolve-stale-alert',
      ]),
    );
    expect(work.consumers.map((c) => c.name)).toContain('operations.alert-sources');
  });

  it('read the workers’ clock: a group due later than now is left for its timer, enqueued again', async () => {
    const queue = `q-${newId()}`;
    // The harness's clock is ahead of the machine's: to the workers' clock this group is not due.
    await h.fire('queue-backing-up', { queue });
    const group = await h.group('queue-backing-up', { queue });
    await h.producer
      .queue(FLUSH_ALERT_GROUP_JOB.queue)
      .remove(`flush-${group.id}-${group.nextFlushAt!.getTime()}`);
    expect(await FLUSH_ALERT_GROUP_JOB.process({ groupId: group.id }, context())).toEqual({
      status: 'not-due',
    });
    expect(await h.flushJob(group.id, group.nextFlushAt!)).toBeTruthy();
    expect(await FLUSH_ALERT_GROUP_JOB.process({ groupId: newId() }, context())).toEqual({
      status: 'unknown',
    });
    expect(await RESOLVE_STALE_ALERT_JOB.process({ alertId: newId() }, context())).toBe('not-firing');
    expect(await FLUSH_DUE_ALERT_GROUPS_JOB.process({}, context())).toEqual({ due: 0, notified: 0 });
    expect(await h.notifications('queue-backing-up', { queue })).toHaveLength(0);
  });
});
