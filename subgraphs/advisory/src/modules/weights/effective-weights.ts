import { NotFoundError } from '@ecp/errors/errors';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type WeightSet, weightsLookupOrder } from './weight-set';
import { WeightSetEntity } from './weight-set.entity';

/**
 * The weights that apply in a jurisdiction now: the latest version of its own set, else of the
 * nearest jurisdiction above it that has one, else of the default.
 */
export async function effectiveWeightSet(em: EntityManager, jurisdiction: string): Promise<WeightSet> {
  const order = weightsLookupOrder(jurisdiction);
  const rows = await em.find(
    WeightSetEntity,
    { jurisdiction: { $in: order } },
    { orderBy: { version: 'desc' } },
  );
  for (const j of order) {
    const row = rows.find((r) => r.jurisdiction === j);
    if (row) return row as WeightSet;
  }
  throw new NotFoundError('No default weight set is defined (run the migrations).');
}
