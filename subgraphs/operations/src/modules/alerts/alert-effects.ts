import type { Alert } from './alert.entity';
import type { AlertWrite } from './alert-sink';

/** How an alert changed: raised, seen again while firing, or resolved. */
export type AlertChange = 'FIRED' | 'REFIRED' | 'RESOLVED';

/**
 * What follows each change of an alert, in the transaction that changed it: the one place where
 * alerting (grouped notifications) and incidents (opened by, and resolved with, their alerts) hook in.
 */
export async function afterAlertChange(_w: AlertWrite, _alert: Alert, _change: AlertChange): Promise<void> {}
