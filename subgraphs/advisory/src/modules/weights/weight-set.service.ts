import { BadUserInputError, ForbiddenError } from '@ecp/errors/errors';
import { hasRole, type Principal } from '@ecp/identity/principal';
import { isJurisdiction } from '@ecp/jurisdictions/jurisdiction';
import type { Logger } from '@ecp/logging/logger';
import type { EntityManager } from '@mikro-orm/postgresql';
import { effectiveWeightSet } from './effective-weights';
import {
  DEFAULT_WEIGHTS_JURISDICTION,
  type DivergenceWeights,
  type FrictionWeights,
  type WeightSet,
  weightSetProblems,
} from './weight-set';
import { WeightSetEntity } from './weight-set.entity';

export interface DefineWeightSetInput {
  /** A jurisdiction, or null for the default. */
  jurisdiction?: string | null;
  frictionWeights: Record<string, number>;
  riskWeight: number;
  divergenceWeights: Record<string, number>;
  divergenceThreshold: number;
  note?: string | null;
}

/** The weights advice is scored with: data, versioned, per jurisdiction with a default. */
export class WeightSetService {
  constructor(private readonly deps: { em: EntityManager; principal: Principal; logger: Logger }) {}

  /** The weights that apply in a jurisdiction now (`effectiveWeightSet`). */
  effectiveFor(jurisdiction: string): Promise<WeightSet> {
    return effectiveWeightSet(this.deps.em, jurisdiction);
  }

  /** `effectiveFor` a jurisdiction a caller named: BAD_USER_INPUT when it is not one. */
  effectiveForInput(jurisdiction: string): Promise<WeightSet> {
    if (!isJurisdiction(jurisdiction)) {
      throw new BadUserInputError(`"${jurisdiction}" is not a jurisdiction.`, [
        { path: 'jurisdiction', reason: 'must be a jurisdiction path such as EU/DE' },
      ]);
    }
    return this.effectiveFor(jurisdiction);
  }

  /** One version, as an assessment cites it. */
  async version(jurisdiction: string, version: number): Promise<WeightSet | null> {
    return (await this.deps.em.findOne(WeightSetEntity, { jurisdiction, version })) as WeightSet | null;
  }

  /** Every version of a jurisdiction's set (or the default's), newest first. */
  async history(jurisdiction: string | null | undefined): Promise<WeightSet[]> {
    if (jurisdiction && !isJurisdiction(jurisdiction)) {
      throw new BadUserInputError(`"${jurisdiction}" is not a jurisdiction.`, [
        { path: 'jurisdiction', reason: 'must be a jurisdiction path such as EU/DE' },
      ]);
    }
    return (await this.deps.em.find(
      WeightSetEntity,
      { jurisdiction: jurisdiction ?? DEFAULT_WEIGHTS_JURISDICTION },
      { orderBy: { version: 'desc' } },
    )) as WeightSet[];
  }

  /** Stores a new version (OPERATOR or ADMIN). Weights of each kind must sum to 1. */
  async define(input: DefineWeightSetInput): Promise<WeightSet> {
    const { principal, em } = this.deps;
    if (!hasRole(principal, 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError('Defining weight sets needs the OPERATOR or ADMIN role.');
    }
    const problems = weightSetProblems(input);
    const jurisdiction = input.jurisdiction ?? DEFAULT_WEIGHTS_JURISDICTION;
    if (jurisdiction !== DEFAULT_WEIGHTS_JURISDICTION && !isJurisdiction(jurisdiction)) {
      problems.push({ path: 'input.jurisdiction', reason: 'must be a jurisdiction path such as EU/DE' });
    }
    if ((input.note ?? '').length > 1000)
      problems.push({ path: 'input.note', reason: 'at most 1000 characters' });
    if (problems.length > 0) {
      throw new BadUserInputError(
        `Invalid weight set: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
        problems,
      );
    }
    return em.transactional(async (tx) => {
      // One writer per jurisdiction at a time, so versions are gapless and never collide.
      await tx
        .getConnection()
        .execute('select pg_advisory_xact_lock(hashtext(?))', [`weights:${jurisdiction}`]);
      const latest = await tx.findOne(WeightSetEntity, { jurisdiction }, { orderBy: { version: 'desc' } });
      const row = tx.create(WeightSetEntity, {
        jurisdiction,
        version: (latest?.version ?? 0) + 1,
        frictionWeights: input.frictionWeights as FrictionWeights,
        riskWeight: input.riskWeight,
        divergenceWeights: input.divergenceWeights as DivergenceWeights,
        divergenceThreshold: input.divergenceThreshold,
        note: input.note ?? '',
        createdBy: principal.id,
        createdAt: new Date(),
      });
      await tx.flush();
      this.deps.logger.info({ jurisdiction, version: row.version }, 'weight set defined');
      return row as WeightSet;
    });
  }
}
