import { newId } from '@ecp/db/ids';
import type { Principal } from '@ecp/identity/principal';
import type { JobContext } from '@ecp/jobs/job-definition';
import { JobProducer } from '@ecp/jobs/job-producer';
import { createLogger } from '@ecp/logging/logger';
import { testEnv } from '@ecp/test-kit/env';
import { graphql } from '@ecp/test-kit/http';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { type Job, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOf } from '../src/modules/alerts/alert-sink';
import { DELIVER_JOB, REDELIVER_PENDING_JOB } from '../src/modules/delivery/delivery.jobs';
import { type NotificationRequest, notify } from '../src/modules/delivery/notifier';
import { processSettings } from '../src/runtime';
import { operationsSubgraph } from '../src/subgraph';
import { type HttpPeer, type SmtpPeer, startHttpPeer, startSmtpPeer } from './delivery-peers';

/**
 * Deliveries sent for real to local peers (an SMTP server in-process, Slack's webhook and GitHub's
 * API on loopback), their job run as the workers run it, try after try: what each peer receives, what
 * is recorded of every try, and what a channel that keeps failing causes.
 */
const SMTP_PASSWORD = 'smtp-password-never-shown';
const GITHUB_TOKEN = 'ghp_token_never_shown_0123456789';
const SLACK_SECRET_PATH = '/services/T000/B000/webhook-secret-never-shown';

let sg: SubgraphUnderTest;
let smtp: SmtpPeer;
let http: HttpPeer;
let redis: Redis;
let producer: JobProducer;
const prefix = `ecp:test:${newId()}:`;
const logger = createLogger({ service: 'test', level: 'silent' });
const admin: Principal = { kind: 'agent', id: newId(), name: 'admin', roles: ['ADMIN'], jurisdictions: [] };

beforeAll(async () => {
  smtp = await startSmtpPeer({ user: 'ecp-mailer', password: SMTP_PASSWORD });
  http = await startHttpPeer();
  // The workers read these from their environment; so does this process.
  Object.assign(process.env, {
    SMTP_URL: smtp.url,
    SMTP_USER: 'ecp-mailer',
    SMTP_PASSWORD,
    SMTP_FROM: 'ECP alerts <alerts@ecp.test>',
    GITHUB_TOKEN,
    GITHUB_API_URL: `${http.origin}/api`,
    DELIVERY_ATTEMPTS: '3',
    DELIVERY_BACKOFF_MS: '1',
    DELIVERY_TIMEOUT_MS: '5000',
  });
  sg = await startSubgraph(() =>
    operationsSubgraph({ redisUrl: testEnv.redisUrl, queuePrefix: `${prefix}q` }),
  );
  redis = new Redis(testEnv.redisUrl, { maxRetriesPerRequest: null });
  producer = new JobProducer(redis, `${prefix}q`);
});

afterEach(async () => {
  // Each test's channels are its own: the next test's notifications go to its channels only.
  await sql('update operations.channel set enabled = false');
  http.requests.length = 0;
  http.answer = () => ({ status: 200, body: 'ok' });
});

afterAll(async () => {
  await producer?.close();
  await sg?.stop();
  await smtp?.close();
  await http?.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const sql = <T = Record<string, unknown>>(query: string, params: unknown[] = []) =>
  sg.em().getConnection().execute<T[]>(query, params);

const runtime = () => ({ jobs: producer, settings: processSettings(), now: () => new Date() });

/** The context the workers give a job's processor (see workers/src/host/work-host.ts). */
const jobContext = (attempt: number): JobContext => ({
  orm: sg.built.orm,
  outbox: sg.built.platform.outbox,
  services: sg.built.platform.services,
  jobs: producer,
  logger,
  job: { id: 'test', queue: DELIVER_JOB.queue, attempt },
});

async function defineChannel(name: string, kind: 'EMAIL' | 'SLACK' | 'GITHUB', target: string) {
  const res = await graphql<{ defineChannel: { id: string } }>(
    sg.url,
    'mutation ($input: DefineChannelInput!) { defineChannel(input: $input) { id } }',
    { input: { name, kind, target } },
    { as: admin },
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.defineChannel.id;
}

async function send(request: Omit<NotificationRequest, 'kind'> & { kind?: NotificationRequest['kind'] }) {
  return sg.em().transactional((tx) => notify({ tx, runtime: runtime() }, { kind: 'ALERT', ...request }));
}

const deliver = (deliveryId: string, attempt = 1) => DELIVER_JOB.process({ deliveryId }, jobContext(attempt));

async function deliveryRow(id: string) {
  const [row] = await sql<{
    status: string;
    attempts: number;
    last_error: string | null;
    delivered_at: string | null;
    external_ref: string | null;
  }>(
    'select status, attempts, last_error, delivered_at, external_ref from operations.delivery where id = ?',
    [id],
  );
  return row!;
}

async function attemptRows(deliveryId: string) {
  return sql<{
    attempt: number;
    outcome: string;
    status_code: number | null;
    error: string | null;
    duration_ms: number;
  }>(
    'select attempt, outcome, status_code, error, duration_ms from operations.delivery_attempt where delivery_id = ? order by attempt',
    [deliveryId],
  );
}

async function alertOf(channel: string) {
  const [row] = await sql<{ status: string; summary: string }>(
    'select status, summary from operations.alert where fingerprint = ?',
    [fingerprintOf('delivery-failed', { channel })],
  );
  return row;
}

/** The failure notices written about a delivery, with the channels they go to. */
async function failureNotices(deliveryId: string) {
  return sql<{ delivery_id: string; channel: string; subject: string; markdown: string }>(
    `select d.id as delivery_id, c.name as channel, n.subject, n.markdown from operations.notification n
       join operations.delivery d on d.notification_id = n.id join operations.channel c on c.id = d.channel_id
      where n.idempotency_key = ? order by c.name`,
    [`delivery-failure:${deliveryId}`],
  );
}

describe('EMAIL', () => {
  it('sends one mail over SMTP with the configured sender and credentials, and records the try', async () => {
    const name = `mail-${newId()}`;
    await defineChannel(name, 'EMAIL', 'oncall@ecp.test');
    const { deliveryIds } = await send({
      subject: 'Environment prod is down',
      markdown:
        '**prod** fails its health checks since 10:00.\n\n- runbook: docs/runbooks/alert-environment-down.md',
    });
    expect(deliveryIds).toHaveLength(1);
    expect(await deliver(deliveryIds[0]!)).toEqual({ status: 'DELIVERED' });

    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.from?.text).toBe('"ECP alerts" <alerts@ecp.test>');
    expect((Array.isArray(mail.to) ? mail.to[0] : mail.to)?.text).toBe('oncall@ecp.test');
    expect(mail.subject).toBe('Environment prod is down');
    expect(mail.text).toContain('**prod** fails its health checks since 10:00.');
    expect(mail.html).toContain('<strong>prod</strong>');
    expect(mail.html).toContain('<li>runbook: docs/runbooks/alert-environment-down.md</li>');
    expect(smtp.logins).toContainEqual({ username: 'ecp-mailer', password: SMTP_PASSWORD });

    const row = await deliveryRow(deliveryIds[0]!);
    expect(row).toMatchObject({ status: 'DELIVERED', attempts: 1, last_error: null });
    expect(row.delivered_at).not.toBeNull();
    expect(row.external_ref).toBe(mail.messageId);
    expect(await attemptRows(deliveryIds[0]!)).toEqual([
      { attempt: 1, outcome: 'OK', status_code: 250, error: null, duration_ms: expect.any(Number) },
    ]);
    // Run again (a redelivered job): nothing is sent twice.
    expect(await deliver(deliveryIds[0]!, 2)).toEqual({ status: 'DELIVERED', skipped: true });
    expect(smtp.received).toHaveLength(1);
  });

  it('an SMTP server refusing the recipient fails the delivery at once, alerts, and tells the other channels', async () => {
    const refused = `mail-refused-${newId()}`;
    const other = `slack-other-${newId()}`;
    await defineChannel(refused, 'EMAIL', 'refuse-me@ecp.test');
    await defineChannel(other, 'SLACK', `${http.origin}${SLACK_SECRET_PATH}`);
    const { deliveryIds } = await send({ subject: 'Queue backing up', markdown: 'q', channels: [refused] });
    const before = smtp.received.length;

    const failing = deliver(deliveryIds[0]!);
    await expect(failing).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(failing).rejects.toThrow(/550/);
    expect(smtp.received).toHaveLength(before);
    expect(await deliveryRow(deliveryIds[0]!)).toMatchObject({ status: 'FAILED', attempts: 1 });
    const [attempt] = await attemptRows(deliveryIds[0]!);
    expect(attempt).toMatchObject({ attempt: 1, outcome: 'ERROR', status_code: 550 });
    expect(attempt!.error).toContain('Mailbox unavailable');
    expect(await alertOf(refused)).toMatchObject({ status: 'FIRING' });

    const notices = await failureNotices(deliveryIds[0]!);
    expect(notices.map((n) => n.channel)).toEqual([other]);
    expect(notices[0]!.subject).toBe(`Delivery to ${refused} failed: Queue backing up`);
    await deliver(notices[0]!.delivery_id);
    const slackPost = http.requests.find((r) => r.path === SLACK_SECRET_PATH);
    expect((slackPost!.body as { text: string }).text).toContain(
      `*Delivery to ${refused} failed: Queue backing up*`,
    );
  });
});

describe('SLACK', () => {
  it('posts the subject in bold and the body in mrkdwn to the webhook', async () => {
    const name = `slack-${newId()}`;
    await defineChannel(name, 'SLACK', `${http.origin}${SLACK_SECRET_PATH}`);
    const { deliveryIds } = await send({
      subject: 'Divergence above threshold',
      markdown: 'Jurisdiction **EU**: see [the runbook](https://ecp.test/runbook)\n- one < two',
    });
    await deliver(deliveryIds[0]!);
    expect(http.requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: SLACK_SECRET_PATH,
        body: {
          text: '*Divergence above threshold*\nJurisdiction *EU*: see <https://ecp.test/runbook|the runbook>\n• one &lt; two',
        },
      }),
    ]);
    expect(http.requests[0]!.headers['content-type']).toBe('application/json');
    expect(await attemptRows(deliveryIds[0]!)).toEqual([
      expect.objectContaining({ outcome: 'OK', status_code: 200 }),
    ]);
  });

  it('a webhook answering 500 is tried again with every try recorded, then FAILED, alerted and told elsewhere; a later success resolves the alert', async () => {
    const broken = `slack-broken-${newId()}`;
    const mail = `mail-${newId()}`;
    const brokenToo = `slack-broken-too-${newId()}`;
    await defineChannel(broken, 'SLACK', `${http.origin}/broken${SLACK_SECRET_PATH}`);
    await defineChannel(mail, 'EMAIL', 'oncall@ecp.test');
    await defineChannel(brokenToo, 'SLACK', `${http.origin}/broken/too${SLACK_SECRET_PATH}`);
    http.answer = (r) =>
      r.path.startsWith('/broken')
        ? { status: 500, body: `upstream error at ${http.origin}${r.path}` }
        : { status: 200, body: 'ok' };
    const { deliveryIds } = await send({
      subject: 'Held decision waiting',
      markdown: 'x',
      channels: [broken],
    });
    const id = deliveryIds[0]!;

    for (const attempt of [1, 2]) {
      const tried = deliver(id, attempt);
      await expect(tried).rejects.toThrow(/answered 500/);
      await expect(tried).rejects.not.toBeInstanceOf(UnrecoverableError);
      expect(await deliveryRow(id)).toMatchObject({ status: 'PENDING', attempts: attempt });
    }
    expect(await failureNotices(id)).toEqual([]);
    await expect(deliver(id, 3)).rejects.toBeInstanceOf(UnrecoverableError);
    const row = await deliveryRow(id);
    expect(row).toMatchObject({ status: 'FAILED', attempts: 3 });
    const attempts = await attemptRows(id);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.status_code])).toEqual([
      [1, 'ERROR', 500],
      [2, 'ERROR', 500],
      [3, 'ERROR', 500],
    ]);
    expect(attempts[0]!.error).toContain('Slack webhook answered 500');
    expect((await alertOf(broken))?.status).toBe('FIRING');

    // Told on every other channel; the mail arrives.
    const notices = await failureNotices(id);
    expect(notices.map((n) => n.channel).sort()).toEqual([brokenToo, mail].sort());
    const received = smtp.received.length;
    await deliver(notices.find((n) => n.channel === mail)!.delivery_id);
    expect(smtp.received).toHaveLength(received + 1);
    expect(smtp.received.at(-1)!.subject).toBe(`Delivery to ${broken} failed: Held decision waiting`);

    // The failure notice to the other broken channel fails too: recorded, and nothing more follows.
    const noticeToBroken = notices.find((n) => n.channel === brokenToo)!.delivery_id;
    await deliver(noticeToBroken, 1).catch(() => {});
    await deliver(noticeToBroken, 2).catch(() => {});
    await expect(deliver(noticeToBroken, 3)).rejects.toBeInstanceOf(UnrecoverableError);
    expect((await deliveryRow(noticeToBroken)).status).toBe('FAILED');
    expect(await failureNotices(noticeToBroken)).toEqual([]);
    expect(await alertOf(brokenToo)).toBeUndefined();

    // No secret anywhere it was written: tries, the delivery, the alert, the notice, the jobs.
    const written = JSON.stringify([
      attempts,
      row,
      await alertOf(broken),
      notices,
      await sql('select * from operations.delivery_attempt'),
    ]);
    // The peer echoed the webhook's URL in its answer: recorded without it.
    expect(attempts[0]!.error).toBe('Slack webhook answered 500: upstream error at [redacted]');
    for (const secret of [SLACK_SECRET_PATH, 'webhook-secret', SMTP_PASSWORD, GITHUB_TOKEN]) {
      expect(written).not.toContain(secret);
    }
    const jobs = await producer
      .queue(DELIVER_JOB.queue)
      .getJobs(['waiting', 'delayed', 'completed', 'failed']);
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) expect(Object.keys(job.data)).toEqual(['deliveryId']);

    // The channel recovers: the next delivery resolves its alert.
    http.answer = () => ({ status: 200, body: 'ok' });
    const later = await send({ subject: 'Again', markdown: 'y', channels: [broken] });
    await deliver(later.deliveryIds[0]!);
    expect((await alertOf(broken))?.status).toBe('RESOLVED');
  });
});

describe('GITHUB', () => {
  const issuesAnswer = (r: { method: string; path: string }) => {
    if (r.method === 'POST' && r.path === '/api/repos/o/r/issues')
      return { status: 201, body: { number: 42 } };
    if (r.method === 'POST' && /^\/api\/repos\/o\/r\/issues\/\d+\/comments$/.test(r.path))
      return { status: 201, body: { id: 1 } };
    if (r.method === 'PATCH' && /^\/api\/repos\/o\/r\/issues\/\d+$/.test(r.path))
      return { status: 200, body: { number: 42, state: 'closed' } };
    if (r.path.startsWith('/api/repos/o/forbidden/'))
      return { status: 403, body: { message: 'Resource not accessible by integration' } };
    return { status: 404, body: { message: 'Not Found' } };
  };

  it('a thread opens one issue, comments on it, then comments and closes it; a notice without a thread has its own issue', async () => {
    const name = `gh-${newId()}`;
    const channelId = await defineChannel(name, 'GITHUB', 'o/r');
    http.answer = issuesAnswer;
    const threadKey = `alert-group:${newId()}`;
    const opened = await send({
      subject: 'Environment prod is down',
      markdown: '**down**',
      threadKey,
      action: 'OPEN',
    });
    await deliver(opened.deliveryIds[0]!);
    const updated = await send({
      subject: 'Still down',
      markdown: 'three checks failed',
      threadKey,
      action: 'UPDATE',
    });
    await deliver(updated.deliveryIds[0]!);
    const closed = await send({ subject: 'Resolved', markdown: 'prod is back', threadKey, action: 'CLOSE' });
    await deliver(closed.deliveryIds[0]!);

    expect(http.requests.map((r) => [r.method, r.path])).toEqual([
      ['POST', '/api/repos/o/r/issues'],
      ['POST', '/api/repos/o/r/issues/42/comments'],
      ['POST', '/api/repos/o/r/issues/42/comments'],
      ['PATCH', '/api/repos/o/r/issues/42'],
    ]);
    expect(http.requests[0]!.body).toEqual({
      title: 'Environment prod is down',
      body: '**down**',
      labels: ['ecp-alert'],
    });
    expect(http.requests[1]!.body).toEqual({ body: '**Still down**\n\nthree checks failed' });
    expect(http.requests[3]!.body).toMatchObject({ state: 'closed' });
    for (const r of http.requests) expect(r.headers.authorization).toBe(`token ${GITHUB_TOKEN}`);
    for (const d of [opened, updated, closed]) {
      expect(await deliveryRow(d.deliveryIds[0]!)).toMatchObject({ status: 'DELIVERED', external_ref: '42' });
    }
    const [thread] = await sql<{ issue_number: number; closed_at: string | null }>(
      'select issue_number, closed_at from operations.github_thread where channel_id = ? and thread_key = ?',
      [channelId, threadKey],
    );
    expect(thread).toMatchObject({ issue_number: 42, closed_at: expect.any(String) });

    http.requests.length = 0;
    const alone = await send({ subject: 'PM report', markdown: 'report' });
    await deliver(alone.deliveryIds[0]!);
    expect(http.requests.map((r) => [r.method, r.path])).toEqual([['POST', '/api/repos/o/r/issues']]);
  });

  it('a 403 is permanent: FAILED at the first try, with the status recorded and the token nowhere', async () => {
    const name = `gh-forbidden-${newId()}`;
    await defineChannel(name, 'GITHUB', 'o/forbidden');
    http.answer = issuesAnswer;
    const { deliveryIds } = await send({
      subject: 'x',
      markdown: 'y',
      threadKey: `t-${newId()}`,
      action: 'OPEN',
    });
    await expect(deliver(deliveryIds[0]!)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(await deliveryRow(deliveryIds[0]!)).toMatchObject({ status: 'FAILED', attempts: 1 });
    const [attempt] = await attemptRows(deliveryIds[0]!);
    expect(attempt).toMatchObject({ outcome: 'ERROR', status_code: 403 });
    expect(attempt!.error).toContain('Resource not accessible by integration');
    expect(attempt!.error).not.toContain(GITHUB_TOKEN);
    expect((await alertOf(name))?.status).toBe('FIRING');
  });
});

describe('a channel switched off', () => {
  it('ends its pending deliveries without sending, alerting or telling anyone', async () => {
    const name = `mail-off-${newId()}`;
    const channelId = await defineChannel(name, 'EMAIL', 'oncall@ecp.test');
    const { deliveryIds } = await send({ subject: 'Queued before the switch', markdown: 'm' });
    await sql('update operations.channel set enabled = false where id = ?', [channelId]);
    const before = smtp.received.length;
    await expect(deliver(deliveryIds[0]!)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(smtp.received).toHaveLength(before);
    expect(await deliveryRow(deliveryIds[0]!)).toMatchObject({
      status: 'FAILED',
      last_error: 'the channel is disabled',
    });
    expect(await alertOf(name)).toBeUndefined();
    expect(await failureNotices(deliveryIds[0]!)).toEqual([]);
  });
});

describe('the delivery queue', () => {
  it('enqueues each delivery with its id only, under the configured retry policy', async () => {
    await defineChannel(`slack-${newId()}`, 'SLACK', `${http.origin}${SLACK_SECRET_PATH}`);
    const { deliveryIds } = await send({ subject: 's', markdown: 'm' });
    const job = await producer.queue(DELIVER_JOB.queue).getJob(`deliver-${deliveryIds[0]}`);
    expect(job?.data).toEqual({ deliveryId: deliveryIds[0] });
    expect(job?.opts).toMatchObject({ attempts: 3, backoff: { type: 'exponential', delay: 1 } });
  });

  it('the sweep enqueues again a pending delivery older than a minute whose job is gone, and no newer one', async () => {
    const channelId = await defineChannel(`mail-${newId()}`, 'EMAIL', 'oncall@ecp.test');
    const notificationId = newId();
    await sql(
      "insert into operations.notification (id, kind, subject, markdown, action) values (?, 'ALERT', 's', 'm', 'UPDATE')",
      [notificationId],
    );
    const lost = newId();
    const recent = newId();
    const [otherChannel] = await sql<{ id: string }>(
      'select id from operations.channel where id <> ? limit 1',
      [channelId],
    );
    await sql(
      `insert into operations.delivery (id, notification_id, channel_id, status, created_at) values
         (?, ?, ?, 'PENDING', now() - interval '2 minutes'), (?, ?, ?, 'PENDING', now())`,
      [lost, notificationId, channelId, recent, notificationId, otherChannel!.id],
    );
    const queue = producer.queue(DELIVER_JOB.queue);
    expect(await queue.getJob(`deliver-${lost}`)).toBeUndefined();
    const swept = (await REDELIVER_PENDING_JOB.process(
      {},
      { ...jobContext(1), job: { id: 'sweep', queue: REDELIVER_PENDING_JOB.queue, attempt: 1 } },
    )) as { pending: number };
    expect(swept.pending).toBeGreaterThanOrEqual(1);
    expect((await queue.getJob(`deliver-${lost}`))?.data).toEqual({ deliveryId: lost });
    expect(await queue.getJob(`deliver-${recent}`)).toBeUndefined();
    // Again: the job is there, nothing is added twice.
    await REDELIVER_PENDING_JOB.process({}, jobContext(1));
    expect(
      (await queue.getJobs(['waiting', 'delayed'])).filter((j) => j.id === `deliver-${lost}`),
    ).toHaveLength(1);
    expect(REDELIVER_PENDING_JOB.scheduler).toMatchObject({ everyMs: 60_000 });
  });
});

describe('a real worker', () => {
  it('retries a failing delivery with the configured backoff until its last try, then fails the job for good', async () => {
    const queue = producer.queue(DELIVER_JOB.queue);
    await queue.obliterate({ force: true });
    const name = `slack-down-${newId()}`;
    await defineChannel(name, 'SLACK', `${http.origin}/down${SLACK_SECRET_PATH}`);
    http.answer = () => ({ status: 503, body: 'unavailable' });
    const { deliveryIds } = await send({ subject: 'Worker test', markdown: 'm', channels: [name] });
    const id = deliveryIds[0]!;
    const events = new QueueEvents(DELIVER_JOB.queue, {
      connection: redis.duplicate(),
      prefix: `${prefix}q`,
    });
    await events.waitUntilReady();
    // As workers/src/host/work-host.ts runs a job: its processor with the attempt BullMQ counts.
    const worker = new Worker(
      DELIVER_JOB.queue,
      (job: Job) =>
        DELIVER_JOB.process(job.data, {
          ...jobContext(job.attemptsMade + 1),
          job: { id: String(job.id), queue: DELIVER_JOB.queue, attempt: job.attemptsMade + 1 },
        }),
      { connection: redis.duplicate(), prefix: `${prefix}q`, concurrency: 1 },
    );
    try {
      const job = (await queue.getJob(`deliver-${id}`))!;
      await expect(job.waitUntilFinished(events, 20_000)).rejects.toThrow(/answered 503/);
      const finished = (await queue.getJob(`deliver-${id}`))!;
      expect(await finished.getState()).toBe('failed');
      expect(finished.attemptsMade).toBe(3);
      expect(
        JSON.stringify(finished.data) + finished.failedReason + (finished.stacktrace ?? []).join(''),
      ).not.toContain(SLACK_SECRET_PATH);
    } finally {
      await worker.close();
      await events.close();
    }
    expect(await deliveryRow(id)).toMatchObject({ status: 'FAILED', attempts: 3 });
    expect((await attemptRows(id)).map((a) => a.status_code)).toEqual([503, 503, 503]);
  });
});
