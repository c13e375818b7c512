import { isUuid } from '@ecp/db/ids';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '@ecp/errors/errors';
import { hasRole } from '@ecp/identity/principal';
import { parseOrRefuse } from '@ecp/service-kit/input-problems';
import { type KeysetPage, timeIdCursor, timeIdKeyset } from '@ecp/service-kit/keyset';
import { z } from 'zod';
import type { OperationsServiceDeps } from '../../context';
import { type Alert, AlertEntity } from '../alerts/alert.entity';
import { takenStep } from './escalation';
import {
  type EscalationPolicy,
  EscalationPolicyEntity,
  INCIDENT_SEVERITIES,
  type Incident,
  type IncidentAlert,
  IncidentAlertEntity,
  IncidentEntity,
  type IncidentEvent,
  IncidentEventEntity,
  type IncidentSeverity,
  type IncidentStatus,
} from './incident.entities';
import { defaultPolicy } from './incident-alerts';
import { acknowledgeIn, openIncidentIn, resolveIn } from './incident-lifecycle';
import {
  type IncidentWrite,
  lockIncident,
  publishIncidentChange,
  recordIncidentEvent,
} from './incident-writes';

export interface OpenIncidentInput {
  title: string;
  severity: IncidentSeverity;
  summary?: string | null;
  alertIds?: readonly string[] | null;
  /** A policy's name or id; omitted: `ESCALATION_DEFAULT_POLICY`, if any. */
  escalationPolicy?: string | null;
}

export interface IncidentFilter {
  status?: IncidentStatus | null;
  severity?: IncidentSeverity | null;
}

/** An incident's escalation as the graph shows it. */
export interface IncidentEscalation {
  policy: string;
  level: number | null;
  round: number;
  nextEscalationAt: Date | null;
}

const text = (max: number) =>
  z.string().trim().min(1, 'must not be blank').max(max, `must be at most ${max} characters`);

const openIncidentSchema = z.object({
  title: text(200),
  severity: z.enum(INCIDENT_SEVERITIES as [IncidentSeverity, ...IncidentSeverity[]]),
  summary: z.string().trim().max(10_000, 'must be at most 10000 characters').nullish(),
  alertIds: z
    .array(z.uuid('must be an alert id'))
    .max(100, 'at most 100 alerts')
    .refine((ids) => new Set(ids).size === ids.length, 'each alert may be listed once')
    .nullish(),
  escalationPolicy: text(100).nullish(),
});

/**
 * Incidents: operators and admins open, acknowledge, resolve and annotate them; analysts read them;
 * critical alerts open and resolve them by themselves (`incident-alerts.ts`). Every change is in the
 * timeline and streams as `incidentUpdated`; escalation runs on delayed jobs while nobody acknowledges.
 */
export class IncidentService {
  constructor(private readonly deps: OperationsServiceDeps) {}

  private requireOperator(what: string): void {
    if (!hasRole(this.deps.principal, 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError(`${what} needs the OPERATOR or ADMIN role.`);
    }
  }

  /** Incidents are for analysts, operators and admins to read; agents get FORBIDDEN. */
  requireReader(): void {
    if (!hasRole(this.deps.principal, 'ANALYST', 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError('Incidents are visible to analysts, operators and admins only.');
    }
  }

  private write<T>(fn: (w: IncidentWrite) => Promise<T>): Promise<T> {
    const { em, outbox, runtime } = this.deps;
    return em.transactional((tx) => fn({ tx, outbox, runtime }));
  }

  /** Opens an incident by hand (OPERATOR/ADMIN), linked to existing alerts, under a policy or the default one. */
  async open(input: OpenIncidentInput): Promise<Incident> {
    this.requireOperator('Opening an incident');
    const valid = parseOrRefuse('Invalid incident', openIncidentSchema, input, 'input');
    const alerts = await this.alertsOf(valid.alertIds ?? []);
    const policy = valid.escalationPolicy
      ? await this.policyNamed(valid.escalationPolicy)
      : await defaultPolicy({ tx: this.deps.em, runtime: this.deps.runtime });
    const incident = await this.write((w) =>
      openIncidentIn(w, {
        title: valid.title,
        severity: valid.severity,
        summary: valid.summary || null,
        openedBy: this.deps.principal.id,
        policy,
        alerts,
      }),
    );
    this.deps.logger.info(
      { incidentId: incident.id, severity: incident.severity, policy: policy?.name ?? null },
      'incident opened',
    );
    return incident;
  }

  private async alertsOf(ids: readonly string[]): Promise<Alert[]> {
    if (ids.length === 0) return [];
    const found = await this.deps.em.find(AlertEntity, { id: { $in: [...ids] } });
    const byId = new Map(found.map((a) => [a.id, a]));
    const problems = ids.flatMap((id, i) =>
      byId.has(id) ? [] : [{ path: `input.alertIds.${i}`, reason: `no alert has id ${id}` }],
    );
    if (problems.length > 0) throw new BadUserInputError('Invalid incident: unknown alerts.', problems);
    return ids.map((id) => byId.get(id)!);
  }

  private async policyNamed(nameOrId: string): Promise<EscalationPolicy> {
    const policy = await this.deps.em.findOne(
      EscalationPolicyEntity,
      isUuid(nameOrId) ? { $or: [{ id: nameOrId }, { name: nameOrId }] } : { name: nameOrId },
    );
    if (!policy) {
      throw new BadUserInputError('Invalid incident: unknown escalation policy.', [
        { path: 'input.escalationPolicy', reason: `no escalation policy is named ${nameOrId}` },
      ]);
    }
    return policy;
  }

  /**
   * Acknowledges an incident (OPERATOR/ADMIN): its escalation stops. Acknowledging an acknowledged
   * incident changes nothing and answers it as it is (two people answering one page both succeed;
   * the first stays its acknowledger); a resolved one is a CONFLICT.
   */
  async acknowledge(id: string): Promise<Incident> {
    this.requireOperator('Acknowledging an incident');
    return this.write(async (w) => {
      const incident = await this.locked(w, id);
      if (incident.status === 'RESOLVED') {
        throw new ConflictError(`Incident ${id} is resolved: there is nothing to acknowledge.`);
      }
      if (incident.status === 'ACKNOWLEDGED') return incident;
      return acknowledgeIn(w, incident, this.deps.principal.id);
    });
  }

  /** Resolves an incident (OPERATOR/ADMIN), with an optional note; resolving it again is a CONFLICT. */
  async resolve(id: string, note?: string | null): Promise<Incident> {
    this.requireOperator('Resolving an incident');
    const validNote = parseOrRefuse(
      'Invalid resolution',
      z.string().trim().max(10_000).nullish(),
      note,
      'note',
    );
    return this.write(async (w) => {
      const incident = await this.locked(w, id);
      if (incident.status === 'RESOLVED') throw new ConflictError(`Incident ${id} is already resolved.`);
      return resolveIn(w, incident, this.deps.principal.id, validNote || null, 'RESOLVED');
    });
  }

  /** Writes (or rewrites) an incident's postmortem (OPERATOR/ADMIN), at any status; the timeline keeps each version. */
  async writePostmortem(id: string, text: string): Promise<Incident> {
    this.requireOperator('Writing a postmortem');
    const valid = parseOrRefuse(
      'Invalid postmortem',
      z.string().trim().min(1, 'must not be blank').max(100_000),
      text,
      'text',
    );
    return this.write(async (w) => {
      const incident = await this.locked(w, id);
      incident.postmortem = valid;
      await w.tx.flush();
      await recordIncidentEvent(w, incident, 'POSTMORTEM', this.deps.principal.id, { text: valid });
      await publishIncidentChange(w, incident, 'POSTMORTEM');
      return incident;
    });
  }

  /** Adds a note to an incident's timeline (OPERATOR/ADMIN), at any status. */
  async addNote(id: string, text: string): Promise<Incident> {
    this.requireOperator('Adding a note to an incident');
    const valid = parseOrRefuse(
      'Invalid note',
      z.string().trim().min(1, 'must not be blank').max(10_000),
      text,
      'text',
    );
    return this.write(async (w) => {
      const incident = await this.locked(w, id);
      await recordIncidentEvent(w, incident, 'NOTE', this.deps.principal.id, { text: valid });
      await publishIncidentChange(w, incident, 'NOTE');
      return incident;
    });
  }

  private async locked(w: IncidentWrite, id: string): Promise<Incident> {
    const incident = isUuid(id) ? await lockIncident(w.tx, id) : null;
    if (!incident) throw new NotFoundError(`No incident has id ${id}.`);
    return incident;
  }

  /** An incident by id (readers); unknown is NOT_FOUND. */
  async get(id: string): Promise<Incident> {
    this.requireReader();
    const incident = isUuid(id) ? await this.deps.em.findOne(IncidentEntity, { id }) : null;
    if (!incident) throw new NotFoundError(`No incident has id ${id}.`);
    return incident;
  }

  /** An incident for `_entities` (the gateway fetching an `incidentUpdated` event's incident); null when unknown. */
  async findForReference(id: string): Promise<Incident | null> {
    this.requireReader();
    return isUuid(id) ? this.deps.em.findOne(IncidentEntity, { id }) : null;
  }

  /** Incidents, newest first (readers). */
  async list(filter: IncidentFilter, page: KeysetPage): Promise<Incident[]> {
    this.requireReader();
    const { where, orderBy } = timeIdKeyset('openedAt', page, 'newest-first');
    if (filter.status) where.push({ status: filter.status });
    if (filter.severity) where.push({ severity: filter.severity });
    return this.deps.em.find(IncidentEntity, { $and: where }, { orderBy, limit: page.limit });
  }

  /** Its timeline, oldest first. */
  timeline(incident: Incident): Promise<IncidentEvent[]> {
    return this.deps.em.find(IncidentEventEntity, { incidentId: incident.id }, { orderBy: { id: 'asc' } });
  }

  /** The alerts linked to it, in the order linked. */
  alerts(incident: Incident): Promise<IncidentAlert[]> {
    return this.deps.em.find(
      IncidentAlertEntity,
      { incidentId: incident.id },
      { orderBy: { linkedAt: 'asc', alertId: 'asc' } },
    );
  }

  /** Its escalation (null without a policy). */
  async escalation(incident: Incident): Promise<IncidentEscalation | null> {
    if (!incident.escalationPolicyId) return null;
    const policy = await this.deps.em.findOne(EscalationPolicyEntity, { id: incident.escalationPolicyId });
    const taken = takenStep(incident);
    return {
      policy: policy?.name ?? incident.escalationPolicyId,
      level: taken?.level ?? null,
      round: incident.escalationRound,
      nextEscalationAt: incident.status === 'OPEN' ? (incident.nextEscalationAt ?? null) : null,
    };
  }

  static cursorOf(incident: Incident): string {
    return timeIdCursor(incident.openedAt, incident.id);
  }
}
