import { newId } from '@ecp/db/ids';
import type { Principal } from '@ecp/identity/principal';
import { JobProducer } from '@ecp/jobs/job-producer';
import { testEnv } from '@ecp/test-kit/env';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notify } from '../src/modules/delivery/notifier';
import { processSettings } from '../src/runtime';
import { operationsSubgraph } from '../src/subgraph';

/** Channels through the graph (who may define, switch and see them; bad input), and the deliveries connection. */
let sg: SubgraphUnderTest;
let redis: Redis;
let producer: JobProducer;
const prefix = `ecp:test:${newId()}:`;
const WEBHOOK = 'https://hooks.slack.com/services/T1/B2/secret-webhook-path';

const as = (...roles: Principal['roles']): Principal => ({
  kind: 'agent',
  id: newId(),
  name: 'x',
  roles,
  jurisdictions: [],
});
const admin = as('ADMIN');

const DEFINE = `mutation ($input: DefineChannelInput!) {
  defineChannel(input: $input) { id name kind target enabled createdAt }
}`;
const CHANNELS = '{ channels { id name kind target enabled } }';
const DELIVERIES = `query ($first: Int, $after: String) { deliveries(first: $first, after: $after) {
  edges { cursor node { id status attempts lastError createdAt deliveredAt externalRef
    channel { name kind target } notification { kind subject }
    attemptsLog { attempt outcome statusCode error durationMs } } }
  pageInfo { hasNextPage endCursor }
} }`;

beforeAll(async () => {
  sg = await startSubgraph(() =>
    operationsSubgraph({ redisUrl: testEnv.redisUrl, queuePrefix: `${prefix}q` }),
  );
  redis = new Redis(testEnv.redisUrl, { maxRetriesPerRequest: null });
  producer = new JobProducer(redis, `${prefix}q`);
});

afterAll(async () => {
  await producer?.close();
  await sg?.stop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const define = (input: Record<string, unknown>, principal: Principal = admin) =>
  graphql<{ defineChannel: { id: string; target: string } }>(sg.url, DEFINE, { input }, { as: principal });

async function channelCount(): Promise<number> {
  const [row] = await sg
    .em()
    .getConnection()
    .execute<{ n: string }[]>('select count(*) as n from operations.channel');
  return Number(row?.n);
}

describe('defineChannel', () => {
  it('defines a channel of each kind; a Slack webhook is shown by its host only, anywhere in the graph', async () => {
    const res = await define({ name: 'ops-slack', kind: 'SLACK', target: WEBHOOK });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.defineChannel).toMatchObject({
      name: 'ops-slack',
      kind: 'SLACK',
      target: 'https://hooks.slack.com/…',
      enabled: true,
    });
    for (const [name, kind, target] of [
      ['ops-mail', 'EMAIL', 'oncall@ecp.test'],
      ['ops-github', 'GITHUB', 'ecp-org/ops.alerts'],
      ['local-slack', 'SLACK', 'http://127.0.0.1:9/hook'],
    ] as const) {
      const r = await define({ name, kind, target });
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data!.defineChannel.target).toBe(kind === 'SLACK' ? 'http://127.0.0.1:9/…' : target);
    }
    const list = await graphql<{ channels: { name: string; target: string }[] }>(
      sg.url,
      CHANNELS,
      {},
      { as: as('ANALYST') },
    );
    expect(list.body.data!.channels.map((c) => [c.name, c.target])).toEqual([
      ['local-slack', 'http://127.0.0.1:9/…'],
      ['ops-github', 'ecp-org/ops.alerts'],
      ['ops-mail', 'oncall@ecp.test'],
      ['ops-slack', 'https://hooks.slack.com/…'],
    ]);
    expect(JSON.stringify(list.body)).not.toContain('secret-webhook-path');
  });

  it('refuses bad input with the path of each problem, and stores nothing', async () => {
    const before = await channelCount();
    const cases: [Record<string, unknown>, string][] = [
      [{ name: '', kind: 'EMAIL', target: 'a@ecp.test' }, 'input.name'],
      [{ name: 'x'.repeat(101), kind: 'EMAIL', target: 'a@ecp.test' }, 'input.name'],
      [{ name: 'bad-mail', kind: 'EMAIL', target: 'not an address' }, 'input.target'],
      [{ name: 'bad-slack', kind: 'SLACK', target: 'http://hooks.slack.com/services/x' }, 'input.target'],
      [{ name: 'bad-slack-2', kind: 'SLACK', target: 'hooks.slack.com/services/x' }, 'input.target'],
      [{ name: 'bad-slack-3', kind: 'SLACK', target: 'ftp://127.0.0.1/x' }, 'input.target'],
      [{ name: 'bad-gh', kind: 'GITHUB', target: 'just-a-name' }, 'input.target'],
      [{ name: 'bad-gh-2', kind: 'GITHUB', target: 'https://github.com/o/r' }, 'input.target'],
    ];
    for (const [input, path] of cases) {
      const res = await define(input);
      expect(errorCode(res), JSON.stringify(input)).toBe('BAD_USER_INPUT');
      expect(res.body.errors![0]!.extensions!.details).toContainEqual(expect.objectContaining({ path }));
    }
    expect(await channelCount()).toBe(before);
  });

  it('refuses a name in use (CONFLICT) and anyone but an admin (FORBIDDEN)', async () => {
    await define({ name: 'taken', kind: 'EMAIL', target: 'a@ecp.test' });
    const before = await channelCount();
    expect(errorCode(await define({ name: 'taken', kind: 'GITHUB', target: 'o/r' }))).toBe('CONFLICT');
    expect(
      errorCode(await define({ name: 'by-operator', kind: 'EMAIL', target: 'a@ecp.test' }, as('OPERATOR'))),
    ).toBe('FORBIDDEN');
    expect(await channelCount()).toBe(before);
    expect(errorCode(await graphql(sg.url, CHANNELS, {}, { as: as('AGENT') }))).toBe('FORBIDDEN');
  });
});

describe('setChannelEnabled', () => {
  it('switches a channel off and on (admins only); an unknown channel is NOT_FOUND', async () => {
    const created = await define({ name: 'switched', kind: 'EMAIL', target: 'a@ecp.test' });
    const id = created.body.data!.defineChannel.id;
    const SWITCH =
      'mutation ($id: ID!, $on: Boolean!) { setChannelEnabled(id: $id, enabled: $on) { enabled } }';
    const off = await graphql<{ setChannelEnabled: { enabled: boolean } }>(
      sg.url,
      SWITCH,
      { id, on: false },
      { as: admin },
    );
    expect(off.body.data!.setChannelEnabled.enabled).toBe(false);
    expect(errorCode(await graphql(sg.url, SWITCH, { id, on: true }, { as: as('OPERATOR') }))).toBe(
      'FORBIDDEN',
    );
    expect(errorCode(await graphql(sg.url, SWITCH, { id: newId(), on: true }, { as: admin }))).toBe(
      'NOT_FOUND',
    );
    expect(errorCode(await graphql(sg.url, SWITCH, { id: 'nope', on: true }, { as: admin }))).toBe(
      'BAD_USER_INPUT',
    );
    // Off: sent nothing new.
    const written = await sg
      .em()
      .transactional((tx) =>
        notify(
          { tx, runtime: { jobs: producer, settings: processSettings(), now: () => new Date() } },
          { kind: 'ALERT', subject: 's', markdown: 'm', channels: ['switched'] },
        ),
      );
    expect(written.deliveryIds).toEqual([]);
  });
});

describe('deliveries', () => {
  it('pages deliveries newest first with their channel, notification and tries; no webhook URL shown', async () => {
    const runtime = { jobs: producer, settings: processSettings(), now: () => new Date() };
    const subjects = ['first', 'second', 'third'];
    for (const subject of subjects) {
      await sg
        .em()
        .transactional((tx) =>
          notify({ tx, runtime }, { kind: 'INCIDENT', subject, markdown: 'm', channels: ['ops-slack'] }),
        );
    }
    const viewer = as('OPERATOR');
    const page1 = await graphql<{
      deliveries: {
        edges: {
          cursor: string;
          node: { status: string; notification: { subject: string }; channel: { target: string } };
        }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    }>(sg.url, DELIVERIES, { first: 2 }, { as: viewer });
    expect(page1.body.errors).toBeUndefined();
    const { edges, pageInfo } = page1.body.data!.deliveries;
    expect(edges.map((e) => e.node.notification.subject)).toEqual(['third', 'second']);
    expect(edges[0]!.node).toMatchObject({
      status: 'PENDING',
      attempts: 0,
      lastError: null,
      deliveredAt: null,
      externalRef: null,
      channel: { name: 'ops-slack', kind: 'SLACK', target: 'https://hooks.slack.com/…' },
      notification: { kind: 'INCIDENT', subject: 'third' },
      attemptsLog: [],
    });
    expect(pageInfo.hasNextPage).toBe(true);
    const page2 = await graphql<{ deliveries: { edges: { node: { notification: { subject: string } } }[] } }>(
      sg.url,
      DELIVERIES,
      { first: 2, after: pageInfo.endCursor },
      { as: as('ANALYST') },
    );
    expect(page2.body.data!.deliveries.edges.map((e) => e.node.notification.subject)).toEqual(['first']);
    expect(JSON.stringify([page1.body, page2.body])).not.toContain('secret-webhook-path');

    expect(errorCode(await graphql(sg.url, DELIVERIES, {}, { as: as('AGENT') }))).toBe('FORBIDDEN');
    expect(errorCode(await graphql(sg.url, DELIVERIES, { after: 'not-a-cursor' }, { as: viewer }))).toBe(
      'BAD_USER_INPUT',
    );
  });
});
