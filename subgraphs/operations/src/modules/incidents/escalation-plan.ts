import type { EscalationLevel } from './incident.entities';

/** What an escalation follows: a policy's levels, how often it starts over, and the pause before it does. */
export interface EscalationPlan {
  levels: readonly EscalationLevel[];
  repeat: number;
  repeatAfterMinutes: number;
}

/** One step of an escalation: a level of a round (round 0 is the first pass, up to `repeat`). */
export interface EscalationStep {
  level: number;
  round: number;
}

const MINUTE_MS = 60_000;

/** How long one round lasts: up to its last level, then the pause before the next round. */
export function roundMinutes(plan: EscalationPlan): number {
  const last = plan.levels[plan.levels.length - 1];
  return (last?.afterMinutes ?? 0) + plan.repeatAfterMinutes;
}

/**
 * When a step is due: the incident's opening, plus the rounds before, plus the level's
 * `afterMinutes`. Computed from the incident and the policy alone, so a timer that fires early or
 * twice finds the same answer.
 */
export function stepDueAt(plan: EscalationPlan, openedAt: Date, step: EscalationStep): Date {
  const level = plan.levels[step.level];
  if (!level) throw new Error(`the escalation has no level ${step.level}`);
  const minutes = step.round * roundMinutes(plan) + level.afterMinutes;
  return new Date(openedAt.getTime() + minutes * MINUTE_MS);
}

/** The first step of every escalation. */
export const FIRST_STEP: EscalationStep = { level: 0, round: 0 };

/** The step after this one: the next level, else the first level of the next round, else none. */
export function stepAfter(plan: EscalationPlan, step: EscalationStep): EscalationStep | null {
  if (step.level + 1 < plan.levels.length) return { level: step.level + 1, round: step.round };
  if (step.round < plan.repeat) return { level: 0, round: step.round + 1 };
  return null;
}

/** The step to take next, after the last one taken (null: none taken yet). */
export function nextStep(plan: EscalationPlan, taken: EscalationStep | null): EscalationStep | null {
  return taken ? stepAfter(plan, taken) : FIRST_STEP;
}

/**
 * The channels told so far once this step was taken (every level's in a later round), in the
 * policy's order without repeats: those an acknowledgement or the resolution is sent to.
 */
export function channelsNotifiedBy(plan: EscalationPlan, taken: EscalationStep | null): string[] {
  if (!taken) return [];
  const upTo = taken.round > 0 ? plan.levels.length - 1 : taken.level;
  return [...new Set(plan.levels.slice(0, upTo + 1).flatMap((l) => l.channels))];
}

export function sameStep(a: EscalationStep | null, b: EscalationStep | null): boolean {
  return a?.level === b?.level && a?.round === b?.round;
}
