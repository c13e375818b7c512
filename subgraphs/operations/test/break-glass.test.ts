import { newId } from '@ecp/db/ids';
import type { Principal } from '@ecp/identity/principal';
import { committedSubgraphSdl, subgraphSdl } from '@ecp/service-kit/print-sdl';
import { testEnv } from '@ecp/test-kit/env';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationsSchema } from '../src/schema';
import { operationsSubgraph } from '../src/subgraph';

let sg: SubgraphUnderTest;
const operator = newId();
const as = (id: string, roles: Principal['roles']): Principal => ({
  kind: 'agent',
  id,
  name: 'x',
  roles,
  jurisdictions: [],
});
const SESSIONS = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agent {
  breakGlassSessions { edges { node { reason active closedAt } } }
} } }`;

beforeAll(async () => {
  sg = await startSubgraph(() =>
    operationsSubgraph({ redisUrl: testEnv.redisUrl, queuePrefix: `ecp:test:${newId()}:q` }),
  );
  const sql = sg.em().getConnection();
  await sql.execute(
    "insert into operations.break_glass_session (id, operator_id, reason, opened_at, expires_at) values (?, ?, 'expired long ago', now() - interval '1 day', now() - interval '1 day' + interval '15 minutes')",
    [newId(), operator],
  );
  await sql.execute(
    "insert into operations.break_glass_session (id, operator_id, reason, opened_at, expires_at, closed_at) values (?, ?, 'closed by hand', now() - interval '1 hour', now() - interval '50 minutes', now() - interval '55 minutes')",
    [newId(), operator],
  );
  await sql.execute(
    "insert into operations.break_glass_session (id, operator_id, reason, opened_at, expires_at) values (?, ?, 'open now', now(), now() + interval '15 minutes')",
    [newId(), operator],
  );
});

afterAll(async () => {
  await sg?.stop();
});

describe('Agent.breakGlassSessions', () => {
  it('lists an operator’s sessions newest first with whether each is active', async () => {
    const res = await graphql<{ _entities: { breakGlassSessions: { edges: { node: unknown }[] } }[] }>(
      sg.url,
      SESSIONS,
      { r: [{ __typename: 'Agent', id: operator }] },
      { as: as(operator, ['OPERATOR']) },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!._entities[0]!.breakGlassSessions.edges.map((e) => e.node)).toEqual([
      { reason: 'open now', active: true, closedAt: null },
      { reason: 'closed by hand', active: false, closedAt: expect.any(String) },
      { reason: 'expired long ago', active: false, closedAt: null },
    ]);
  });

  it('are visible to operators and admins, not to agents', async () => {
    const r = [{ __typename: 'Agent', id: operator }];
    expect(
      (await graphql(sg.url, SESSIONS, { r }, { as: as(newId(), ['ADMIN']) })).body.errors,
    ).toBeUndefined();
    expect(errorCode(await graphql(sg.url, SESSIONS, { r }, { as: as(newId(), ['AGENT', 'ANALYST']) }))).toBe(
      'FORBIDDEN',
    );
  });

  it('cannot last longer than 15 minutes: the database refuses it', async () => {
    await expect(
      sg
        .em()
        .getConnection()
        .execute(
          "insert into operations.break_glass_session (id, operator_id, reason, expires_at) values (?, ?, 'too long', now() + interval '16 minutes')",
          [newId(), operator],
        ),
    ).rejects.toThrow(/check constraint/);
  });
});

describe('the operations SDL', () => {
  it('is committed as printed (run `npm run generate` after a schema change)', () => {
    expect(committedSubgraphSdl('operations')).toBe(subgraphSdl(operationsSchema));
  });
});
