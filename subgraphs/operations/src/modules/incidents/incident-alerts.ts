import type { Alert } from '../alerts/alert.entity';
import { ALERT_RULES, isAlertRuleId } from '../alerts/alert-rules';
import type { AlertWrite } from '../alerts/alert-sink';
import { type EscalationPolicy, EscalationPolicyEntity, SYSTEM_ACTOR } from './incident.entities';
import { linkAlertIn, openIncidentIn, resolveIn } from './incident-lifecycle';
import { lockIncident, publishIncidentChange, recordIncidentEvent } from './incident-writes';

/** The severity of an incident a critical alert opens: the worst, as nobody has looked at it yet. */
export const ALERT_INCIDENT_SEVERITY = 'SEV1';

/**
 * A critical alert fired: it opens an incident linked to it (escalated under the default policy,
 * `ESCALATION_DEFAULT_POLICY`), unless an incident not yet resolved already links its fingerprint;
 * then the alert is linked to that one again. Runs in the alert's transaction (the alert row is
 * locked, so one fingerprint's changes come one at a time).
 */
export async function openIncidentForAlert(w: AlertWrite, alert: Alert): Promise<void> {
  const [linked] = await w.tx.getConnection().execute<{ id: string }[]>(
    `select i.id from operations.incident i join operations.incident_alert l on l.incident_id = i.id
      where l.fingerprint = ? and i.status <> 'RESOLVED' order by i.opened_at desc, i.id desc limit 1`,
    [alert.fingerprint],
    'all',
    w.tx.getTransactionContext(),
  );
  if (linked) {
    const incident = await lockIncident(w.tx, linked.id);
    if (incident && incident.status !== 'RESOLVED') {
      await linkAlertIn(w, incident, alert, SYSTEM_ACTOR);
      await publishIncidentChange(w, incident, 'ALERT_LINKED');
      return;
    }
  }
  const rule = isAlertRuleId(alert.rule) ? ALERT_RULES[alert.rule] : null;
  const labels = Object.entries(alert.labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const title = `${rule?.title ?? alert.rule}${labels ? ` (${labels})` : ''}`.slice(0, 200);
  await openIncidentIn(w, {
    title,
    severity: ALERT_INCIDENT_SEVERITY,
    summary: `${alert.summary}\n\nRunbook: ${alert.runbook}`,
    openedBy: SYSTEM_ACTOR,
    policy: await defaultPolicy(w),
    alerts: [alert],
  });
}

/**
 * An alert resolved: its links are marked resolved, each incident not yet resolved records it, and an
 * incident whose every linked alert is now resolved resolves by itself (AUTO_RESOLVED).
 */
export async function alertResolved(w: AlertWrite, alert: Alert): Promise<void> {
  const sql = w.tx.getConnection();
  const links = await sql.execute<{ incident_id: string }[]>(
    `update operations.incident_alert set resolved_at = ? where alert_id = ? and resolved_at is null
       returning incident_id`,
    [alert.endsAt ?? w.runtime.now(), alert.id],
    'all',
    w.tx.getTransactionContext(),
  );
  const incidentIds = [...new Set(links.map((l) => l.incident_id))].sort();
  for (const id of incidentIds) {
    const incident = await lockIncident(w.tx, id);
    if (!incident || incident.status === 'RESOLVED') continue;
    await recordIncidentEvent(w, incident, 'ALERT_RESOLVED', SYSTEM_ACTOR, {
      alertId: alert.id,
      fingerprint: alert.fingerprint,
      rule: alert.rule,
    });
    const [firing] = await sql.execute<{ n: string }[]>(
      'select count(*) as n from operations.incident_alert where incident_id = ? and resolved_at is null',
      [id],
      'all',
      w.tx.getTransactionContext(),
    );
    if (Number(firing?.n) === 0) {
      await resolveIn(w, incident, SYSTEM_ACTOR, 'Every linked alert resolved.', 'AUTO_RESOLVED');
    } else {
      await publishIncidentChange(w, incident, 'ALERT_RESOLVED');
    }
  }
}

/** The policy named by `ESCALATION_DEFAULT_POLICY`, when it is set and defined. */
export async function defaultPolicy(w: Pick<AlertWrite, 'tx' | 'runtime'>): Promise<EscalationPolicy | null> {
  const name = w.runtime.settings.ESCALATION_DEFAULT_POLICY;
  return name ? w.tx.findOne(EscalationPolicyEntity, { name }) : null;
}
