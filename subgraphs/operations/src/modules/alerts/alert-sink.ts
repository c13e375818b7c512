import { createHash } from 'node:crypto';
import { newId } from '@ecp/db/ids';
import type { Outbox } from '@ecp/events/outbox';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { OperationsRuntime } from '../../runtime';
import { type Alert, AlertEntity } from './alert.entity';
import { afterAlertChange } from './alert-effects';
import { ALERT_RULES, type AlertRuleId } from './alert-rules';

/** Where an alert is written: a transaction, its outbox, and the runtime (clock, queues). */
export interface AlertWrite {
  tx: EntityManager;
  outbox: Outbox;
  runtime: OperationsRuntime;
}

/** A condition a rule found: which rule, for what (labels), in one line. */
export interface AlertSignal {
  rule: AlertRuleId;
  labels: Record<string, string>;
  summary: string;
  value?: number | null;
}

/**
 * SHA-256 (hex) of the rule and the labels sorted by name: equal conditions have equal fingerprints
 * whatever order their labels were given in.
 */
export function fingerprintOf(rule: AlertRuleId, labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return createHash('sha256')
    .update(JSON.stringify([rule, sorted]))
    .digest('hex');
}

async function lockByFingerprint(tx: EntityManager, fingerprint: string): Promise<Alert | null> {
  return tx.findOne(AlertEntity, { fingerprint }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
}

/**
 * Raises an alert, or refreshes the one of the same fingerprint: a firing alert seen again is
 * deduplicated (its summary, value and last-seen time move on), a resolved one fires again. Two
 * raisers at once are served one after the other (the row is inserted once, then locked).
 */
export async function fireAlert(w: AlertWrite, signal: AlertSignal): Promise<Alert> {
  const { tx, runtime } = w;
  const rule = ALERT_RULES[signal.rule];
  const fingerprint = fingerprintOf(signal.rule, signal.labels);
  const now = runtime.now();
  await tx.getConnection().execute(
    `insert into operations.alert (id, fingerprint, rule, labels, severity, summary, value, status, starts_at, last_seen_at, runbook)
       values (?, ?, ?, ?::jsonb, ?, ?, ?, 'RESOLVED', ?, ?, ?) on conflict (fingerprint) do nothing`,
    [
      newId(),
      fingerprint,
      signal.rule,
      JSON.stringify(signal.labels),
      rule.severity,
      signal.summary,
      signal.value ?? null,
      now,
      now,
      rule.runbook,
    ],
    'run',
    tx.getTransactionContext(),
  );
  const alert = await lockByFingerprint(tx, fingerprint);
  if (!alert) throw new Error(`alert ${fingerprint} vanished after it was inserted`);
  const change = alert.status === 'FIRING' ? 'REFIRED' : 'FIRED';
  if (change === 'FIRED') {
    alert.status = 'FIRING';
    alert.startsAt = now;
    alert.endsAt = null;
  }
  alert.summary = signal.summary;
  alert.value = signal.value ?? null;
  alert.lastSeenAt = now;
  await tx.flush();
  await afterAlertChange(w, alert, change);
  return alert;
}

/** Resolves the firing alert of this rule and labels; null when none was firing (nothing changes). */
export async function resolveAlert(
  w: AlertWrite,
  rule: AlertRuleId,
  labels: Record<string, string>,
): Promise<Alert | null> {
  const alert = await lockByFingerprint(w.tx, fingerprintOf(rule, labels));
  if (alert?.status !== 'FIRING') return null;
  alert.status = 'RESOLVED';
  alert.endsAt = w.runtime.now();
  await w.tx.flush();
  await afterAlertChange(w, alert, 'RESOLVED');
  return alert;
}
