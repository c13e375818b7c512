import { newId } from '@ecp/db/ids';
import type { Principal } from '@ecp/identity/principal';
import type { SubgraphUnderTest } from '@ecp/test-kit/subgraph';

/** Registers an agent straight in the ledger's registry and returns the principal it calls as. */
export async function seedAgent(
  sg: SubgraphUnderTest,
  name: string,
  jurisdictions: string[] = ['EU'],
): Promise<Principal> {
  const id = newId();
  await sg
    .em()
    .getConnection()
    .execute(
      "insert into ledger.agent (id, name, roles, jurisdictions) values (?, ?, '{AGENT}', ?::text[])",
      [id, name, `{${jurisdictions.join(',')}}`],
    );
  return { kind: 'agent', id, name, roles: ['AGENT'], jurisdictions };
}

/** How many entries the ledger holds. */
export async function ledgerSize(sg: SubgraphUnderTest): Promise<number> {
  const rows = await sg.em().getConnection().execute('select count(*)::int as n from ledger.entry');
  return (rows[0] as { n: number }).n;
}
