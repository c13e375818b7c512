import liabilityRulesV1 from '@ecp/schema/ledger/ecp.liability-rules.v1.schema.json' with { type: 'json' };
import type { LiabilityRuleTerms } from '../liability/liability-rules';
import { type EntryKind, serviceEntryKind } from './entry-kind';

/** What a liability-rules entry projects: the version's row in `ledger.liability_rules`. */
export interface LiabilityRulesProjection {
  jurisdiction: string;
  revision: number;
  rules: LiabilityRuleTerms;
  note: string;
  createdBy: string;
}

const kind = serviceEntryKind(liabilityRulesV1);

/**
 * `ecp.liability-rules/v1`: a version of a jurisdiction's liability rules, recorded by the ledger
 * itself (`recordedBy` is `service:ledger`, so no other service can append one) for the operator who
 * defined them. The version's row is written in the batch that appends its entry, so a version exists
 * exactly when its entry does.
 */
export const liabilityRulesKind: EntryKind<LiabilityRulesProjection> = {
  ...kind,
  async project(db, appended) {
    // Every entry of this kind is appended by LiabilityRulesService with its projection.
    const rows = appended.filter((a) => a.projection !== undefined);
    if (rows.length === 0) return [];
    await db.query(
      `insert into ledger.liability_rules (jurisdiction, revision, rules, note, entry_index, created_by, created_at)
       select * from unnest($1::text[], $2::int[], $3::jsonb[], $4::text[], $5::bigint[], $6::uuid[], $7::timestamptz[])`,
      [
        rows.map((a) => a.projection.jurisdiction),
        rows.map((a) => a.projection.revision),
        rows.map((a) => JSON.stringify(a.projection.rules)),
        rows.map((a) => a.projection.note),
        rows.map((a) => a.index.toString()),
        rows.map((a) => a.projection.createdBy),
        rows.map((a) => a.recordedAt),
      ],
    );
    return [];
  },
};
