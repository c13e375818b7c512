import { newId } from '@ecp/db/ids';
import { servicePrincipal } from '@ecp/identity/principal';
import { testEnv } from '@ecp/test-kit/env';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advisorySubgraph } from '../src/subgraph';

let sg: SubgraphUnderTest;
const prefix = `ecp:test:${newId()}:`;
const STATS = `query ($from: DateTime!, $to: DateTime!) {
  divergenceStats(from: $from, to: $to) { count mean p50 p90 aboveThreshold buckets { from to count } }
  pollStats(from: $from, to: $to) { opened closed quorumMet } }`;
const from = '2026-12-04T08:00:00.000Z';
const to = '2026-12-04T12:00:00.000Z';
const person = (roles: ('ANALYST' | 'AGENT')[]) => ({
  kind: 'agent' as const,
  id: newId(),
  name: 'p',
  roles,
  jurisdictions: [],
});

async function divergence(combined: number, at: string, exceeded: boolean) {
  await sg
    .em()
    .getConnection()
    .execute(
      `insert into advisory.divergence (decision_id, agent_id, jurisdiction, category, ledger_index, chosen_option,
         combined, weights, weights_version, threshold, exceeded, evidence, scored_at)
       values (?, ?, 'EU', 'pricing', 1, 'a', ?, '{}', '1', 0.5, ?, '{}', ?)`,
      [newId(), newId(), combined, exceeded, at],
    );
}

async function poll(createdAt: string, closedAt: string | null, quorumMet: boolean | null) {
  await sg
    .em()
    .getConnection()
    .execute(
      `insert into advisory.poll (id, opened_by, jurisdiction, question, options, eligible_voters, eligible_by, quorum,
         weighting, closes_at, status, closed_at, close_reason, result, created_at)
       values (?, ?, 'EU', 'which', '[]', ?::uuid[], 'LIST', 1, 'EQUAL', ?, ?, ?, ?, ?::jsonb, ?)`,
      [
        newId(),
        newId(),
        `{${newId()}}`,
        closedAt ?? '2026-12-05T00:00:00Z',
        closedAt ? 'CLOSED' : 'OPEN',
        closedAt,
        closedAt ? 'CLOSING_TIME' : null,
        quorumMet === null ? null : JSON.stringify({ quorumMet }),
        createdAt,
      ],
    );
}

beforeAll(async () => {
  sg = await startSubgraph(() => advisorySubgraph({ redisUrl: testEnv.redisUrl, queuePrefix: `${prefix}q` }));
  await divergence(0.1, '2026-12-04T09:00:00Z', false);
  await divergence(0.2, '2026-12-04T09:10:00Z', false);
  await divergence(0.6, '2026-12-04T10:00:00Z', true);
  await divergence(1, '2026-12-04T11:59:59Z', true);
  await divergence(0.9, '2026-12-04T12:00:00Z', true); // the next period's
  await poll('2026-12-04T09:00:00Z', null, null);
  await poll('2026-12-04T09:00:00Z', '2026-12-04T10:00:00Z', true);
  await poll('2026-12-03T09:00:00Z', '2026-12-04T11:00:00Z', false);
});

afterAll(async () => {
  await sg?.stop();
  const redis = new Redis(testEnv.redisUrl);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('divergenceStats and pollStats', () => {
  it('give the period’s score distribution and polls', async () => {
    const res = await graphql<{
      divergenceStats: {
        count: number;
        mean: number;
        p50: number;
        p90: number;
        aboveThreshold: number;
        buckets: { count: number }[];
      };
      pollStats: unknown;
    }>(sg.url, STATS, { from, to }, { as: servicePrincipal('operations') });
    expect(res.body.errors).toBeUndefined();
    const d = res.body.data!.divergenceStats;
    expect(d.count).toBe(4);
    expect(d.mean).toBeCloseTo(0.475);
    expect(d.p50).toBeCloseTo(0.4);
    expect(d.p90).toBeCloseTo(0.88);
    expect(d.aboveThreshold).toBe(2);
    expect(d.buckets.map((b) => b.count)).toEqual([0, 1, 1, 0, 0, 0, 1, 0, 0, 1]);
    expect(res.body.data!.pollStats).toEqual({ opened: 2, closed: 2, quorumMet: 1 });
  });

  it('answer an empty period with zeros and nulls', async () => {
    const res = await graphql<{ divergenceStats: { count: number; mean: null } }>(
      sg.url,
      STATS,
      { from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' },
      { as: person(['ANALYST']) },
    );
    expect(res.body.data!.divergenceStats).toMatchObject({ count: 0, mean: null, p50: null });
  });

  it('refuse agents and a reversed period', async () => {
    expect(errorCode(await graphql(sg.url, STATS, { from, to }, { as: person(['AGENT']) }))).toBe(
      'FORBIDDEN',
    );
    expect(errorCode(await graphql(sg.url, STATS, { from: to, to: from }, { as: person(['ANALYST']) }))).toBe(
      'BAD_USER_INPUT',
    );
  });
});
