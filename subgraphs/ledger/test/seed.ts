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

/**
 * Waits until a signed checkpoint covers every entry the ledger holds now. Checkpoints come every
 * 200 ms in these tests, later on a loaded machine, so waiting a fixed time is not enough.
 */
export async function checkpointCoveringAll(sg: SubgraphUnderTest, timeoutMs = 15_000): Promise<void> {
  const size = await ledgerSize(sg);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await sg
      .em()
      .getConnection()
      .execute('select coalesce(max(tree_size), 0)::int as n from ledger.checkpoint');
    if ((rows[0] as { n: number }).n >= size) return;
    if (Date.now() > deadline)
      throw new Error(`no checkpoint covered ${size} entries within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
