import { createHash } from 'node:crypto';
import { newId } from '@ecp/db/ids';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { OperationsRuntime } from '../../runtime';
import type { ThreadAction } from '../delivery/notification.entity';
import { notify } from '../delivery/notifier';
import { type Alert, AlertEntity } from './alert.entity';
import { FLUSH_ALERT_GROUP_JOB } from './alert.jobs';
import { type AlertGroup, AlertGroupEntity } from './alert-group.entity';
import { MutingSnapshot } from './alert-muting';
import { ALERT_RULES, type AlertRuleId, isAlertRuleId } from './alert-rules';
import { alertTimings } from './alert-timings';
import { inhibitionsBy } from './inhibition';

/** Where grouping writes: a transaction and the runtime (clock, queues, timers). */
export interface GroupWrite {
  tx: EntityManager;
  runtime: OperationsRuntime;
}

/** Most alerts one notification lists by name in each section; the rest are counted. */
export const MAX_LISTED_ALERTS = 50;

/** The values of the rule's group-by labels (a missing label is the empty string, as in Alertmanager). */
export function groupLabelsOf(rule: string, labels: Record<string, string>): Record<string, string> {
  const groupBy = isAlertRuleId(rule) ? ALERT_RULES[rule].groupBy : [];
  return Object.fromEntries(groupBy.map((name) => [name, labels[name] ?? '']));
}

/** The group's name: its rule and group-by label values, e.g. `environment-down{environment="prod"}`. */
export function groupKeyOf(rule: string, labels: Record<string, string>): string {
  const groupLabels = groupLabelsOf(rule, labels);
  const pairs = Object.keys(groupLabels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(groupLabels[name])}`);
  return `${rule}{${pairs.join(',')}}`;
}

/** The notification thread of a group: one GitHub issue per group. */
export function threadKeyOf(group: Pick<AlertGroup, 'groupKey'>): string {
  return `alert-group:${group.groupKey}`;
}

async function lockGroup(tx: EntityManager, where: { id: string } | { groupKey: string }) {
  return tx.findOne(AlertGroupEntity, where, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
}

/** The group of an alert, created when it is the first of its group, locked for this transaction. */
export async function lockGroupOf(w: GroupWrite, alert: Pick<Alert, 'rule' | 'labels'>): Promise<AlertGroup> {
  const groupKey = groupKeyOf(alert.rule, alert.labels);
  // Nearly always there: one statement. The first alert of a group inserts it (once, whoever races).
  const existing = await lockGroup(w.tx, { groupKey });
  if (existing) return existing;
  await w.tx.getConnection().execute(
    `insert into operations.alert_group (id, group_key, rule, group_labels, created_at)
         values (?, ?, ?, ?::jsonb, ?) on conflict (group_key) do nothing`,
    [newId(), groupKey, alert.rule, JSON.stringify(groupLabelsOf(alert.rule, alert.labels)), w.runtime.now()],
    'run',
    w.tx.getTransactionContext(),
  );
  const group = await lockGroup(w.tx, { groupKey });
  if (!group) throw new Error(`alert group ${groupKey} vanished after it was inserted`);
  return group;
}

/**
 * Moves the group's next flush to `due` when that is earlier than the one pending, and enqueues its
 * timer. The job id is the group and the due time, so enqueuing the same timer twice is one job; an
 * earlier timer left behind finds the group not due, or due and flushes it (both harmless).
 */
export async function scheduleFlush(w: GroupWrite, group: AlertGroup, due: Date): Promise<void> {
  if (group.nextFlushAt && group.nextFlushAt.getTime() <= due.getTime()) return;
  group.nextFlushAt = due;
  await w.tx.flush();
  await enqueueFlush(w.runtime, group.id, due);
}

async function enqueueFlush(runtime: OperationsRuntime, groupId: string, due: Date): Promise<void> {
  await runtime.jobs.enqueue(
    FLUSH_ALERT_GROUP_JOB,
    { groupId },
    { delayMs: Math.max(0, due.getTime() - runtime.now().getTime()), jobId: flushJobId(groupId, due) },
  );
}

/** The flush timer's job id: one job per group and due time. */
export function flushJobId(groupId: string, due: Date): string {
  return `flush-${groupId}-${due.getTime()}`;
}

/**
 * When a change of the group (an alert firing, resolving, or no longer muted at `at`) is to be told:
 * a new group waits group-wait to gather its first alerts; a group whose thread is open hears at most
 * once per group-interval.
 */
export function changeDue(w: GroupWrite, group: AlertGroup, at: Date, waitFirst = true): Date {
  const t = alertTimings(w.runtime.settings);
  if (group.threadOpen && group.lastNotifiedAt) {
    return new Date(Math.max(at.getTime(), group.lastNotifiedAt.getTime() + t.groupIntervalMs));
  }
  return new Date(at.getTime() + (waitFirst ? t.groupWaitMs : 0));
}

/**
 * Grouping's part after an alert changed: its group's flush is scheduled (group-wait for a new group,
 * group-interval after the last notification otherwise), and, when the alert is the source of an
 * inhibition, the groups of the alerts it mutes or releases too. A repeat of a firing alert changes
 * nothing that is notified: it costs nothing here.
 */
export async function groupAlertChange(
  w: GroupWrite,
  alert: Alert,
  change: 'FIRED' | 'REFIRED' | 'RESOLVED',
): Promise<void> {
  if (change === 'REFIRED') return;
  const now = w.runtime.now();
  const group = await lockGroupOf(w, alert);
  await scheduleFlush(w, group, changeDue(w, group, now));
  for (const inhibition of inhibitionsBy(alert.rule)) {
    const equal = Object.fromEntries(inhibition.equal.map((name) => [name, alert.labels[name] ?? '']));
    const muted = await w.tx.find(
      AlertEntity,
      { rule: { $in: [...inhibition.targets] }, status: 'FIRING', labels: equal },
      { fields: ['rule', 'labels'] },
    );
    for (const key of new Set(muted.map((a) => groupKeyOf(a.rule, a.labels)))) {
      const target = await lockGroup(w.tx, { groupKey: key });
      if (target) await scheduleFlush(w, target, changeDue(w, target, now, false));
    }
  }
}

/** Schedules the groups of the firing alerts matching `where` for when they stop being muted at `at`. */
export async function scheduleUnmuted(
  w: GroupWrite,
  alerts: readonly Pick<Alert, 'rule' | 'labels'>[],
  at: Date,
): Promise<number> {
  const keys = [...new Set(alerts.map((a) => groupKeyOf(a.rule, a.labels)))].sort();
  for (const key of keys) {
    const group = await lockGroup(w.tx, { groupKey: key });
    if (group) await scheduleFlush(w, group, changeDue(w, group, at, false));
  }
  return keys.length;
}

/** What one run of the flush did. */
export type FlushOutcome =
  | { status: 'nothing-due' | 'not-due' | 'unknown' }
  | {
      status: 'flushed';
      action: ThreadAction | null;
      notificationId: string | null;
      nextFlushAt: Date | null;
    };

/** The alerts of a group: its firing ones, and those it last notified (to tell which resolved). */
async function alertsOf(tx: EntityManager, group: AlertGroup): Promise<Alert[]> {
  const labelled = Object.fromEntries(Object.entries(group.groupLabels).filter(([, v]) => v !== ''));
  const candidates = await tx.find(
    AlertEntity,
    {
      rule: group.rule,
      ...(Object.keys(labelled).length ? { labels: labelled } : {}),
      $or: [{ status: 'FIRING' }, { id: { $in: group.notifiedAlertIds } }],
    },
    { orderBy: { startsAt: 'asc', id: 'asc' } },
  );
  return candidates.filter((a) => groupKeyOf(a.rule, a.labels) === group.groupKey);
}

/** SHA-256 of the alerts told as firing: each alert's id and start (a refired alert is a new one). */
export function digestOf(alerts: readonly Alert[]): string {
  const items = alerts.map((a) => `${a.id}@${a.startsAt.toISOString()}`).sort();
  return createHash('sha256').update(JSON.stringify(items)).digest('hex');
}

/**
 * Flushes a group: recomputes from the rows what it should tell now and tells it, if its time has
 * come (`nextFlushAt` passed). Safe to run early (nothing happens; its timer is enqueued again), late
 * (what is told is what holds now) or twice (the group is locked, the second run finds it not due,
 * and the notification's idempotency key is the group and the due time).
 *
 * Told: the first notification of a group opens its thread (OPEN) after group-wait; a change (alerts
 * firing or resolving) is told (UPDATE) at most once per group-interval; an unchanged firing group is
 * reminded every repeat-interval; when every alert of the group resolved, the resolve notice (CLOSE).
 * Silenced and inhibited alerts are left out; when a silence ends the group is flushed again.
 */
export async function flushAlertGroup(
  em: EntityManager,
  runtime: OperationsRuntime,
  groupId: string,
): Promise<FlushOutcome> {
  return em.transactional(async (tx) => {
    const group = await lockGroup(tx, { id: groupId });
    if (!group) return { status: 'unknown' };
    const now = runtime.now();
    if (!group.nextFlushAt) return { status: 'nothing-due' };
    if (group.nextFlushAt.getTime() > now.getTime()) {
      await enqueueFlush(runtime, group.id, group.nextFlushAt);
      return { status: 'not-due' };
    }
    const due = group.nextFlushAt;
    const t = alertTimings(runtime.settings);
    const alerts = await alertsOf(tx, group);
    const muting = await MutingSnapshot.load(tx, now);
    const firing = alerts.filter((a) => muting.notifiable(a));
    const anyFiring = alerts.some((a) => a.status === 'FIRING');
    const resolved = alerts.filter((a) => a.status === 'RESOLVED' && group.notifiedAlertIds.includes(a.id));
    const digest = digestOf(firing);
    const changed = digest !== group.lastDigest;
    const last = group.lastNotifiedAt?.getTime() ?? Number.NEGATIVE_INFINITY;
    const intervalPassed = now.getTime() >= last + t.groupIntervalMs;

    let action: ThreadAction | null = null;
    let deferredTo: number | null = null;
    if (firing.length > 0) {
      if (!group.threadOpen) action = 'OPEN';
      else if (changed) {
        if (intervalPassed) action = 'UPDATE';
        else deferredTo = last + t.groupIntervalMs;
      } else if (now.getTime() >= last + t.repeatIntervalMs) action = 'UPDATE';
    } else if (group.threadOpen && (!anyFiring || changed)) {
      if (intervalPassed) action = anyFiring ? 'UPDATE' : 'CLOSE';
      else deferredTo = last + t.groupIntervalMs;
    }

    let notificationId: string | null = null;
    if (action) {
      const written = await notify(
        { tx, runtime },
        {
          kind: 'ALERT',
          ...renderGroupNotification(
            group,
            firing,
            resolved,
            action,
            alerts.length - firing.length - resolved.length,
          ),
          threadKey: threadKeyOf(group),
          action,
          channels: 'ALL',
          idempotencyKey: `alert-group:${group.id}:${due.getTime()}`,
        },
      );
      notificationId = written.notificationId;
      if (action === 'OPEN') group.firstNotifiedAt = now;
      group.lastNotifiedAt = now;
      group.threadOpen = action !== 'CLOSE';
      group.lastDigest = action === 'CLOSE' ? null : digest;
      group.notifiedAlertIds = action === 'CLOSE' ? [] : firing.map((a) => a.id);
    }

    const candidates: number[] = [];
    if (deferredTo !== null) candidates.push(deferredTo);
    if (group.threadOpen && firing.length > 0 && group.lastNotifiedAt) {
      candidates.push(group.lastNotifiedAt.getTime() + t.repeatIntervalMs);
    }
    // Alerts muted by silences only come back when the silences end: flush then.
    for (const alert of alerts) {
      const m = muting.of(alert);
      if (alert.status !== 'FIRING' || m.silencedBy.length === 0 || m.inhibitedBy.length > 0) continue;
      const end = Math.max(...m.silencedBy.map((s) => s.endsAt.getTime()));
      const notBefore =
        group.threadOpen && group.lastNotifiedAt ? group.lastNotifiedAt.getTime() + t.groupIntervalMs : 0;
      candidates.push(Math.max(end, notBefore));
    }
    const next = candidates.length ? new Date(Math.max(Math.min(...candidates), now.getTime())) : null;
    group.nextFlushAt = next;
    await tx.flush();
    if (next) await enqueueFlush(runtime, group.id, next);
    return { status: 'flushed', action, notificationId, nextFlushAt: next };
  });
}

/** The groups whose flush is due at `now`, oldest due first (the sweep behind the timers). */
export async function dueGroups(em: EntityManager, now: Date, limit: number): Promise<string[]> {
  const rows = await em.find(
    AlertGroupEntity,
    { nextFlushAt: { $lte: now } },
    { fields: ['id'], orderBy: { nextFlushAt: 'asc' }, limit },
  );
  return rows.map((r) => r.id);
}

function labelText(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`)
    .join(', ');
}

function alertLine(a: Alert, resolved: boolean): string {
  const when = resolved
    ? `since ${a.startsAt.toISOString()}, resolved ${a.endsAt?.toISOString() ?? ''}`
    : `since ${a.startsAt.toISOString()}`;
  const value = a.value === null || a.value === undefined ? '' : ` (value ${a.value})`;
  return `- **${a.summary}**${value}: \`${labelText(a.labels)}\`, ${when}, runbook [${a.runbook}](${a.runbook})`;
}

function section(title: string, alerts: readonly Alert[], resolved: boolean): string[] {
  if (alerts.length === 0) return [];
  const lines = [`### ${title} (${alerts.length})`, ''];
  lines.push(...alerts.slice(0, MAX_LISTED_ALERTS).map((a) => alertLine(a, resolved)));
  if (alerts.length > MAX_LISTED_ALERTS) lines.push(`- … and ${alerts.length - MAX_LISTED_ALERTS} more`);
  lines.push('');
  return lines;
}

/** Subject and Markdown of a group's notification: its firing alerts, and those resolved since the last. */
export function renderGroupNotification(
  group: Pick<AlertGroup, 'groupKey' | 'rule'>,
  firing: readonly Alert[],
  resolved: readonly Alert[],
  action: ThreadAction,
  muted: number,
): { subject: string; markdown: string } {
  const rule = isAlertRuleId(group.rule) ? ALERT_RULES[group.rule as AlertRuleId] : null;
  const state = action === 'CLOSE' ? 'RESOLVED' : `FIRING:${firing.length}`;
  const subject = `[${state}] ${group.groupKey}`;
  const lines = [
    action === 'CLOSE'
      ? `**Resolved**: every alert of \`${group.groupKey}\` resolved.`
      : `**${rule?.title ?? group.rule}** (${rule?.severity ?? 'warning'})`,
    '',
    ...section('Firing', firing, false),
    ...section('Resolved', resolved, true),
  ];
  if (muted > 0) lines.push(`${muted} more firing alert(s) of this group are silenced or inhibited.`, '');
  if (rule) lines.push(`Runbook: [${rule.runbook}](${rule.runbook})`);
  return { subject, markdown: lines.join('\n').trimEnd() };
}
