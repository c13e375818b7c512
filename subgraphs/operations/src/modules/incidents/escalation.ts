import type { Outbox } from '@ecp/events/outbox';
import { defineJob } from '@ecp/jobs/job-definition';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { type OperationsRuntime, runtimeOf } from '../../runtime';
import {
  channelsNotifiedBy,
  type EscalationPlan,
  type EscalationStep,
  FIRST_STEP,
  nextStep,
  sameStep,
  stepAfter,
  stepDueAt,
} from './escalation-plan';
import { type Incident, IncidentEntity, SYSTEM_ACTOR } from './incident.entities';
import {
  type IncidentWrite,
  incidentPlan,
  lockIncident,
  notifyAboutIncident,
  publishIncidentChange,
  recordIncidentEvent,
} from './incident-writes';

const escalationData = z.object({
  incidentId: z.uuid(),
  level: z.number().int().min(0),
  round: z.number().int().min(0),
});

export type EscalationJobData = z.infer<typeof escalationData>;

/** The timer's id: one per incident, level and round, so that enqueuing a step twice queues it once. */
export function escalationJobId(incidentId: string, step: EscalationStep): string {
  return `escalate-${incidentId}-${step.level}-${step.round}`;
}

/** The last step the incident's escalation took; null before its first. */
export function takenStep(incident: Incident): EscalationStep | null {
  return incident.escalationLevel === null || incident.escalationLevel === undefined
    ? null
    : { level: incident.escalationLevel, round: incident.escalationRound };
}

/** What a step of an escalation did. */
export type StepOutcome = 'escalated' | 'not-due';

/**
 * Takes a step of a locked, OPEN incident's escalation when it is due by the runtime's clock: tells
 * the level's channels (OPEN on the thread for those told for the first time, UPDATE for the others),
 * moves the incident's escalation state on, and sets the timer of the step after it. A step not due
 * yet sets its timer for the time left instead (`requeue`: a timer that fired early, so under another
 * id than its own, which is still running).
 */
export async function takeEscalationStep(
  w: IncidentWrite,
  incident: Incident,
  plan: EscalationPlan,
  step: EscalationStep,
  timer: 'first' | 'requeue',
): Promise<StepOutcome> {
  const now = w.runtime.now();
  const due = stepDueAt(plan, incident.openedAt, step);
  if (due.getTime() > now.getTime()) {
    incident.nextEscalationAt = due;
    await w.tx.flush();
    const id = escalationJobId(incident.id, step);
    await enqueueStep(
      w,
      incident.id,
      step,
      due.getTime() - now.getTime(),
      timer === 'first' ? id : `${id}-at-${now.getTime()}`,
    );
    return 'not-due';
  }
  const told = channelsNotifiedBy(plan, takenStep(incident));
  const channels = plan.levels[step.level]?.channels ?? [];
  incident.escalationLevel = step.level;
  incident.escalationRound = step.round;
  const next = stepAfter(plan, step);
  const nextDue = next ? stepDueAt(plan, incident.openedAt, next) : null;
  incident.nextEscalationAt = nextDue;
  await w.tx.flush();
  if (!sameStep(step, FIRST_STEP)) {
    await recordIncidentEvent(w, incident, 'ESCALATED', SYSTEM_ACTOR, { ...step, channels });
  }
  const reason = { kind: 'ESCALATION' as const, ...step };
  const key = `incident:${incident.id}:escalation:${step.level}:${step.round}`;
  await notifyAboutIncident(w, incident, reason, {
    channels: channels.filter((c) => !told.includes(c)),
    action: 'OPEN',
    idempotencyKey: `${key}:open`,
  });
  await notifyAboutIncident(w, incident, reason, {
    channels: channels.filter((c) => told.includes(c)),
    action: 'UPDATE',
    idempotencyKey: `${key}:update`,
  });
  if (next && nextDue) {
    const delayMs = Math.max(0, nextDue.getTime() - now.getTime());
    await enqueueStep(w, incident.id, next, delayMs, escalationJobId(incident.id, next));
  }
  return 'escalated';
}

async function enqueueStep(
  w: IncidentWrite,
  incidentId: string,
  step: EscalationStep,
  delayMs: number,
  jobId: string,
): Promise<void> {
  await w.runtime.jobs.enqueue(ESCALATE_INCIDENT_JOB, { incidentId, ...step }, { delayMs, jobId });
}

/** What an escalation timer did. */
export type EscalationOutcome = StepOutcome | 'stopped' | 'stale' | 'unknown';

/**
 * An escalation timer, as its job runs it: re-reads the incident (locked) and takes the step when the
 * incident is still OPEN, the step is the one its escalation waits for, and it is due. Acknowledged or
 * resolved: stopped. Another step than the one waited for (a duplicate, or one already taken): stale.
 */
export async function escalateIncident(
  w: IncidentWrite,
  data: EscalationJobData,
): Promise<EscalationOutcome> {
  const incident = await lockIncident(w.tx, data.incidentId);
  if (!incident) return 'unknown';
  if (incident.status !== 'OPEN') return 'stopped';
  const plan = await incidentPlan(w.tx, incident);
  if (!plan) return 'stopped';
  const step = { level: data.level, round: data.round };
  if (!sameStep(nextStep(plan, takenStep(incident)), step)) return 'stale';
  const outcome = await takeEscalationStep(w, incident, plan, step, 'requeue');
  if (outcome === 'escalated') await publishIncidentChange(w, incident, 'ESCALATED');
  return outcome;
}

/**
 * An incident's escalation timer (`operations.escalate-incident`): data is the incident's id and the
 * step (level, round) it is for; its job id is made of those, so a step is queued once. Enqueued
 * delayed to the step's time when the step before it is taken (the first at the incident's opening).
 */
export const ESCALATE_INCIDENT_JOB = defineJob({
  queue: 'operations.escalate-incident',
  data: escalationData,
  async process(data, context) {
    const { outbox, logger } = context;
    if (!outbox) throw new Error('incident escalation publishes incidentUpdated: its outbox is missing');
    const runtime = runtimeOf(context);
    const outcome = await context.orm.em
      .fork()
      .transactional((tx) => escalateIncident({ tx, outbox, runtime }, data));
    if (outcome === 'escalated') logger.info({ ...data }, 'incident escalated');
    return outcome;
  },
  retry: { attempts: 10, backoff: { type: 'exponential', delayMs: 1_000 } },
});

/** How often the sweep looks for open incidents whose next step is past due (a timer lost with its Redis, say). */
export const ESCALATE_DUE_INCIDENTS_EVERY_MS = 60_000;

/**
 * The safety net behind the escalation timers: takes the next step of every OPEN incident whose
 * `nextEscalationAt` has passed by the runtime's clock (the timer of that step, if it still comes,
 * then finds it taken and does nothing). Each incident in its own transaction.
 */
export async function escalateDueIncidents(
  em: EntityManager,
  outbox: Outbox,
  runtime: OperationsRuntime,
): Promise<{ escalated: number }> {
  const due = await em
    .fork()
    .find(
      IncidentEntity,
      { status: 'OPEN', nextEscalationAt: { $lte: runtime.now() } },
      { fields: ['id'], limit: 500, orderBy: { nextEscalationAt: 'asc' } },
    );
  let escalated = 0;
  for (const { id } of due) {
    const outcome = await em.fork().transactional(async (tx) => {
      const w = { tx, outbox, runtime };
      const incident = await lockIncident(tx, id);
      if (incident?.status !== 'OPEN') return 'stopped';
      const plan = await incidentPlan(tx, incident);
      const step = plan && nextStep(plan, takenStep(incident));
      if (!plan || !step) return 'stopped';
      const taken = await takeEscalationStep(w, incident, plan, step, 'first');
      if (taken === 'escalated') await publishIncidentChange(w, incident, 'ESCALATED');
      return taken;
    });
    if (outcome === 'escalated') escalated++;
  }
  return { escalated };
}

/** Runs the sweep every minute (`operations.escalate-due-incidents`). */
export const ESCALATE_DUE_INCIDENTS_JOB = defineJob({
  queue: 'operations.escalate-due-incidents',
  data: z.object({}),
  async process(_data, context) {
    const { outbox, logger } = context;
    if (!outbox) throw new Error('incident escalation publishes incidentUpdated: its outbox is missing');
    const result = await escalateDueIncidents(context.orm.em, outbox, runtimeOf(context));
    if (result.escalated > 0) logger.warn(result, 'escalated incidents whose timers had not fired');
    return result;
  },
  scheduler: { id: 'operations.escalate-due-incidents', everyMs: ESCALATE_DUE_INCIDENTS_EVERY_MS, data: {} },
});
