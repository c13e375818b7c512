import { newId } from '@ecp/db/ids';
import { servicePrincipal } from '@ecp/identity/principal';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { learningSubgraph } from '../src/subgraph';
import { person } from './support';

let sg: SubgraphUnderTest;
const STATS = `query ($from: DateTime!, $to: DateTime!) { outcomeStats(from: $from, to: $to) { count meanSuccess } }`;
const from = '2026-12-04T08:00:00.000Z';
const to = '2026-12-04T12:00:00.000Z';

beforeAll(async () => {
  sg = await startSubgraph(() => learningSubgraph());
  let index = 0;
  for (const [success, at] of [
    [1, '2026-12-04T08:00:00Z'],
    [1, '2026-12-04T09:00:00Z'],
    [0, '2026-12-04T10:00:00Z'],
    [0.5, '2026-12-04T11:59:59Z'],
    [0, '2026-12-04T12:00:00Z'],
  ] as const) {
    index++;
    await sg
      .em()
      .getConnection()
      .execute(
        `insert into learning.outcome_report (id, decision_id, agent_id, reported_by, jurisdiction, category, chosen_option,
           stated_confidence, success, weight, ledger_index, ledger_leaf_hash, reported_at)
         values (?, ?, ?, 'x', 'EU', 'pricing', 'a', 0.5, ?, 1, ?, 'ab', ?)`,
        [newId(), newId(), newId(), success, index, at],
      );
  }
});

afterAll(async () => {
  await sg?.stop();
});

describe('outcomeStats', () => {
  it('counts the outcomes reported in the period and their mean success', async () => {
    const res = await graphql(sg.url, STATS, { from, to }, { as: servicePrincipal('operations') });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ outcomeStats: { count: 4, meanSuccess: 0.625 } });
    const none = await graphql(
      sg.url,
      STATS,
      { from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z' },
      { as: person(['ANALYST']) },
    );
    expect(none.body.data).toEqual({ outcomeStats: { count: 0, meanSuccess: null } });
  });

  it('refuses agents and a reversed period', async () => {
    expect(errorCode(await graphql(sg.url, STATS, { from, to }, { as: person(['AGENT']) }))).toBe(
      'FORBIDDEN',
    );
    expect(errorCode(await graphql(sg.url, STATS, { from: to, to: from }, { as: person(['ANALYST']) }))).toBe(
      'BAD_USER_INPUT',
    );
  });
});
