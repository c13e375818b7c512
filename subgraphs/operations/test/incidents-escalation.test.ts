import { newId } from '@ecp/db/ids';
import { createLogger } from '@ecp/logging/logger';
import {
  createServiceDirectory,
  defaultSubgraphUrls,
  subgraphUrlsOf,
} from '@ecp/service-kit/service-directory';
import { graphql, TEST_IDENTITY_SECRET } from '@ecp/test-kit/http';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ESCALATE_INCIDENT_JOB,
  type EscalationJobData,
  escalateDueIncidents,
  escalateIncident,
  escalationJobId,
} from '../src/modules/incidents/escalation';
import {
  channelsNotifiedBy,
  type EscalationPlan,
  stepAfter,
  stepDueAt,
} from '../src/modules/incidents/escalation-plan';
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

/**
 * Escalation on its delayed jobs: the test opens incidents through the graph on its clock, then runs
 * the escalation timers as the workers would, at the times it sets, and reads what they enqueued on
 * a real queue and which channels were told.
 */
let t: IncidentsUnderTest;
const operator = person(['OPERATOR']);
const logger = createLogger({ service: 'test', level: 'silent' });
const services = createServiceDirectory({
  service: 'operations',
  identitySecret: TEST_IDENTITY_SECRET,
  urls: subgraphUrlsOf(defaultSubgraphUrls()),
  registry: new Registry(),
  logger,
});
const suffix = newId().slice(0, 8);
const mail = `oncall-mail-${suffix}`;
const slack = `team-slack-${suffix}`;
const github = `ops-github-${suffix}`;
const policy = `three-levels-${suffix}`;
const defaultPolicyName = `default-${suffix}`;

beforeAll(async () => {
  t = await startIncidents({ ESCALATION_DEFAULT_POLICY: defaultPolicyName });
  await insertChannel(t, mail);
  await insertChannel(t, slack, 'SLACK');
  await insertChannel(t, github, 'GITHUB');
  await define(policy, [level(0, [mail]), level(10, [slack]), level(25, [github, mail])], 1, 5);
  await define(defaultPolicyName, [level(0, [slack])], 0);
});

afterAll(async () => {
  await services.close();
  await t?.stop();
});

function level(afterMinutes: number, channels: string[]) {
  return { afterMinutes, channels };
}

async function define(
  name: string,
  levels: ReturnType<typeof level>[],
  repeat: number,
  repeatAfterMinutes?: number,
) {
  const res = await graphql(
    t.sg.url,
    'mutation ($input: DefineEscalationPolicyInput!) { defineEscalationPolicy(input: $input) { id } }',
    { input: { name, levels, repeat, repeatAfterMinutes } },
    { as: operator },
  );
  expect(res.body.errors).toBeUndefined();
}

interface Escalation {
  policy: string;
  level: number | null;
  round: number;
  nextEscalationAt: string | null;
}

async function open(escalationPolicy?: string): Promise<{ id: string; escalation: Escalation | null }> {
  const res = await graphql<{ openIncident: { id: string; escalation: Escalation | null } }>(
    t.sg.url,
    `mutation ($input: OpenIncidentInput!) { openIncident(input: $input) { id escalation { policy level round nextEscalationAt } } }`,
    { input: { title: 'Checkout down', severity: 'SEV1', escalationPolicy } },
    { as: operator },
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.openIncident;
}

async function escalationOf(id: string): Promise<Escalation | null> {
  const res = await graphql<{ incident: { escalation: Escalation | null } }>(
    t.sg.url,
    'query ($id: ID!) { incident(id: $id) { escalation { policy level round nextEscalationAt } } }',
    { id },
    { as: operator },
  );
  return res.body.data!.incident.escalation;
}

/** Runs an escalation timer as its job does, on the test's clock and queues. */
const runTimer = (data: EscalationJobData) => t.write((w) => escalateIncident(w, data));

/** The escalation timer queued under an id: its data and delay. */
async function timer(jobId: string) {
  const job = await t.producer.queue(ESCALATE_INCIDENT_JOB.queue).getJob(jobId);
  return job ? { data: job.data, delayMs: job.opts.delay } : null;
}

const MIN = 60_000;

describe('the escalation plan', () => {
  const plan: EscalationPlan = {
    levels: [level(0, ['a']), level(10, ['b']), level(25, ['c', 'a'])],
    repeat: 1,
    repeatAfterMinutes: 5,
  };
  const at = new Date('2026-12-04T10:00:00Z');

  it('puts each level at its minutes into its round, and a round at its last level plus the pause', () => {
    const due = (level: number, round: number) =>
      (stepDueAt(plan, at, { level, round }).getTime() - at.getTime()) / MIN;
    expect([due(0, 0), due(1, 0), due(2, 0), due(0, 1), due(1, 1), due(2, 1)]).toEqual([
      0, 10, 25, 30, 40, 55,
    ]);
  });

  it('goes level by level, starts over `repeat` times, then stops', () => {
    const steps = [];
    for (let s: { level: number; round: number } | null = { level: 0, round: 0 }; s; s = stepAfter(plan, s))
      steps.push(s);
    expect(steps.map((s) => `${s.level}/${s.round}`)).toEqual(['0/0', '1/0', '2/0', '0/1', '1/1', '2/1']);
  });

  it('knows the channels told so far', () => {
    expect(channelsNotifiedBy(plan, null)).toEqual([]);
    expect(channelsNotifiedBy(plan, { level: 1, round: 0 })).toEqual(['a', 'b']);
    expect(channelsNotifiedBy(plan, { level: 0, round: 1 })).toEqual(['a', 'b', 'c']);
  });
});

describe('escalation', () => {
  it('tells each level in turn while nobody acknowledges, repeats, then stops; the resolution closes the thread everywhere', async () => {
    t.clock.now = new Date('2026-12-04T10:00:00Z');
    const T0 = t.clock.now.getTime();
    const incident = await open(policy);
    // The first level at once: the thread opens on its channel.
    expect(await notices(t, incident.id)).toEqual([`OPEN ${mail}`]);
    expect(incident.escalation).toEqual({
      policy,
      level: 0,
      round: 0,
      nextEscalationAt: new Date(T0 + 10 * MIN).toISOString(),
    });
    const step = (level: number, round: number) => ({ incidentId: incident.id, level, round });
    expect(await timer(escalationJobId(incident.id, { level: 1, round: 0 }))).toEqual({
      data: step(1, 0),
      delayMs: 10 * MIN,
    });

    // A timer that fires early tells nobody, and waits again for the time left.
    advance(t, 4);
    expect(await runTimer(step(1, 0))).toBe('not-due');
    expect(await notices(t, incident.id)).toEqual([`OPEN ${mail}`]);
    expect(await timer(`${escalationJobId(incident.id, { level: 1, round: 0 })}-at-${T0 + 4 * MIN}`)).toEqual(
      {
        data: step(1, 0),
        delayMs: 6 * MIN,
      },
    );

    advance(t, 6);
    expect(await runTimer(step(1, 0))).toBe('escalated');
    expect(await notices(t, incident.id)).toEqual([`OPEN ${mail}`, `OPEN ${slack}`]);
    expect(await timer(escalationJobId(incident.id, { level: 2, round: 0 }))).toEqual({
      data: step(2, 0),
      delayMs: 15 * MIN,
    });
    // The same timer again (a retry, a duplicate) does nothing.
    expect(await runTimer(step(1, 0))).toBe('stale');
    expect(await notices(t, incident.id)).toHaveLength(2);

    advance(t, 15);
    expect(await runTimer(step(2, 0))).toBe('escalated');
    // GitHub hears of it for the first time (an issue opens); email was told before (a comment).
    expect(await notices(t, incident.id)).toEqual(
      [`OPEN ${github}`, `OPEN ${mail}`, `OPEN ${slack}`, `UPDATE ${mail}`].sort(),
    );
    expect(await timer(escalationJobId(incident.id, { level: 0, round: 1 }))).toEqual({
      data: step(0, 1),
      delayMs: 5 * MIN,
    });

    // The repeat: every level again, as updates on the thread.
    advance(t, 5);
    expect(await runTimer(step(0, 1))).toBe('escalated');
    advance(t, 10);
    expect(await runTimer(step(1, 1))).toBe('escalated');
    advance(t, 15);
    expect(await runTimer(step(2, 1))).toBe('escalated');
    expect(await notices(t, incident.id)).toEqual(
      [
        `OPEN ${github}`,
        `OPEN ${mail}`,
        `OPEN ${slack}`,
        `UPDATE ${github}`,
        `UPDATE ${mail}`,
        `UPDATE ${mail}`,
        `UPDATE ${mail}`,
        `UPDATE ${slack}`,
      ].sort(),
    );
    // The policy ran out: no further timer, nothing pending.
    expect(await escalationOf(incident.id)).toEqual({ policy, level: 2, round: 1, nextEscalationAt: null });
    expect(await timer(escalationJobId(incident.id, { level: 0, round: 2 }))).toBeNull();
    expect(await runTimer(step(0, 2))).toBe('stale');

    const resolved = await graphql(
      t.sg.url,
      'mutation ($id: ID!) { resolveIncident(id: $id, note: "fixed") { status } }',
      { id: incident.id },
      { as: operator },
    );
    expect(resolved.body.errors).toBeUndefined();
    expect((await notices(t, incident.id)).filter((n) => n.startsWith('CLOSE'))).toEqual(
      [`CLOSE ${github}`, `CLOSE ${mail}`, `CLOSE ${slack}`].sort(),
    );
    expect(await timelineKinds(t, incident.id)).toEqual([
      'OPENED',
      'NOTIFIED',
      ...['ESCALATED', 'NOTIFIED'],
      ...['ESCALATED', 'NOTIFIED', 'NOTIFIED'],
      // The repeat tells only channels told before: one update each step.
      ...['ESCALATED', 'NOTIFIED'],
      ...['ESCALATED', 'NOTIFIED'],
      ...['ESCALATED', 'NOTIFIED'],
      'RESOLVED',
      'NOTIFIED',
    ]);
    const changes = (await incidentEvents(t, incident.id, 7)).map((e) => e.attributes.change);
    expect(changes).toEqual([
      'OPENED',
      'ESCALATED',
      'ESCALATED',
      'ESCALATED',
      'ESCALATED',
      'ESCALATED',
      'RESOLVED',
    ]);
  });

  it('stops when someone acknowledges: the pending timer finds it acknowledged and tells nobody', async () => {
    t.clock.now = new Date('2026-12-05T10:00:00Z');
    const incident = await open(policy);
    advance(t, 3);
    const acked = await graphql<{ acknowledgeIncident: { escalation: Escalation } }>(
      t.sg.url,
      'mutation ($id: ID!) { acknowledgeIncident(id: $id) { escalation { level round nextEscalationAt } } }',
      { id: incident.id },
      { as: operator },
    );
    expect(acked.body.data!.acknowledgeIncident.escalation).toEqual({
      level: 0,
      round: 0,
      nextEscalationAt: null,
    });
    // Those told so far hear who took it.
    expect(await notices(t, incident.id)).toEqual([`OPEN ${mail}`, `UPDATE ${mail}`]);
    advance(t, 7);
    expect(await runTimer({ incidentId: incident.id, level: 1, round: 0 })).toBe('stopped');
    expect(await notices(t, incident.id)).toEqual([`OPEN ${mail}`, `UPDATE ${mail}`]);
    expect(await timer(escalationJobId(incident.id, { level: 2, round: 0 }))).toBeNull();
  });

  it('stops when the incident is resolved before anyone acknowledged', async () => {
    t.clock.now = new Date('2026-12-06T10:00:00Z');
    const incident = await open(policy);
    await graphql(
      t.sg.url,
      'mutation ($id: ID!) { resolveIncident(id: $id) { id } }',
      { id: incident.id },
      { as: operator },
    );
    advance(t, 10);
    expect(await runTimer({ incidentId: incident.id, level: 1, round: 0 })).toBe('stopped');
    expect(await notices(t, incident.id)).toEqual([`CLOSE ${mail}`, `OPEN ${mail}`]);
  });

  it('waits for a first level that is not at 0 minutes, and follows the default policy when none is named', async () => {
    const late = `late-${suffix}`;
    await define(late, [level(5, [github])], 0);
    t.clock.now = new Date('2026-12-07T10:00:00Z');
    const incident = await open(late);
    expect(await notices(t, incident.id)).toEqual([]);
    expect(incident.escalation).toMatchObject({ level: null, round: 0 });
    expect(await timer(escalationJobId(incident.id, { level: 0, round: 0 }))).toEqual({
      data: { incidentId: incident.id, level: 0, round: 0 },
      delayMs: 5 * MIN,
    });
    advance(t, 5);
    expect(await runTimer({ incidentId: incident.id, level: 0, round: 0 })).toBe('escalated');
    expect(await notices(t, incident.id)).toEqual([`OPEN ${github}`]);
    expect(await escalationOf(incident.id)).toEqual({
      policy: late,
      level: 0,
      round: 0,
      nextEscalationAt: null,
    });

    const byDefault = await open();
    expect(byDefault.escalation).toMatchObject({ policy: defaultPolicyName, level: 0 });
    expect(await notices(t, byDefault.id)).toEqual([`OPEN ${slack}`]);
  });

  it('sweeps: an open incident whose timer was lost is escalated when past due, once', async () => {
    t.clock.now = new Date('2026-12-08T10:00:00Z');
    const incident = await open(policy);
    const lost = await t.producer
      .queue(ESCALATE_INCIDENT_JOB.queue)
      .getJob(escalationJobId(incident.id, { level: 1, round: 0 }));
    await lost!.remove();
    const sweep = () => escalateDueIncidents(t.sg.built.orm.em, t.sg.built.platform.outbox!, t.runtime);
    advance(t, 9);
    expect(await sweep()).toEqual({ escalated: 0 });
    advance(t, 3);
    expect(await sweep()).toEqual({ escalated: 1 });
    expect(await notices(t, incident.id)).toEqual([`OPEN ${mail}`, `OPEN ${slack}`]);
    expect(await escalationOf(incident.id)).toMatchObject({ level: 1, round: 0 });
    expect(await timer(escalationJobId(incident.id, { level: 2, round: 0 }))).toEqual({
      data: { incidentId: incident.id, level: 2, round: 0 },
      delayMs: 13 * MIN,
    });
    expect(await sweep()).toEqual({ escalated: 0 });
    // Had the lost timer come after all, it finds its step taken.
    expect(await runTimer({ incidentId: incident.id, level: 1, round: 0 })).toBe('stale');
    expect(await notices(t, incident.id)).toHaveLength(2);
  });

  it('runs as the workers run it: an unknown incident ends the job; one not due is queued again for the time left', async () => {
    const context = {
      orm: t.sg.built.orm,
      outbox: t.sg.built.platform.outbox,
      services,
      jobs: t.producer,
      logger,
      job: { id: 'test', queue: ESCALATE_INCIDENT_JOB.queue, attempt: 1 },
    };
    expect(await ESCALATE_INCIDENT_JOB.process({ incidentId: newId(), level: 1, round: 0 }, context)).toBe(
      'unknown',
    );
    // Opened now by the wall clock, which the job reads: its next level is 10 minutes away.
    t.clock.now = new Date();
    const incident = await open(policy);
    expect(
      await ESCALATE_INCIDENT_JOB.process({ incidentId: incident.id, level: 1, round: 0 }, context),
    ).toBe('not-due');
    const queue = t.producer.queue(ESCALATE_INCIDENT_JOB.queue);
    const requeued = (await queue.getDelayed()).filter(
      (j) =>
        j.data.incidentId === incident.id &&
        j.id?.startsWith(`${escalationJobId(incident.id, { level: 1, round: 0 })}-at-`),
    );
    expect(requeued).toHaveLength(1);
    expect(requeued[0]!.opts.delay).toBeGreaterThan(9 * MIN);
    expect(requeued[0]!.opts.delay).toBeLessThanOrEqual(10 * MIN);
    expect(await notices(t, incident.id)).toEqual([`OPEN ${mail}`]);
  });
});
