import { BadUserInputError, ForbiddenError } from '@ecp/errors/errors';
import { hasRole } from '@ecp/identity/principal';
import { type KeysetPage, timeIdCursor, timeIdKeyset } from '@ecp/service-kit/keyset';
import type { OperationsServiceDeps } from '../../context';
import { type Alert, AlertEntity, type AlertSeverity, type AlertStatus } from './alert.entity';
import { type Muting, MutingSnapshot } from './alert-muting';
import { ALERT_RULE_IDS, isAlertRuleId } from './alert-rules';

export interface AlertFilter {
  status?: AlertStatus | null;
  rule?: string | null;
  severity?: AlertSeverity | null;
}

/** Reading alerts: for analysts, operators and admins; never for agents. */
export class AlertService {
  private muting: Promise<MutingSnapshot> | undefined;

  constructor(private readonly deps: Pick<OperationsServiceDeps, 'em' | 'principal' | 'runtime'>) {}

  private requireReader(): void {
    if (!hasRole(this.deps.principal, 'ANALYST', 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError('Alerts are visible to analysts, operators and admins.');
    }
  }

  /** Alerts, newest first (by when they started firing), narrowed by the filter. */
  async list(filter: AlertFilter, page: KeysetPage): Promise<Alert[]> {
    this.requireReader();
    if (filter.rule && !isAlertRuleId(filter.rule)) {
      throw new BadUserInputError('Unknown alert rule.', [
        { path: 'filter.rule', reason: `must be one of ${ALERT_RULE_IDS.join(', ')}` },
      ]);
    }
    const { where, orderBy } = timeIdKeyset('startsAt', page, 'newest-first');
    const conditions: Record<string, unknown>[] = [...where];
    if (filter.status) conditions.push({ status: filter.status });
    if (filter.rule) conditions.push({ rule: filter.rule });
    if (filter.severity) conditions.push({ severity: filter.severity });
    return this.deps.em.find(AlertEntity, { $and: conditions }, { orderBy, limit: page.limit });
  }

  /** What mutes the alert now (silences in force, inhibiting alerts), read once per request. */
  async mutingOf(alert: Alert): Promise<Muting> {
    this.muting ??= MutingSnapshot.load(this.deps.em, this.deps.runtime.now());
    return (await this.muting).of(alert);
  }

  static cursorOf(alert: Alert): string {
    return timeIdCursor(alert.startsAt, alert.id);
  }
}
