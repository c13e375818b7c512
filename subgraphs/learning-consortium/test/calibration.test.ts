import { newId } from '@ecp/db/ids';
import { servicePrincipal } from '@ecp/identity/principal';
import { committedSubgraphSdl, subgraphSdl } from '@ecp/service-kit/print-sdl';
import { graphql } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { learningSchema } from '../src/schema';
import { learningSubgraph } from '../src/subgraph';

let sg: SubgraphUnderTest;

beforeAll(async () => {
  sg = await startSubgraph(() => learningSubgraph());
});

afterAll(async () => {
  await sg?.stop();
});

async function report(agentId: string, success: boolean, confidence: number) {
  await sg
    .em()
    .getConnection()
    .execute(
      'insert into learning.outcome_report (id, decision_id, agent_id, success, stated_confidence) values (?, ?, ?, ?, ?)',
      [newId(), newId(), agentId, success, confidence],
    );
}

describe('Agent.calibration', () => {
  it('computes every requested agent’s Brier score from its reports, in one answer', async () => {
    const [sharp, overconfident, silent] = [newId(), newId(), newId()];
    await report(sharp, true, 0.9);
    await report(sharp, true, 0.8);
    await report(overconfident, false, 1);
    await report(overconfident, true, 1);
    const res = await graphql<{ _entities: unknown[] }>(
      sg.url,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agent { id calibration { reports brierScore successRate meanStatedConfidence } } } }',
      { r: [sharp, overconfident, silent].map((id) => ({ __typename: 'Agent', id })) },
      { as: servicePrincipal('gateway') },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!._entities).toEqual([
      {
        id: sharp,
        calibration: {
          reports: 2,
          brierScore: expect.closeTo(0.025, 12),
          successRate: 1,
          meanStatedConfidence: expect.closeTo(0.85, 12),
        },
      },
      {
        id: overconfident,
        calibration: { reports: 2, brierScore: 0.5, successRate: 0.5, meanStatedConfidence: 1 },
      },
      {
        id: silent,
        calibration: { reports: 0, brierScore: null, successRate: null, meanStatedConfidence: null },
      },
    ]);
  });
});

describe('Decision.outcomes', () => {
  it('lists the outcomes reported for each decision asked about', async () => {
    const agent = newId();
    const [decided, untouched] = [newId(), newId()];
    await sg
      .em()
      .getConnection()
      .execute(
        'insert into learning.outcome_report (id, decision_id, agent_id, success, stated_confidence) values (?, ?, ?, true, 0.6)',
        [newId(), decided, agent],
      );
    const res = await graphql<{
      _entities: { outcomes: { success: boolean; statedConfidence: number }[] }[];
    }>(
      sg.url,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Decision { outcomes { success statedConfidence } } } }',
      { r: [decided, untouched].map((id) => ({ __typename: 'Decision', id })) },
      { as: servicePrincipal('gateway') },
    );
    expect(res.body.data!._entities).toEqual([
      { outcomes: [{ success: true, statedConfidence: 0.6 }] },
      { outcomes: [] },
    ]);
  });
});

describe('the learning-consortium SDL', () => {
  it('is committed as printed (run `npm run generate` after a schema change)', () => {
    expect(committedSubgraphSdl('learning-consortium')).toBe(subgraphSdl(learningSchema));
  });
});
