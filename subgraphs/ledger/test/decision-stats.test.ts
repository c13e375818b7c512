import { newId } from '@ecp/db/ids';
import { servicePrincipal } from '@ecp/identity/principal';
import { decisionInput } from '@ecp/test-kit/fixtures';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN_GATE } from '../src/modules/firewall/firewall-advice';
import { ledgerSubgraph } from '../src/subgraph';
import { testLedgerConfig } from './ledger-config';
import { seedAgent } from './seed';

let sg: SubgraphUnderTest;
const STATS = `query ($from: DateTime!, $to: DateTime!) { decisionStats(from: $from, to: $to) {
  count byJurisdiction { key count } byCategory { key count } held { held committed rejected pending } } }`;
const person = (roles: ('ANALYST' | 'AGENT' | 'OPERATOR')[]) => ({
  kind: 'agent' as const,
  id: newId(),
  name: 'p',
  roles,
  jurisdictions: [],
});
let from: string;
let to: string;

beforeAll(async () => {
  sg = await startSubgraph(
    (url) => ledgerSubgraph(testLedgerConfig(url), { firewall: OPEN_GATE }),
    testLedgerConfig,
  );
  const agent = await seedAgent(sg, 'stats-bot', ['EU', 'US']);
  const record = `mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { ledgerIndex } }`;
  from = new Date(Date.now() - 60_000).toISOString();
  for (const [jurisdiction, category] of [
    ['EU/DE', 'pricing'],
    ['EU/DE', 'credit'],
    ['US', 'pricing'],
  ]) {
    const res = await graphql(
      sg.url,
      record,
      { input: decisionInput({ jurisdiction, category }) },
      { as: agent },
    );
    expect(res.body.errors).toBeUndefined();
  }
  const held = (status: string, createdAgo: string, decidedAgo: string | null) =>
    sg
      .em()
      .getConnection()
      .execute(
        `insert into ledger.held_decision (id, agent_id, idempotency_key, jurisdiction, category, proposal, proposal_sha256,
           hold_reasons, approvals_needed, status, ledger_index, created_at, expires_at, decided_at)
         values (?, ?, ?, 'EU/DE', 'pricing', '{}', ?, '[]', 1, ?, ?, now() - ?::interval, now() + interval '1 day',
           case when ?::text is null then null else now() - ?::interval end)`,
        [
          newId(),
          agent.id,
          newId(),
          'a'.repeat(64),
          status,
          status === 'COMMITTED' ? 1 : null,
          createdAgo,
          decidedAgo,
          decidedAgo,
        ],
      );
  await held('PENDING_APPROVAL', '10 seconds', null);
  await held('REJECTED', '20 seconds', '5 seconds');
  await held('COMMITTED', '2 days', '10 seconds');
  await held('PENDING_APPROVAL', '3 days', null);
  to = new Date(Date.now() + 60_000).toISOString();
});

afterAll(async () => {
  await sg?.stop();
});

describe('decisionStats', () => {
  it('counts the period’s decisions by jurisdiction and category, and what became of held ones', async () => {
    const res = await graphql(sg.url, STATS, { from, to }, { as: servicePrincipal('operations') });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({
      decisionStats: {
        count: 3,
        byJurisdiction: [
          { key: 'EU/DE', count: 2 },
          { key: 'US', count: 1 },
        ],
        byCategory: [
          { key: 'pricing', count: 2 },
          { key: 'credit', count: 1 },
        ],
        held: { held: 2, committed: 1, rejected: 1, pending: 2 },
      },
    });
  });

  it('counts nothing outside the period', async () => {
    const res = await graphql<{ decisionStats: { count: number } }>(
      sg.url,
      STATS,
      { from: '2020-01-01T00:00:00Z', to: '2020-01-01T04:00:00Z' },
      { as: person(['ANALYST']) },
    );
    expect(res.body.data!.decisionStats.count).toBe(0);
  });

  it('refuses agents, and a period that ends before it starts', async () => {
    expect(errorCode(await graphql(sg.url, STATS, { from, to }, { as: person(['AGENT']) }))).toBe(
      'FORBIDDEN',
    );
    expect(
      errorCode(await graphql(sg.url, STATS, { from: to, to: from }, { as: person(['OPERATOR']) })),
    ).toBe('BAD_USER_INPUT');
  });
});
