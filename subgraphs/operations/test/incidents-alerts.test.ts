import { newId } from '@ecp/db/ids';
import { graphql } from '@ecp/test-kit/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fireAlert, resolveAlert } from '../src/modules/alerts/alert-sink';
import {
  advance,
  type IncidentsUnderTest,
  incidentEvents,
  insertChannel,
  notices,
  person,
  startIncidents,
  timelineKinds,
} from './incidents-support';

/** Alerts and incidents, through the real fireAlert and resolveAlert: critical alerts open incidents and resolve them. */
let t: IncidentsUnderTest;
const operator = person(['OPERATOR']);
const suffix = newId().slice(0, 8);
const pager = `pager-${suffix}`;

interface LinkRow {
  incident_id: string;
  status: string;
  severity: string;
  opened_by: string;
  resolved_by: string | null;
  title: string;
  resolved_at: string | null;
}

/** The incidents linking an alert of this fingerprint, oldest first, with the link's state. */
async function incidentsOf(fingerprint: string): Promise<LinkRow[]> {
  return t.sg
    .em()
    .getConnection()
    .execute<LinkRow[]>(
      `select i.id as incident_id, i.status, i.severity, i.opened_by, i.resolved_by, i.title, l.resolved_at
         from operations.incident_alert l join operations.incident i on i.id = l.incident_id
        where l.fingerprint = ? order by i.opened_at, i.id`,
      [fingerprint],
    );
}

const down = (environment: string) =>
  t.write((w) =>
    fireAlert(w, {
      rule: 'environment-down',
      labels: { environment },
      summary: `${environment} fails its checks`,
    }),
  );
const up = (environment: string) => t.write((w) => resolveAlert(w, 'environment-down', { environment }));

beforeAll(async () => {
  const policy = `alerts-${suffix}`;
  t = await startIncidents({ ESCALATION_DEFAULT_POLICY: policy });
  await insertChannel(t, pager);
  const res = await graphql(
    t.sg.url,
    'mutation ($input: DefineEscalationPolicyInput!) { defineEscalationPolicy(input: $input) { id } }',
    { input: { name: policy, levels: [{ afterMinutes: 0, channels: [pager] }] } },
    { as: operator },
  );
  expect(res.body.errors).toBeUndefined();
});

afterAll(async () => {
  await t?.stop();
});

describe('a critical alert', () => {
  it('opens an incident linked to it, escalated under the default policy; repeats join it; its resolution resolves it', async () => {
    const env = `env-${newId()}`;
    const alert = await down(env);
    const [opened] = await incidentsOf(alert.fingerprint);
    expect(opened).toMatchObject({
      status: 'OPEN',
      severity: 'SEV1',
      opened_by: 'system',
      title: `An environment fails its health checks (environment=${env})`,
      resolved_at: null,
    });
    const id = opened!.incident_id;
    expect(await notices(t, id)).toEqual([`OPEN ${pager}`]);

    // Seen again while firing: deduplicated by the alert, nothing new here.
    advance(t, 1);
    await down(env);
    expect(await incidentsOf(alert.fingerprint)).toHaveLength(1);
    expect(await timelineKinds(t, id)).toEqual(['OPENED', 'ALERT_LINKED', 'NOTIFIED']);

    advance(t, 10);
    await up(env);
    const [after] = await incidentsOf(alert.fingerprint);
    expect(after).toMatchObject({
      status: 'RESOLVED',
      resolved_by: 'system',
      resolved_at: expect.any(String),
    });
    expect(await timelineKinds(t, id)).toEqual([
      'OPENED',
      'ALERT_LINKED',
      'NOTIFIED',
      'ALERT_RESOLVED',
      'AUTO_RESOLVED',
      'NOTIFIED',
    ]);
    expect(await notices(t, id)).toEqual([`CLOSE ${pager}`, `OPEN ${pager}`]);
    expect((await incidentEvents(t, id, 2)).map((e) => e.attributes.change)).toEqual([
      'OPENED',
      'AUTO_RESOLVED',
    ]);

    // The cause comes back after its incident was resolved: a new incident.
    advance(t, 10);
    await down(env);
    const both = await incidentsOf(alert.fingerprint);
    expect(both.map((r) => r.status)).toEqual(['RESOLVED', 'OPEN']);
    expect(both[1]!.incident_id).not.toBe(id);
  });

  it('that fires again joins the open incident still linking it, which resolves only with its last alert', async () => {
    const env = `env-${newId()}`;
    const critical = await down(env);
    const [own] = await incidentsOf(critical.fingerprint);
    const queue = await t.write((w) =>
      fireAlert(w, { rule: 'queue-backing-up', labels: { queue: `q-${newId()}` }, summary: 'backing up' }),
    );
    // A warning opens nothing by itself.
    expect(await incidentsOf(queue.fingerprint)).toEqual([]);
    const res = await graphql<{ openIncident: { id: string } }>(
      t.sg.url,
      'mutation ($input: OpenIncidentInput!) { openIncident(input: $input) { id } }',
      { input: { title: 'Both', severity: 'SEV2', alertIds: [critical.id, queue.id] } },
      { as: operator },
    );
    const both = res.body.data!.openIncident.id;

    advance(t, 1);
    await up(env);
    const links = await incidentsOf(critical.fingerprint);
    // Its own incident resolved with it; the other still has a firing alert.
    expect(links.find((l) => l.incident_id === own!.incident_id)).toMatchObject({ status: 'RESOLVED' });
    expect(links.find((l) => l.incident_id === both)).toMatchObject({
      status: 'OPEN',
      resolved_at: expect.any(String),
    });

    advance(t, 1);
    await down(env);
    const relinked = await incidentsOf(critical.fingerprint);
    expect(relinked).toHaveLength(2);
    expect(relinked.find((l) => l.incident_id === both)).toMatchObject({ status: 'OPEN', resolved_at: null });

    advance(t, 1);
    await up(env);
    expect((await incidentsOf(critical.fingerprint)).find((l) => l.incident_id === both)?.status).toBe(
      'OPEN',
    );
    advance(t, 1);
    await t.write((w) => resolveAlert(w, 'queue-backing-up', queue.labels));
    expect((await incidentsOf(queue.fingerprint))[0]).toMatchObject({
      status: 'RESOLVED',
      resolved_by: 'system',
    });
    expect(await timelineKinds(t, both)).toEqual([
      'OPENED',
      'ALERT_LINKED',
      'ALERT_LINKED',
      'NOTIFIED',
      'ALERT_RESOLVED',
      'ALERT_LINKED',
      'ALERT_RESOLVED',
      'ALERT_RESOLVED',
      'AUTO_RESOLVED',
      'NOTIFIED',
    ]);
  });

  it('leaves an incident resolved by hand as it is when its alert resolves', async () => {
    const env = `env-${newId()}`;
    const alert = await down(env);
    const [opened] = await incidentsOf(alert.fingerprint);
    await graphql(
      t.sg.url,
      'mutation ($id: ID!) { resolveIncident(id: $id, note: "known maintenance") { id } }',
      { id: opened!.incident_id },
      { as: operator },
    );
    await up(env);
    const [after] = await incidentsOf(alert.fingerprint);
    expect(after).toMatchObject({
      status: 'RESOLVED',
      resolved_by: operator.id,
      resolved_at: expect.any(String),
    });
    expect(await timelineKinds(t, opened!.incident_id)).toEqual([
      'OPENED',
      'ALERT_LINKED',
      'NOTIFIED',
      'RESOLVED',
      'NOTIFIED',
    ]);
  });
});
