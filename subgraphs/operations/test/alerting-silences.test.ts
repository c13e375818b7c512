import { newId } from '@ecp/db/ids';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fireAlert } from '../src/modules/alerts/alert-sink';
import { AlertingHarness, person } from './alerting-support';

/** Silences (their time window, expiry and bad input) and the alerts and silences in the graph. */
const h = new AlertingHarness();
const WAIT = 30_000;
const operator = person(['OPERATOR']);

beforeAll(() => h.start());
afterAll(() => h.stop());

const SILENCE = `mutation ($input: SilenceInput!) { silence(input: $input) {
  id matchers { name value } rule author reason startsAt endsAt expiredAt active } }`;
const EXPIRE = 'mutation ($id: ID!) { expireSilence(id: $id) { id active expiredAt } }';
const ALERTS = `query ($filter: AlertFilter, $first: Int, $after: String) { alerts(filter: $filter, first: $first, after: $after) {
  edges { cursor node { id fingerprint rule labels { name value } severity summary value status startsAt lastSeenAt endsAt runbook silenced inhibited } }
  pageInfo { hasNextPage endCursor } } }`;

type SilenceRow = {
  id: string;
  active: boolean;
  author: string;
  matchers: { name: string; value: string }[];
};

async function silence(input: Record<string, unknown>, as = operator) {
  return graphql<{ silence: SilenceRow }>(h.sg.url, SILENCE, { input }, { as });
}

async function silenceCount(): Promise<number> {
  const [row] = await h.sg
    .em()
    .getConnection()
    .execute<{ n: number }[]>('select count(*)::int as n from operations.silence');
  return row!.n;
}

const inMinutes = (m: number) => new Date(h.clock.getTime() + m * 60_000).toISOString();

describe('silence', () => {
  it('mutes matching alerts while in force, and they are told at the first flush after it ends', async () => {
    const environment = `env-${newId()}`;
    const res = await silence({
      matchers: [{ name: 'environment', value: environment }],
      endsAt: inMinutes(60),
      reason: 'maintenance window',
    });
    expect(res.body.errors).toBeUndefined();
    const s = res.body.data!.silence;
    expect(s).toMatchObject({ active: true, author: operator.id, rule: null, expiredAt: null });
    const silenceEnd = new Date(h.clock.getTime() + 3600_000);

    await h.fire('environment-slow', { environment });
    await h.fire('environment-slow', { environment: `${environment}-not-silenced` });
    h.advance(WAIT);
    expect(await h.flush('environment-slow', { environment })).toMatchObject({
      action: null,
      nextFlushAt: silenceEnd,
    });
    expect(await h.notifications('environment-slow', { environment })).toHaveLength(0);
    expect(await h.flush('environment-slow', { environment: `${environment}-not-silenced` })).toMatchObject({
      action: 'OPEN',
    });
    const group = await h.group('environment-slow', { environment });
    expect(await h.flushJob(group.id, silenceEnd)).toBeTruthy();

    const listed = await graphql<{ alerts: { edges: { node: { silenced: boolean; labels: unknown } }[] } }>(
      h.sg.url,
      ALERTS,
      { filter: { rule: 'environment-slow', status: 'FIRING' } },
      { as: person(['ANALYST']) },
    );
    expect(listed.body.errors).toBeUndefined();
    const nodes = listed.body.data!.alerts.edges.map((e) => e.node);
    expect(nodes.find((n) => JSON.stringify(n.labels).includes(`"${environment}"`))?.silenced).toBe(true);
    expect(nodes.find((n) => JSON.stringify(n.labels).includes('not-silenced'))?.silenced).toBe(false);

    h.clock = silenceEnd;
    expect(await h.flush('environment-slow', { environment })).toMatchObject({ action: 'OPEN' });
    const actives = await graphql<{ silences: { id: string }[] }>(
      h.sg.url,
      '{ silences(active: true) { id } }',
      {},
      { as: operator },
    );
    expect(actives.body.data!.silences.map((x) => x.id)).not.toContain(s.id);
  });

  it('starts at its start: alerts before it are told, and its rule narrows what it matches', async () => {
    const environment = `env-${newId()}`;
    const res = await silence({
      matchers: [{ name: 'environment', value: environment }],
      rule: 'certificate-expiring',
      startsAt: inMinutes(10),
      endsAt: inMinutes(70),
      reason: 'certificate renewal scheduled',
    });
    expect(res.body.data!.silence.active).toBe(false);
    await h.fire('certificate-expiring', { environment });
    await h.fire('environment-slow', { environment });
    h.advance(WAIT);
    expect(await h.flush('certificate-expiring', { environment })).toMatchObject({ action: 'OPEN' });
    expect(await h.flush('environment-slow', { environment })).toMatchObject({ action: 'OPEN' });
  });

  it('expired early: its alerts are told at once', async () => {
    const environment = `env-${newId()}`;
    const res = await silence({
      matchers: [{ name: 'environment', value: environment }],
      endsAt: inMinutes(120),
      reason: 'noisy during migration',
    });
    const id = res.body.data!.silence.id;
    await h.fire('environment-slow', { environment });
    h.advance(WAIT);
    expect(await h.flush('environment-slow', { environment })).toMatchObject({ action: null });

    h.advance(60_000);
    const expired = await graphql<{ expireSilence: { active: boolean; expiredAt: string } }>(
      h.sg.url,
      EXPIRE,
      { id },
      { as: operator },
    );
    expect(expired.body.errors).toBeUndefined();
    expect(expired.body.data!.expireSilence).toMatchObject({
      active: false,
      expiredAt: h.clock.toISOString(),
    });
    expect((await h.group('environment-slow', { environment })).nextFlushAt).toEqual(h.clock);
    expect(await h.flush('environment-slow', { environment })).toMatchObject({ action: 'OPEN' });

    expect(errorCode(await graphql(h.sg.url, EXPIRE, { id }, { as: operator }))).toBe('CONFLICT');
    expect(errorCode(await graphql(h.sg.url, EXPIRE, { id: newId() }, { as: operator }))).toBe('NOT_FOUND');
    const listed = await graphql<{ silences: { id: string }[] }>(
      h.sg.url,
      '{ silences(active: false) { id } }',
      {},
      { as: operator },
    );
    expect(listed.body.data!.silences.map((x) => x.id)).toContain(id);
  });

  it('refuses bad input with the path of each problem, storing nothing', async () => {
    const before = await silenceCount();
    const valid = {
      matchers: [{ name: 'environment', value: 'prod' }],
      endsAt: inMinutes(60),
      reason: 'deploy',
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...valid, endsAt: undefined }, 'input.endsAt'],
      [{ ...valid, endsAt: h.clock.toISOString() }, 'input.endsAt'],
      [{ ...valid, startsAt: inMinutes(90) }, 'input.endsAt'],
      [{ ...valid, rule: 'no-such-rule' }, 'input.rule'],
      [{ ...valid, matchers: [] }, 'input.matchers'],
      [{ ...valid, matchers: [{ name: 'environment', value: '' }] }, 'input.matchers.0.value'],
      [{ ...valid, reason: '  ' }, 'input.reason'],
      [{ ...valid, reason: 'x'.repeat(2001) }, 'input.reason'],
    ];
    for (const [input, path] of cases) {
      const res = await silence(input);
      expect(errorCode(res), path).toBe('BAD_USER_INPUT');
      const details = res.body.errors![0]!.extensions!.details as { path: string }[];
      expect(details.map((d) => d.path)).toContain(path);
    }
    expect(errorCode(await silence(valid, person(['AGENT'])))).toBe('FORBIDDEN');
    expect(errorCode(await silence(valid, person(['ANALYST'])))).toBe('FORBIDDEN');
    expect(await silenceCount()).toBe(before);
    expect(errorCode(await graphql(h.sg.url, '{ silences { id } }', {}, { as: person(['AGENT']) }))).toBe(
      'FORBIDDEN',
    );
  });
});

describe('alerts', () => {
  it('lists alerts newest first with keyset cursors, filtered, with their runbook; agents are refused', async () => {
    const jurisdiction = `J-${newId()}`;
    for (let i = 0; i < 3; i++) {
      h.advance(1_000);
      await h.write((w) =>
        fireAlert(w, {
          rule: 'decision-held-waiting',
          labels: { jurisdiction, decision: `d${i}` },
          summary: `held ${i}`,
          value: i,
        }),
      );
    }
    const filter = { rule: 'decision-held-waiting', severity: 'WARNING', status: 'FIRING' };
    const first = await graphql<{
      alerts: {
        edges: { node: Record<string, unknown> }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    }>(h.sg.url, ALERTS, { filter, first: 2 }, { as: operator });
    expect(first.body.errors).toBeUndefined();
    const page = first.body.data!.alerts;
    expect(page.edges.map((e) => e.node.summary)).toEqual(['held 2', 'held 1']);
    expect(page.edges[0]!.node).toMatchObject({
      rule: 'decision-held-waiting',
      severity: 'WARNING',
      status: 'FIRING',
      value: 2,
      endsAt: null,
      runbook: 'docs/runbooks/alert-decision-held-waiting.md',
      silenced: false,
      inhibited: false,
      labels: [
        { name: 'decision', value: 'd2' },
        { name: 'jurisdiction', value: jurisdiction },
      ],
    });
    expect(page.pageInfo.hasNextPage).toBe(true);
    const next = await graphql<{ alerts: { edges: { node: { summary: string } }[] } }>(
      h.sg.url,
      ALERTS,
      { filter, first: 2, after: page.pageInfo.endCursor },
      { as: operator },
    );
    expect(next.body.data!.alerts.edges.map((e) => e.node.summary)[0]).toBe('held 0');

    expect(errorCode(await graphql(h.sg.url, ALERTS, {}, { as: person(['AGENT']) }))).toBe('FORBIDDEN');
    expect(errorCode(await graphql(h.sg.url, ALERTS, { filter: { rule: 'nope' } }, { as: operator }))).toBe(
      'BAD_USER_INPUT',
    );
    expect(errorCode(await graphql(h.sg.url, ALERTS, { after: 'garbage' }, { as: operator }))).toBe(
      'BAD_USER_INPUT',
    );
  });
});
