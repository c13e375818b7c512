import { newId } from '@ecp/db/ids';
import type { Principal } from '@ecp/identity/principal';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fireAlert } from '../src/modules/alerts/alert-sink';
import {
  advance,
  type IncidentsUnderTest,
  incidentEvents,
  insertChannel,
  person,
  startIncidents,
  timelineKinds,
} from './incidents-support';

/** Incidents through the graph: open, acknowledge, resolve, write up; who may; what is refused. */
let t: IncidentsUnderTest;
const operator = person(['OPERATOR']);
const admin = person(['ADMIN']);
const analyst = person(['ANALYST']);
const agent = person(['AGENT']);

const FIELDS = `id title severity status summary openedBy openedAt acknowledgedBy acknowledgedAt resolvedBy
  resolvedAt resolutionNote postmortem timeline { kind actor detail } alerts { alertId fingerprint rule resolvedAt }
  escalation { policy level round nextEscalationAt }`;
const OPEN = `mutation ($input: OpenIncidentInput!) { openIncident(input: $input) { ${FIELDS} } }`;
const ACK = `mutation ($id: ID!) { acknowledgeIncident(id: $id) { ${FIELDS} } }`;
const RESOLVE = `mutation ($id: ID!, $note: String) { resolveIncident(id: $id, note: $note) { ${FIELDS} } }`;
const GET = `query ($id: ID!) { incident(id: $id) { ${FIELDS} } }`;
const LIST = `query ($filter: IncidentFilter, $first: Int, $after: String) {
  incidents(filter: $filter, first: $first, after: $after) { edges { cursor node { id title status severity } } pageInfo { hasNextPage } } }`;
const DEFINE = `mutation ($input: DefineEscalationPolicyInput!) { defineEscalationPolicy(input: $input) {
  id name repeat repeatAfterMinutes levels { afterMinutes channels } createdBy } }`;

interface IncidentView {
  id: string;
  title: string;
  severity: string;
  status: string;
  summary: string | null;
  openedBy: string;
  acknowledgedBy: string | null;
  resolvedBy: string | null;
  resolutionNote: string | null;
  postmortem: string | null;
  timeline: { kind: string; actor: string; detail: string }[];
  alerts: { alertId: string; fingerprint: string; rule: string; resolvedAt: string | null }[];
  escalation: { policy: string; level: number | null; round: number; nextEscalationAt: string | null } | null;
}

async function call<D = Record<string, IncidentView>>(
  query: string,
  variables: Record<string, unknown>,
  as: Principal = operator,
) {
  return graphql<D>(t.sg.url, query, variables, { as });
}

async function openOne(input: Record<string, unknown> = {}): Promise<IncidentView> {
  const res = await call(OPEN, { input: { title: 'Ledger slow', severity: 'SEV3', ...input } });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.openIncident!;
}

async function incidentCount(): Promise<number> {
  const [row] = await t.sg
    .em()
    .getConnection()
    .execute<{ n: string }[]>('select count(*) as n from operations.incident');
  return Number(row?.n);
}

beforeAll(async () => {
  t = await startIncidents();
});

afterAll(async () => {
  await t?.stop();
});

describe('an incident by hand', () => {
  it('opens, is acknowledged, resolved and written up, every step in its timeline and its event stream', async () => {
    const alert = await t.write((w) =>
      fireAlert(w, { rule: 'queue-backing-up', labels: { queue: `q-${newId()}` }, summary: '5000 waiting' }),
    );
    const opened = await openOne({
      title: '  Deliveries stuck  ',
      severity: 'SEV2',
      summary: 'The deliver queue grows.',
      alertIds: [alert.id],
    });
    expect(opened).toMatchObject({
      title: 'Deliveries stuck',
      severity: 'SEV2',
      status: 'OPEN',
      summary: 'The deliver queue grows.',
      openedBy: operator.id,
      acknowledgedBy: null,
      resolvedBy: null,
      postmortem: null,
      escalation: null,
      alerts: [
        { alertId: alert.id, fingerprint: alert.fingerprint, rule: 'queue-backing-up', resolvedAt: null },
      ],
    });
    expect(opened.timeline.map((e) => [e.kind, e.actor])).toEqual([
      ['OPENED', operator.id],
      ['ALERT_LINKED', operator.id],
    ]);
    expect(JSON.parse(opened.timeline[1]!.detail)).toMatchObject({
      alertId: alert.id,
      rule: 'queue-backing-up',
    });

    advance(t, 3);
    const acked = (await call(ACK, { id: opened.id }, admin)).body.data!.acknowledgeIncident!;
    expect(acked).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedBy: admin.id });
    // Acknowledging again answers it as it is: the first acknowledger stays, nothing is recorded.
    const again = await call(ACK, { id: opened.id });
    expect(again.body.errors).toBeUndefined();
    expect(again.body.data!.acknowledgeIncident).toMatchObject({
      status: 'ACKNOWLEDGED',
      acknowledgedBy: admin.id,
    });

    advance(t, 30);
    const resolved = (await call(RESOLVE, { id: opened.id, note: 'Restarted the workers.' })).body.data!
      .resolveIncident!;
    expect(resolved).toMatchObject({
      status: 'RESOLVED',
      resolvedBy: operator.id,
      resolutionNote: 'Restarted the workers.',
    });

    const postmortem = await call<{ writePostmortem: IncidentView }>(
      `mutation ($id: ID!, $text: String!) { writePostmortem(id: $id, text: $text) { postmortem } }`,
      { id: opened.id, text: '## What happened\nA worker hung.' },
    );
    expect(postmortem.body.data!.writePostmortem.postmortem).toBe('## What happened\nA worker hung.');
    const note = await call(
      `mutation ($id: ID!, $text: String!) { addIncidentNote(id: $id, text: $text) { id } }`,
      {
        id: opened.id,
        text: 'Follow-up: alert on worker heartbeats.',
      },
    );
    expect(note.body.errors).toBeUndefined();

    const read = (await call(GET, { id: opened.id }, analyst)).body.data!.incident!;
    expect(read.timeline.map((e) => e.kind)).toEqual([
      'OPENED',
      'ALERT_LINKED',
      'ACKNOWLEDGED',
      'RESOLVED',
      'POSTMORTEM',
      'NOTE',
    ]);
    expect(JSON.parse(read.timeline[3]!.detail)).toEqual({ note: 'Restarted the workers.' });
    expect(JSON.parse(read.timeline[5]!.detail)).toEqual({ text: 'Follow-up: alert on worker heartbeats.' });

    const events = await incidentEvents(t, opened.id, 5);
    expect(events.map((e) => [e.typename, e.attributes.change, e.attributes.status])).toEqual([
      ['Incident', 'OPENED', 'OPEN'],
      ['Incident', 'ACKNOWLEDGED', 'ACKNOWLEDGED'],
      ['Incident', 'RESOLVED', 'RESOLVED'],
      ['Incident', 'POSTMORTEM', 'RESOLVED'],
      ['Incident', 'NOTE', 'RESOLVED'],
    ]);
    expect(events.every((e) => e.attributes.severity === 'SEV2')).toBe(true);
  });

  it('refuses to acknowledge or resolve a resolved incident (CONFLICT), and changes nothing', async () => {
    const opened = await openOne();
    await call(RESOLVE, { id: opened.id });
    const before = await timelineKinds(t, opened.id);
    const ack = await call(ACK, { id: opened.id });
    expect(errorCode(ack)).toBe('CONFLICT');
    expect(errorCode(await call(RESOLVE, { id: opened.id, note: 'again' }))).toBe('CONFLICT');
    expect(await timelineKinds(t, opened.id)).toEqual(before);
    const read = (await call(GET, { id: opened.id })).body.data!.incident!;
    expect(read).toMatchObject({ status: 'RESOLVED', acknowledgedBy: null, resolutionNote: null });
  });

  it('answers NOT_FOUND for an unknown incident, whatever is asked of it', async () => {
    for (const id of [newId(), 'not-an-id']) {
      expect(errorCode(await call(GET, { id }))).toBe('NOT_FOUND');
      expect(errorCode(await call(ACK, { id }))).toBe('NOT_FOUND');
      expect(errorCode(await call(RESOLVE, { id }))).toBe('NOT_FOUND');
    }
  });

  it('refuses bad input with its paths, and opens nothing', async () => {
    const before = await incidentCount();
    const unknownAlert = newId();
    const cases: [Record<string, unknown>, string][] = [
      [{ title: '   ' }, 'input.title'],
      [{ title: 'x'.repeat(201) }, 'input.title'],
      [{ alertIds: ['nope'] }, 'input.alertIds.0'],
      [{ alertIds: [unknownAlert] }, 'input.alertIds.0'],
      [{ escalationPolicy: 'no-such-policy' }, 'input.escalationPolicy'],
    ];
    for (const [input, path] of cases) {
      const res = await call(OPEN, { input: { title: 'Bad', severity: 'SEV4', ...input } });
      expect(errorCode(res), path).toBe('BAD_USER_INPUT');
      expect(res.body.errors![0]!.extensions!.details).toEqual([expect.objectContaining({ path })]);
    }
    expect(errorCode(await call(OPEN, { input: { title: 'Bad', severity: 'SEV9' } }))).toBe('BAD_USER_INPUT');
    expect(await incidentCount()).toBe(before);
  });

  it('lets operators and admins change incidents, analysts read them, and agents nothing', async () => {
    const opened = await openOne({ title: 'Roles' });
    const before = await incidentCount();
    for (const who of [analyst, agent]) {
      expect(errorCode(await call(OPEN, { input: { title: 'No', severity: 'SEV4' } }, who))).toBe(
        'FORBIDDEN',
      );
      expect(errorCode(await call(ACK, { id: opened.id }, who))).toBe('FORBIDDEN');
      expect(errorCode(await call(RESOLVE, { id: opened.id }, who))).toBe('FORBIDDEN');
    }
    expect(await incidentCount()).toBe(before);
    expect(await call(GET, { id: opened.id })).toBeTruthy();
    expect((await call(GET, { id: opened.id }, analyst)).body.errors).toBeUndefined();
    expect(errorCode(await call(GET, { id: opened.id }, agent))).toBe('FORBIDDEN');
    expect(errorCode(await call(LIST, {}, agent))).toBe('FORBIDDEN');
    expect((await call(GET, { id: opened.id }, analyst)).body.data!.incident!.status).toBe('OPEN');
  });
});

describe('incidents', () => {
  it('lists newest first, filtered by status and severity, page by page', async () => {
    const severity = 'SEV1';
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      advance(t, 1);
      ids.push((await openOne({ title: `list ${i}`, severity })).id);
    }
    await call(ACK, { id: ids[1] });
    type Page = {
      incidents: {
        edges: { cursor: string; node: { id: string; status: string } }[];
        pageInfo: { hasNextPage: boolean };
      };
    };
    const first = await call<Page>(LIST, { filter: { severity }, first: 2 }, analyst);
    expect(first.body.data!.incidents.edges.map((e) => e.node.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.data!.incidents.pageInfo.hasNextPage).toBe(true);
    const rest = await call<Page>(
      LIST,
      { filter: { severity }, first: 2, after: first.body.data!.incidents.edges[1]!.cursor },
      analyst,
    );
    expect(rest.body.data!.incidents.edges.map((e) => e.node.id)).toEqual([ids[0]]);
    const open = await call<Page>(LIST, { filter: { severity, status: 'OPEN' } }, analyst);
    expect(open.body.data!.incidents.edges.map((e) => e.node.id)).toEqual([ids[2], ids[0]]);
    expect(errorCode(await call(LIST, { after: 'garbage' }, analyst))).toBe('BAD_USER_INPUT');
  });

  it('are federation entities (the gateway fetches an event’s incident), for readers only', async () => {
    const opened = await openOne({ title: 'Entity' });
    const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Incident { id title status } } }`;
    const r = [{ __typename: 'Incident', id: opened.id }];
    const res = await graphql<{ _entities: unknown[] }>(t.sg.url, ENTITIES, { r }, { as: analyst });
    expect(res.body.data!._entities).toEqual([{ id: opened.id, title: 'Entity', status: 'OPEN' }]);
    expect(errorCode(await graphql(t.sg.url, ENTITIES, { r }, { as: agent }))).toBe('FORBIDDEN');
  });

  it('may be followed with incidentUpdated by readers; agents are refused', async () => {
    const SUBSCRIBE =
      'subscription ($filter: IncidentFilter) { incidentUpdated(filter: $filter) { __typename } }';
    const allowed = await graphql(t.sg.url, SUBSCRIBE, { filter: { status: 'OPEN' } }, { as: analyst });
    expect(allowed.body).toEqual({ data: { incidentUpdated: { __typename: 'Incident' } } });
    expect(errorCode(await graphql(t.sg.url, SUBSCRIBE, {}, { as: agent }))).toBe('FORBIDDEN');
  });
});

describe('escalation policies', () => {
  const level = (afterMinutes: number, channels: string[]) => ({ afterMinutes, channels });

  it('are defined by operators with levels in order over channels that exist, and listed', async () => {
    const mail = `mail-${newId()}`;
    const slack = `slack-${newId()}`;
    await insertChannel(t, mail);
    await insertChannel(t, slack, 'SLACK');
    const name = `primary-${newId()}`;
    const res = await call<{ defineEscalationPolicy: Record<string, unknown> }>(DEFINE, {
      input: { name, levels: [level(0, [mail]), level(15, [slack, mail])], repeat: 2 },
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.defineEscalationPolicy).toMatchObject({
      name,
      repeat: 2,
      repeatAfterMinutes: 30,
      levels: [level(0, [mail]), level(15, [slack, mail])],
      createdBy: operator.id,
    });
    const listed = await call<{ escalationPolicies: { name: string }[] }>(
      '{ escalationPolicies { name } }',
      {},
      analyst,
    );
    expect(listed.body.data!.escalationPolicies.map((p) => p.name)).toContain(name);

    // A policy named, or given by id, is the incident's.
    const byName = await openOne({ escalationPolicy: name });
    expect(byName.escalation).toMatchObject({ policy: name, level: 0, round: 0 });
    const id = (res.body.data!.defineEscalationPolicy as { id: string }).id;
    expect((await openOne({ escalationPolicy: id })).escalation).toMatchObject({ policy: name });

    expect(errorCode(await call(DEFINE, { input: { name, levels: [level(0, [mail])] } }))).toBe('CONFLICT');
    expect(
      errorCode(await call(DEFINE, { input: { name: `x-${newId()}`, levels: [level(0, [mail])] } }, analyst)),
    ).toBe('FORBIDDEN');
  });

  it('refuse levels out of order, unknown channels, and sizes out of bounds, with paths', async () => {
    const mail = `mail-${newId()}`;
    await insertChannel(t, mail);
    const cases: [Record<string, unknown>, string[]][] = [
      [{ levels: [level(0, [mail]), level(0, [mail])] }, ['input.levels.1.afterMinutes']],
      [{ levels: [level(10, [mail]), level(5, [mail])] }, ['input.levels.1.afterMinutes']],
      [{ levels: [level(0, [mail]), level(5, [mail, 'nowhere'])] }, ['input.levels.1.channels.1']],
      [{ levels: [level(-1, [mail])] }, ['input.levels.0.afterMinutes']],
      [{ levels: [level(0, [])] }, ['input.levels.0.channels']],
      [{ levels: [] }, ['input.levels']],
      [{ levels: Array.from({ length: 11 }, (_, i) => level(i, [mail])) }, ['input.levels']],
      [{ levels: [level(0, [mail])], repeat: -1 }, ['input.repeat']],
      [{ levels: [level(0, [mail])], name: ' ' }, ['input.name']],
    ];
    for (const [input, paths] of cases) {
      const res = await call(DEFINE, { input: { name: `bad-${newId()}`, ...input } });
      expect(errorCode(res), paths[0]).toBe('BAD_USER_INPUT');
      expect((res.body.errors![0]!.extensions!.details as { path: string }[]).map((d) => d.path)).toEqual(
        paths,
      );
    }
    const [row] = await t.sg
      .em()
      .getConnection()
      .execute<{ n: string }[]>(
        "select count(*) as n from operations.escalation_policy where name like 'bad-%'",
      );
    expect(Number(row?.n)).toBe(0);
  });
});
