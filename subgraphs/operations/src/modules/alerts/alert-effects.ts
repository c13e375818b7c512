import { alertResolved, openIncidentForAlert } from '../incidents/incident-alerts';
import type { Alert } from './alert.entity';
import { groupAlertChange } from './alert-groups';
import type { AlertWrite } from './alert-sink';

/** How an alert changed: raised, seen again while firing, or resolved. */
export type AlertChange = 'FIRED' | 'REFIRED' | 'RESOLVED';

/**
 * What follows each change of an alert, in the transaction that changed it: the one place where
 * alerting (grouped notifications) and incidents (opened by, and resolved with, their alerts) hook in.
 */
export async function afterAlertChange(w: AlertWrite, alert: Alert, change: AlertChange): Promise<void> {
  // Alerting: the group's notification timers (group-wait, group-interval, inhibited groups).
  await groupAlertChange(w, alert, change);
  await incidentsFollow(w, alert, change);
}

/** Incidents: a critical alert that fires opens (or joins) an incident; a resolved one may resolve it. */
async function incidentsFollow(w: AlertWrite, alert: Alert, change: AlertChange): Promise<void> {
  if (change === 'FIRED' && alert.severity === 'critical') await openIncidentForAlert(w, alert);
  else if (change === 'RESOLVED') await alertResolved(w, alert);
}
