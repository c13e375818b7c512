import { newId } from '@ecp/db/ids';
import { BadUserInputError, ConflictError, ForbiddenError } from '@ecp/errors/errors';
import { hasRole } from '@ecp/identity/principal';
import { parseOrRefuse } from '@ecp/service-kit/input-problems';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { z } from 'zod';
import type { OperationsServiceDeps } from '../../context';
import { ChannelEntity } from '../delivery/channel.entity';
import { type EscalationPolicy, EscalationPolicyEntity } from './incident.entities';

export interface DefineEscalationPolicyInput {
  name: string;
  levels: readonly { afterMinutes: number; channels: readonly string[] }[];
  repeat?: number | null;
  repeatAfterMinutes?: number | null;
}

/** Most levels a policy has, most rounds it repeats, and the pause before a round starts over by default. */
export const MAX_ESCALATION_LEVELS = 10;
export const MAX_ESCALATION_REPEAT = 10;
export const DEFAULT_REPEAT_AFTER_MINUTES = 30;

const MINUTES_A_WEEK = 7 * 24 * 60;

const policySchema = z.object({
  name: z.string().trim().min(1, 'must not be blank').max(100, 'must be at most 100 characters'),
  levels: z
    .array(
      z.object({
        afterMinutes: z.number().int('must be whole minutes').min(0, 'must be 0 or more').max(MINUTES_A_WEEK),
        channels: z
          .array(z.string().trim().min(1, 'must be a channel name'))
          .min(1, 'must name at least one channel')
          .max(20, 'at most 20 channels')
          .refine((c) => new Set(c).size === c.length, 'each channel may be named once'),
      }),
    )
    .min(1, 'must have at least one level')
    .max(MAX_ESCALATION_LEVELS, `at most ${MAX_ESCALATION_LEVELS} levels`),
  repeat: z.number().int().min(0, 'must be 0 or more').max(MAX_ESCALATION_REPEAT).nullish(),
  repeatAfterMinutes: z.number().int().min(1, 'must be at least 1 minute').max(MINUTES_A_WEEK).nullish(),
});

/**
 * Escalation policies: who is told about an open incident, and when. Defined by operators and admins,
 * read by analysts too; never edited once defined (incidents follow the one they opened under), so a
 * change is a new policy under a new name.
 */
export class EscalationPolicyService {
  constructor(private readonly deps: Pick<OperationsServiceDeps, 'em' | 'principal' | 'logger'>) {}

  /**
   * Defines a policy (OPERATOR/ADMIN): 1 to 10 levels whose `afterMinutes` rise strictly, each naming
   * channels that exist; a name already taken is a CONFLICT.
   */
  async define(input: DefineEscalationPolicyInput): Promise<EscalationPolicy> {
    const { em, principal } = this.deps;
    if (!hasRole(principal, 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError('Defining an escalation policy needs the OPERATOR or ADMIN role.');
    }
    const valid = parseOrRefuse('Invalid escalation policy', policySchema, input, 'input');
    const problems: { path: string; reason: string }[] = [];
    valid.levels.forEach((level, i) => {
      const before = valid.levels[i - 1];
      if (before && level.afterMinutes <= before.afterMinutes) {
        problems.push({
          path: `input.levels.${i}.afterMinutes`,
          reason: `must be more than the level before's (${before.afterMinutes})`,
        });
      }
    });
    const named = [...new Set(valid.levels.flatMap((l) => l.channels))];
    const known = new Set(
      (await em.find(ChannelEntity, { name: { $in: named } }, { fields: ['name'] })).map((c) => c.name),
    );
    valid.levels.forEach((level, i) => {
      level.channels.forEach((name, j) => {
        if (!known.has(name)) {
          problems.push({ path: `input.levels.${i}.channels.${j}`, reason: `no channel is named ${name}` });
        }
      });
    });
    if (problems.length > 0) {
      throw new BadUserInputError(
        `Invalid escalation policy: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
        problems,
      );
    }
    if (await em.findOne(EscalationPolicyEntity, { name: valid.name }, { fields: ['id'] })) {
      throw new ConflictError(`An escalation policy is already named ${valid.name}.`);
    }
    const policy = em.create(EscalationPolicyEntity, {
      id: newId(),
      name: valid.name,
      levels: valid.levels.map((l) => ({ afterMinutes: l.afterMinutes, channels: l.channels })),
      repeat: valid.repeat ?? 0,
      repeatAfterMinutes: valid.repeatAfterMinutes ?? DEFAULT_REPEAT_AFTER_MINUTES,
      createdBy: principal.id,
      createdAt: new Date(),
    });
    try {
      await em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        em.clear();
        throw new ConflictError(`An escalation policy is already named ${valid.name}.`);
      }
      throw err;
    }
    this.deps.logger.info({ policy: policy.name, levels: policy.levels.length }, 'escalation policy defined');
    return policy;
  }

  /** Every policy, by name (analysts, operators, admins). */
  async list(): Promise<EscalationPolicy[]> {
    if (!hasRole(this.deps.principal, 'ANALYST', 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError('Escalation policies are visible to analysts, operators and admins only.');
    }
    return this.deps.em.find(EscalationPolicyEntity, {}, { orderBy: { name: 'asc' } });
  }
}
