import { newId } from '@ecp/db/ids';
import type { Principal } from '@ecp/identity/principal';
import { committedSubgraphSdl, subgraphSdl } from '@ecp/service-kit/print-sdl';
import { testEnv } from '@ecp/test-kit/env';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advisorySchema } from '../src/schema';
import { advisorySubgraph } from '../src/subgraph';

let sg: SubgraphUnderTest;
const voter = newId();
const principal = (id: string, roles: Principal['roles'] = ['AGENT']): Principal => ({
  kind: 'agent',
  id,
  name: 'x',
  roles,
  jurisdictions: [],
});

const VOTES = `query ($r: [_Any!]!, $after: String, $first: Int, $last: Int, $before: String) {
  _entities(representations: $r) {
    ... on Agent { id votes(first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { option confidence castAt } }
      pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
    } }
  }
}`;

beforeAll(async () => {
  sg = await startSubgraph(() =>
    advisorySubgraph({ redisUrl: testEnv.redisUrl, queuePrefix: `ecp:test:${newId()}:q` }),
  );
  // Five votes a minute apart in five polls, the newest last.
  for (let i = 0; i < 5; i++) {
    const pollId = newId();
    await sg
      .em()
      .getConnection()
      .execute(
        `insert into advisory.poll (id, opened_by, jurisdiction, question, options, eligible_voters, eligible_by, quorum, weighting, closes_at)
         values (?, ?, 'EU', 'q', ?, ?, 'LIST', 1, 'EQUAL', now() + interval '1 day')`,
        [
          pollId,
          newId(),
          JSON.stringify([
            { id: `option-${i}`, description: '' },
            { id: 'other', description: '' },
          ]),
          `{${voter}}`,
        ],
      );
    await sg
      .em()
      .getConnection()
      .execute(
        "insert into advisory.vote (id, poll_id, agent_id, option, confidence, cast_at) values (?, ?, ?, ?, ?, now() - (? * interval '1 minute'))",
        [newId(), pollId, voter, `option-${i}`, i / 10, 5 - i],
      );
  }
});

afterAll(async () => {
  await sg?.stop();
});

describe('Agent.votes', () => {
  it('pages an agent’s votes newest first, both ways', async () => {
    const r = [{ __typename: 'Agent', id: voter }];
    type Page = {
      _entities: {
        votes: {
          edges: { cursor: string; node: { option: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      }[];
    };
    const first = await graphql<Page>(sg.url, VOTES, { r, first: 2 }, { as: principal(voter) });
    expect(first.body.errors).toBeUndefined();
    const page1 = first.body.data!._entities[0]!.votes;
    expect(page1.edges.map((e) => e.node.option)).toEqual(['option-4', 'option-3']);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const second = await graphql<Page>(
      sg.url,
      VOTES,
      { r, first: 10, after: page1.pageInfo.endCursor },
      { as: principal(voter) },
    );
    expect(second.body.data!._entities[0]!.votes.edges.map((e) => e.node.option)).toEqual([
      'option-2',
      'option-1',
      'option-0',
    ]);
    const last = await graphql<Page>(sg.url, VOTES, { r, last: 2 }, { as: principal(voter) });
    expect(last.body.data!._entities[0]!.votes.edges.map((e) => e.node.option)).toEqual([
      'option-1',
      'option-0',
    ]);
  });

  it('shows another agent’s votes to analysts but not to other agents', async () => {
    const r = [{ __typename: 'Agent', id: voter }];
    const analyst = await graphql(sg.url, VOTES, { r, first: 1 }, { as: principal(newId(), ['ANALYST']) });
    expect(analyst.body.errors).toBeUndefined();
    const stranger = await graphql<{ _entities: { votes: unknown }[] }>(
      sg.url,
      VOTES,
      { r, first: 1 },
      { as: principal(newId()) },
    );
    expect(errorCode(stranger)).toBe('FORBIDDEN');
    expect(stranger.body.data!._entities[0]!.votes).toBeNull();
  });

  it('rejects a cursor that is not one', async () => {
    const res = await graphql(
      sg.url,
      VOTES,
      { r: [{ __typename: 'Agent', id: voter }], after: 'bogus' },
      { as: principal(voter) },
    );
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
  });

  it('refuses requests that did not come through the gateway', async () => {
    const res = await graphql(sg.url, VOTES, { r: [] });
    expect(res.status).toBe(401);
  });
});

describe('the advisory SDL', () => {
  it('is committed as printed (run `npm run generate` after a schema change)', () => {
    expect(committedSubgraphSdl('advisory')).toBe(subgraphSdl(advisorySchema));
  });
});
