import { NotFoundError } from '@ecp/errors/errors';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type WeightSet, weightsLookupOrder } from './weight-set';
import { WeightSetEntity } from './weight-set.entity';

/** The set that applies in a jurisdiction among `rows` (any versions of any sets): see `effectiveWeightSet`. */
export function pickWeightSet(rows: readonly WeightSet[], jurisdiction: string): WeightSet {
  for (const j of weightsLookupOrder(jurisdiction)) {
    let latest: WeightSet | undefined;
    for (const row of rows)
      if (row.jurisdiction === j && (!latest || row.version > latest.version)) latest = row;
    if (latest) return latest;
  }
  throw new NotFoundError('No default weight set is defined (run the migrations).');
}

/**
 * The weights that apply in a jurisdiction now: the latest version of its own set, else of the
 * nearest jurisdiction above it that has one, else of the default.
 */
export async function effectiveWeightSet(em: EntityManager, jurisdiction: string): Promise<WeightSet> {
  const rows = await em.find(WeightSetEntity, { jurisdiction: { $in: weightsLookupOrder(jurisdiction) } });
  return pickWeightSet(rows as WeightSet[], jurisdiction);
}
