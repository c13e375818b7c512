import { newId } from '@ecp/db/ids';
import { type EventEnvelope, streamKey } from '@ecp/events/event';
import { type Principal, servicePrincipal } from '@ecp/identity/principal';
import type { JobContext } from '@ecp/jobs/job-definition';
import { JobProducer } from '@ecp/jobs/job-producer';
import { createLogger } from '@ecp/logging/logger';
import { committedSubgraphSdl, subgraphSdl } from '@ecp/service-kit/print-sdl';
import {
  createServiceDirectory,
  defaultSubgraphUrls,
  subgraphUrlsOf,
} from '@ecp/service-kit/service-directory';
import { ledgerSubgraph } from '@ecp/subgraph-ledger/subgraph';
import { testEnv } from '@ecp/test-kit/env';
import {
  errorCode,
  graphql,
  TEST_IDENTITY_SECRET,
  TEST_LEDGER_ORIGIN,
  TEST_LEDGER_SIGNING_KEY,
  TEST_TOKEN_SECRET,
} from '@ecp/test-kit/http';
import { ENQUEUES_NOTHING } from '@ecp/test-kit/jobs';
import { type SubgraphUnderTest, startSubgraph, testSubgraphConfig } from '@ecp/test-kit/subgraph';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EXPIRE_BREAK_GLASS_JOB,
  expireBreakGlassJob,
  expireDueBreakGlassJob,
  expiryJobId,
} from '../src/modules/break-glass/break-glass.jobs';
import type { OperationsRuntime } from '../src/runtime';
import { operationsSchema } from '../src/schema';
import { operationsSettings } from '../src/settings';
import { operationsSubgraph } from '../src/subgraph';

/**
 * Break glass in the operations subgraph, with the real ledger beside it (its entries are really
 * appended through the append command): opening with its rules and bad input, closing, expiry by the
 * delayed job and the sweep run as the workers run them with an injected clock, and the review by
 * another operator.
 */
let ledger: SubgraphUnderTest;
let sg: SubgraphUnderTest;
let redis: Redis;
let producer: JobProducer;
const prefix = `ecp:test:${newId()}:`;
const settings = operationsSettings({});
/** The subgraph's clock: tests move it. */
let clock = new Date('2026-12-04T10:00:00.000Z');
const logger = createLogger({ service: 'test', level: 'silent' });
let services: ReturnType<typeof createServiceDirectory>;

const person = (roles: Principal['roles'], id = newId()): Principal => ({
  kind: 'agent',
  id,
  name: `person-${id.slice(0, 4)}`,
  roles,
  jurisdictions: [],
});

beforeAll(async () => {
  ledger = await startSubgraph((url) =>
    ledgerSubgraph({
      ...testSubgraphConfig(url),
      ECP_TOKEN_SECRET: TEST_TOKEN_SECRET,
      ACCESS_TOKEN_MAX_TTL_SECONDS: 3600,
      LEDGER_ORIGIN: TEST_LEDGER_ORIGIN,
      LEDGER_SIGNING_KEY: TEST_LEDGER_SIGNING_KEY,
      LEDGER_VERIFIER_KEYS: [],
      LEDGER_MAX_ENTRY_BYTES: 4096,
      LEDGER_BATCH_MAX: 1000,
      CHECKPOINT_INTERVAL_MS: 200,
      CHECKPOINT_EVERY_ENTRIES: 50,
      NODE_ENV: 'test',
      LEDGER_FIREWALL: 'off',
      LEDGER_HOLD_TTL_SECONDS: 86_400,
      PERSON_SESSION_TTL_MS: 12 * 3600_000,
      PERSON_SESSION_IDLE_MS: 3600_000,
      PERSON_SETUP_TOKEN_TTL_MS: 72 * 3600_000,
      LEDGER_POLICY_CACHE_MS: 0,
      QUEUE_PREFIX: `${prefix}ledger`,
      REDIS_URL: testEnv.redisUrl,
      EVENT_STREAM_PREFIX: `${prefix}ledger:`,
      EVENT_STREAM_MAX_LENGTH: 1000,
    }),
  );
  sg = await startSubgraph(
    () =>
      operationsSubgraph({
        redisUrl: testEnv.redisUrl,
        queuePrefix: `${prefix}q`,
        settings,
        now: () => clock,
      }),
    (url) => ({ ...testSubgraphConfig(url), EVENT_STREAM_PREFIX: prefix, LEDGER_URL: ledger.url }),
  );
  services = createServiceDirectory({
    service: 'operations',
    identitySecret: TEST_IDENTITY_SECRET,
    urls: { ...subgraphUrlsOf(defaultSubgraphUrls()), ledger: ledger.url },
    registry: new Registry(),
    logger,
  });
  redis = new Redis(testEnv.redisUrl, { maxRetriesPerRequest: null });
  producer = new JobProducer(redis, `${prefix}q`);
  // Every channel is told: two enabled channels, one disabled.
  const sql = sg.em().getConnection();
  for (const [name, enabled] of [
    ['ops-mail', true],
    ['ops-slack', true],
    ['old-mail', false],
  ] as const) {
    await sql.execute(
      'insert into operations.channel (id, name, kind, target, enabled, created_by) values (?, ?, ?, ?, ?, ?)',
      [newId(), name, 'EMAIL', 'ops@example.org', enabled, 'test'],
    );
  }
}, 60_000);

afterAll(async () => {
  await services?.close();
  await producer?.close();
  await sg?.stop();
  await ledger?.stop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const SESSION = `id reason operatorId incidentId openedAt expiresAt closedAt closeReason closedBy active
  secondsLeft openedEntryIndex closedEntryIndex reviewStatus review { status reviewerId note }`;
interface SessionRead {
  id: string;
  reason: string;
  operatorId: string;
  incidentId: string | null;
  openedAt: string;
  expiresAt: string;
  closedAt: string | null;
  closeReason: string | null;
  closedBy: string | null;
  active: boolean;
  secondsLeft: number;
  openedEntryIndex: string | null;
  closedEntryIndex: string | null;
  reviewStatus: string | null;
  review: { status: string; reviewerId: string | null; note: string | null } | null;
}

const REASON = 'Payments are stuck behind a held decision during the outage';

function open(as: Principal, input: Record<string, unknown> = {}) {
  return graphql<{ openBreakGlass: SessionRead }>(
    sg.url,
    `mutation ($input: OpenBreakGlassInput!) { openBreakGlass(input: $input) { ${SESSION} } }`,
    { input: { reason: REASON, ...input } },
    { as },
  );
}

function close(as: Principal, id: string) {
  return graphql<{ closeBreakGlass: SessionRead }>(
    sg.url,
    `mutation ($id: ID!) { closeBreakGlass(id: $id) { ${SESSION} } }`,
    { id },
    { as },
  );
}

function review(as: Principal, sessionId: string, note: string) {
  return graphql<{ reviewBreakGlass: SessionRead }>(
    sg.url,
    `mutation ($s: ID!, $n: String!) { reviewBreakGlass(sessionId: $s, note: $n) { ${SESSION} } }`,
    { s: sessionId, n: note },
    { as },
  );
}

async function opened(as: Principal, input: Record<string, unknown> = {}): Promise<SessionRead> {
  const res = await open(as, input);
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.openBreakGlass;
}

async function sessionCount(operatorId: string): Promise<number> {
  const [row] = await sg
    .em()
    .getConnection()
    .execute<{ n: string }[]>(
      'select count(*) as n from operations.break_glass_session where operator_id = ?',
      [operatorId],
    );
  return Number(row!.n);
}

async function ledgerEntry(index: string) {
  const [row] = await ledger
    .em()
    .getConnection()
    .execute<
      { kind: string; payload: { recordedBy: string; actorId?: string; body: Record<string, unknown> } }[]
    >('select kind, payload from ledger.entry where index = ?', [index]);
  return row;
}

async function ledgerEntriesOfKind(kind: string, sessionId: string): Promise<number> {
  const [row] = await ledger
    .em()
    .getConnection()
    .execute<{ n: string }[]>(
      "select count(*) as n from ledger.entry where kind = ? and payload->'body'->>'sessionId' = ?",
      [kind, sessionId],
    );
  return Number(row!.n);
}

async function events(): Promise<EventEnvelope[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [row] = await sg
      .em()
      .getConnection()
      .execute<{ n: string }[]>('select count(*) as n from operations.outbox');
    if (Number(row!.n) === 0) break;
    if (Date.now() > deadline) throw new Error('the outbox relay did not publish in time');
    await new Promise((r) => setTimeout(r, 25));
  }
  const entries = await redis.xrange(streamKey(prefix, 'breakGlassChanged'), '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[1]!) as EventEnvelope);
}

/** A job's context as the workers give it, against this subgraph's database and the real ledger. */
const jobContext = (): JobContext => ({
  orm: sg.built.orm,
  outbox: sg.built.platform.outbox,
  services,
  jobs: ENQUEUES_NOTHING,
  logger,
  job: { id: 'test', queue: 'test', attempt: 1 },
});

/** The runtime a job gets, on the given clock. */
const runtimeAt = (at: Date) => (): OperationsRuntime => ({
  jobs: producer,
  settings,
  now: () => at,
});

const later = (ms: number) => new Date(clock.getTime() + ms);

describe('openBreakGlass', () => {
  it('opens a 15-minute session, records it in the ledger, tells every channel, schedules its expiry and announces it', async () => {
    const alice = person(['OPERATOR']);
    const incidentId = newId();
    const s = await opened(alice, { incidentId });
    expect(s).toMatchObject({
      reason: REASON,
      operatorId: alice.id,
      incidentId,
      openedAt: clock.toISOString(),
      expiresAt: later(15 * 60_000).toISOString(),
      closedAt: null,
      active: true,
      secondsLeft: 900,
      closedEntryIndex: null,
      reviewStatus: null,
    });
    const entry = await ledgerEntry(s.openedEntryIndex!);
    expect(entry).toMatchObject({
      kind: 'ecp.break-glass-opened/v1',
      payload: {
        recordedBy: 'service:operations',
        actorId: alice.id,
        body: {
          sessionId: s.id,
          operatorId: alice.id,
          reason: REASON,
          incidentId,
          openedAt: s.openedAt,
          expiresAt: s.expiresAt,
        },
      },
    });

    const sql = sg.em().getConnection();
    const notices = await sql.execute<{ kind: string; action: string; deliveries: string }[]>(
      `select n.kind, n.action, (select count(*) from operations.delivery d where d.notification_id = n.id) as deliveries
         from operations.notification n where n.idempotency_key = ?`,
      [`break-glass:${s.id}:opened`],
    );
    expect(notices).toEqual([{ kind: 'BREAK_GLASS', action: 'OPEN', deliveries: '2' }]);

    const timer = await producer.queue(EXPIRE_BREAK_GLASS_JOB.queue).getJob(expiryJobId(s.id));
    expect(timer?.data).toEqual({ sessionId: s.id });
    expect(timer?.opts.delay).toBe(15 * 60_000);

    const changes = (await events()).filter((e) => e.key.id === s.id);
    expect(changes.map((e) => [e.typename, e.attributes.change, e.attributes.operatorId])).toEqual([
      ['BreakGlassSession', 'OPENED', alice.id],
    ]);
  });

  it('lasts as long as asked, up to BREAK_GLASS_MAX_MINUTES', async () => {
    const s = await opened(person(['ADMIN']), { durationMinutes: 5 });
    expect(new Date(s.expiresAt).getTime() - new Date(s.openedAt).getTime()).toBe(5 * 60_000);
    const timer = await producer.queue(EXPIRE_BREAK_GLASS_JOB.queue).getJob(expiryJobId(s.id));
    expect(timer?.opts.delay).toBe(5 * 60_000);
  });

  it('refuses bad input with typed errors and changes nothing', async () => {
    const bob = person(['OPERATOR']);
    const short = await open(bob, { reason: 'too short' });
    expect(errorCode(short)).toBe('BAD_USER_INPUT');
    expect(short.body.errors![0]!.extensions!.details).toEqual([
      { path: 'input.reason', reason: 'must be at least 20 characters' },
    ]);
    // Spaces do not make a reason long enough.
    expect(errorCode(await open(bob, { reason: `   short${' '.repeat(30)}` }))).toBe('BAD_USER_INPUT');
    const long = await open(bob, { durationMinutes: 16 });
    expect(errorCode(long)).toBe('BAD_USER_INPUT');
    expect(long.body.errors![0]!.extensions!.details).toEqual([
      { path: 'input.durationMinutes', reason: 'must be at most 15' },
    ]);
    expect(errorCode(await open(bob, { durationMinutes: 0 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await open(bob, { incidentId: 'INC-1' }))).toBe('BAD_USER_INPUT');
    expect(await sessionCount(bob.id)).toBe(0);
  });

  it('is for operators and admins only', async () => {
    for (const roles of [['ANALYST'], ['AGENT'], []] as Principal['roles'][]) {
      const someone = person(roles);
      expect(errorCode(await open(someone))).toBe('FORBIDDEN');
      expect(await sessionCount(someone.id)).toBe(0);
    }
    // A service is nobody's break glass, even acting for an operator.
    const operator = person(['OPERATOR']);
    const asService = { ...servicePrincipal('ledger'), actor: { ...operator } };
    expect(errorCode(await open(asService as Principal))).toBe('FORBIDDEN');
  });

  it('allows one open session per person, and cannot be extended: a second one is a CONFLICT', async () => {
    const carol = person(['OPERATOR']);
    const first = await opened(carol);
    const second = await open(carol);
    expect(errorCode(second)).toBe('CONFLICT');
    expect(second.body.errors![0]!.message).toContain(first.id);
    // Two at once: one wins.
    const dave = person(['OPERATOR']);
    const both = await Promise.all([open(dave), open(dave)]);
    expect(both.map(errorCode).sort()).toEqual(['CONFLICT', undefined]);
    expect(await sessionCount(carol.id)).toBe(1);
    expect(await sessionCount(dave.id)).toBe(1);
  });

  it('caps sessions per person per UTC day (BREAK_GLASS_DAILY_CAP)', async () => {
    const erin = person(['OPERATOR']);
    for (let i = 0; i < settings.BREAK_GLASS_DAILY_CAP; i++) {
      const s = await opened(erin);
      expect((await close(erin, s.id)).body.errors).toBeUndefined();
    }
    const capped = await open(erin);
    expect(errorCode(capped)).toBe('CONFLICT');
    expect(capped.body.errors![0]!.message).toMatch(/BREAK_GLASS_DAILY_CAP 3/);
    expect(await sessionCount(erin.id)).toBe(3);
    // The next UTC day, the cap starts again.
    const today = clock;
    clock = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1, 0, 5));
    try {
      await opened(erin);
    } finally {
      clock = today;
    }
  });
});

describe('closeBreakGlass', () => {
  it('closes by its operator: the closed entry, a review, the notices and the event', async () => {
    const frank = person(['OPERATOR']);
    const s = await opened(frank);
    clock = later(60_000);
    const res = await close(frank, s.id);
    expect(res.body.errors).toBeUndefined();
    const closed = res.body.data!.closeBreakGlass;
    expect(closed).toMatchObject({
      active: false,
      secondsLeft: 0,
      closedAt: clock.toISOString(),
      closeReason: 'CLOSED',
      closedBy: frank.id,
      reviewStatus: 'OPEN',
      review: { status: 'OPEN', reviewerId: null, note: null },
    });
    expect(await ledgerEntry(closed.closedEntryIndex!)).toMatchObject({
      kind: 'ecp.break-glass-closed/v1',
      payload: {
        recordedBy: 'service:operations',
        actorId: frank.id,
        body: { sessionId: s.id, closeReason: 'CLOSED', closedBy: frank.id, closedAt: clock.toISOString() },
      },
    });
    const [notice] = await sg
      .em()
      .getConnection()
      .execute<{ action: string }[]>('select action from operations.notification where idempotency_key = ?', [
        `break-glass:${s.id}:closed`,
      ]);
    expect(notice).toEqual({ action: 'CLOSE' });
    const changes = (await events()).filter((e) => e.key.id === s.id).map((e) => e.attributes.change);
    expect(changes).toEqual(['OPENED', 'CLOSED']);

    expect(errorCode(await close(frank, s.id))).toBe('CONFLICT');
    expect(await ledgerEntriesOfKind('ecp.break-glass-closed/v1', s.id)).toBe(1);
  });

  it('refuses closing someone else’s session, but an admin may', async () => {
    const gina = person(['OPERATOR']);
    const s = await opened(gina);
    expect(errorCode(await close(person(['OPERATOR']), s.id))).toBe('FORBIDDEN');
    expect(errorCode(await close(person(['ANALYST']), s.id))).toBe('FORBIDDEN');
    expect(errorCode(await close(gina, 'not-a-uuid'))).toBe('BAD_USER_INPUT');
    expect(errorCode(await close(gina, newId()))).toBe('NOT_FOUND');
    expect(await ledgerEntriesOfKind('ecp.break-glass-closed/v1', s.id)).toBe(0);
    const admin = person(['ADMIN']);
    const res = await close(admin, s.id);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.closeBreakGlass).toMatchObject({ closeReason: 'CLOSED', closedBy: admin.id });
  });
});

describe('expiry', () => {
  it('the delayed job ends the session at its expiry, by the clock it is given, once', async () => {
    const hank = person(['OPERATOR']);
    const s = await opened(hank);
    const expiresAt = new Date(s.expiresAt);
    const early = expireBreakGlassJob(runtimeAt(new Date(expiresAt.getTime() - 1000)));
    await expect(early.process({ sessionId: s.id }, jobContext())).rejects.toThrow(/not due/);

    // Past its expiry, it is no longer active even before the job runs.
    clock = new Date(expiresAt.getTime() + 1000);
    const before = await graphql<{ _entities: { active: boolean; closedAt: string | null }[] }>(
      sg.url,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on BreakGlassSession { active closedAt } } }',
      { r: [{ __typename: 'BreakGlassSession', id: s.id }] },
      { as: person(['ANALYST']) },
    );
    expect(before.body.data!._entities[0]).toEqual({ active: false, closedAt: null });

    const due = expireBreakGlassJob(runtimeAt(new Date(expiresAt.getTime() + 1000)));
    expect(await due.process({ sessionId: s.id }, jobContext())).toBe('expired');
    expect(await due.process({ sessionId: s.id }, jobContext())).toBe('already-closed');
    const [row] = await sg
      .em()
      .getConnection()
      .execute<
        { close_reason: string; closed_at: string; closed_by: string | null; closed_entry_index: string }[]
      >(
        'select close_reason, closed_at::text as closed_at, closed_by, closed_entry_index from operations.break_glass_session where id = ?',
        [s.id],
      );
    expect(row).toMatchObject({ close_reason: 'EXPIRED', closed_by: null });
    expect(new Date(row!.closed_at)).toEqual(expiresAt);
    expect(await ledgerEntry(row!.closed_entry_index)).toMatchObject({
      kind: 'ecp.break-glass-closed/v1',
      payload: { body: { sessionId: s.id, closeReason: 'EXPIRED', closedBy: null, closedAt: s.expiresAt } },
    });
    expect((await ledgerEntry(row!.closed_entry_index))!.payload.actorId).toBeUndefined();
    expect(await ledgerEntriesOfKind('ecp.break-glass-closed/v1', s.id)).toBe(1);
    const changes = (await events()).filter((e) => e.key.id === s.id).map((e) => e.attributes.change);
    expect(changes).toEqual(['OPENED', 'EXPIRED']);
    // Closing it now is a CONFLICT: it is over.
    expect(errorCode(await close(hank, s.id))).toBe('CONFLICT');
  });

  it('the sweep ends sessions past their expiry whose timer was lost, and a new open is not blocked by one', async () => {
    const ivy = person(['OPERATOR']);
    const jack = person(['OPERATOR']);
    const a = await opened(ivy, { durationMinutes: 2 });
    const b = await opened(jack, { durationMinutes: 10 });
    const at = later(3 * 60_000);
    const swept = await expireDueBreakGlassJob(runtimeAt(at)).process({}, jobContext());
    expect(swept).toMatchObject({ expired: expect.any(Number) });
    const reasons = await sg
      .em()
      .getConnection()
      .execute<{ id: string; close_reason: string | null }[]>(
        'select id, close_reason from operations.break_glass_session where id in (?, ?) order by opened_at, id',
        [a.id, b.id],
      );
    expect(Object.fromEntries(reasons.map((r) => [r.id, r.close_reason]))).toEqual({
      [a.id]: 'EXPIRED',
      [b.id]: null,
    });
    // Jack's session lapses with no timer and no sweep yet: his next open ends it first.
    clock = later(11 * 60_000);
    const next = await opened(jack);
    expect(next.id).not.toBe(b.id);
    const [old] = await sg
      .em()
      .getConnection()
      .execute<{ close_reason: string }[]>(
        'select close_reason from operations.break_glass_session where id = ?',
        [b.id],
      );
    expect(old).toEqual({ close_reason: 'EXPIRED' });
  });
});

describe('a ledger that could not take a close', () => {
  it('never keeps the session open: the sweep appends its closed entry later, once', async () => {
    const pat = person(['OPERATOR']);
    const s = await opened(pat);
    // Closed while the ledger was down: the row is closed, its entry missing.
    await sg
      .em()
      .getConnection()
      .execute(
        "update operations.break_glass_session set closed_at = opened_at + interval '2 minutes', close_reason = 'CLOSED', closed_by = operator_id where id = ?",
        [s.id],
      );
    const sweep = expireDueBreakGlassJob(runtimeAt(later(0)));
    expect(await sweep.process({}, jobContext())).toMatchObject({ recorded: 1 });
    expect(await sweep.process({}, jobContext())).toMatchObject({ recorded: 0 });
    const [row] = await sg
      .em()
      .getConnection()
      .execute<{ closed_entry_index: string }[]>(
        'select closed_entry_index from operations.break_glass_session where id = ?',
        [s.id],
      );
    expect(await ledgerEntry(row!.closed_entry_index)).toMatchObject({
      kind: 'ecp.break-glass-closed/v1',
      payload: {
        body: {
          sessionId: s.id,
          closeReason: 'CLOSED',
          closedBy: pat.id,
          closedAt: new Date(new Date(s.openedAt).getTime() + 120_000).toISOString(),
        },
      },
    });
    expect(await ledgerEntriesOfKind('ecp.break-glass-closed/v1', s.id)).toBe(1);
  });
});

describe('reviewBreakGlass', () => {
  it('stays open until another operator reviews it; the session’s own operator may not', async () => {
    const kim = person(['OPERATOR']);
    const lee = person(['OPERATOR']);
    const s = await opened(kim);
    expect(errorCode(await review(lee, s.id, 'Looks fine.'))).toBe('CONFLICT');
    await close(kim, s.id);

    const listOpen = () =>
      graphql<{ breakGlassReviews: { sessionId: string; status: string }[] }>(
        sg.url,
        'query { breakGlassReviews(status: OPEN, first: 100) { sessionId status } }',
        {},
        { as: lee },
      );
    expect((await listOpen()).body.data!.breakGlassReviews.map((r) => r.sessionId)).toContain(s.id);

    expect(errorCode(await review(kim, s.id, 'I reviewed myself.'))).toBe('FORBIDDEN');
    expect(errorCode(await review(person(['ANALYST']), s.id, 'Fine.'))).toBe('FORBIDDEN');
    expect(errorCode(await review(lee, s.id, '   '))).toBe('BAD_USER_INPUT');
    expect(errorCode(await review(lee, newId(), 'Fine.'))).toBe('NOT_FOUND');

    const done = await review(lee, s.id, 'Used for the stuck payments only; fine.');
    expect(done.body.errors).toBeUndefined();
    expect(done.body.data!.reviewBreakGlass).toMatchObject({
      reviewStatus: 'REVIEWED',
      review: { status: 'REVIEWED', reviewerId: lee.id, note: 'Used for the stuck payments only; fine.' },
    });
    expect(errorCode(await review(person(['ADMIN']), s.id, 'Again.'))).toBe('CONFLICT');
    expect((await listOpen()).body.data!.breakGlassReviews.map((r) => r.sessionId)).not.toContain(s.id);
    const changes = (await events()).filter((e) => e.key.id === s.id).map((e) => e.attributes.change);
    expect(changes).toEqual(['OPENED', 'CLOSED', 'REVIEWED']);
  });
});

describe('reading sessions', () => {
  it('activeBreakGlassSessions shows who, why and the time left to people, not to agents', async () => {
    const mia = person(['OPERATOR']);
    const s = await opened(mia, { durationMinutes: 10 });
    clock = later(4 * 60_000);
    const res = await graphql<{
      activeBreakGlassSessions: {
        id: string;
        reason: string;
        secondsLeft: number;
        operator: { id: string };
      }[];
    }>(
      sg.url,
      'query { activeBreakGlassSessions { id reason secondsLeft operator { id } } }',
      {},
      { as: person(['ANALYST']) },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.activeBreakGlassSessions).toContainEqual({
      id: s.id,
      reason: REASON,
      secondsLeft: 6 * 60,
      operator: { id: mia.id },
    });
    expect(
      errorCode(
        await graphql(sg.url, 'query { activeBreakGlassSessions { id } }', {}, { as: person(['AGENT']) }),
      ),
    ).toBe('FORBIDDEN');
    expect(
      errorCode(
        await graphql(
          sg.url,
          'subscription { breakGlassChanged { __typename } }',
          {},
          { as: person(['AGENT']) },
        ),
      ),
    ).toBe('FORBIDDEN');
    await close(mia, s.id);
  });

  it('breakGlassSessionForUse answers ECP services only', async () => {
    const nora = person(['OPERATOR']);
    const s = await opened(nora);
    const q = 'query ($id: ID!) { breakGlassSessionForUse(id: $id) { id operatorId active expiresAt } }';
    expect(errorCode(await graphql(sg.url, q, { id: s.id }, { as: nora }))).toBe('FORBIDDEN');
    const asLedger = { ...servicePrincipal('ledger'), actor: { ...nora } } as Principal;
    const res = await graphql<{ breakGlassSessionForUse: unknown }>(
      sg.url,
      q,
      { id: s.id },
      { as: asLedger },
    );
    expect(res.body.data!.breakGlassSessionForUse).toEqual({
      id: s.id,
      operatorId: nora.id,
      active: true,
      expiresAt: s.expiresAt,
    });
    const unknown = await graphql<{ breakGlassSessionForUse: unknown }>(
      sg.url,
      q,
      { id: newId() },
      { as: asLedger },
    );
    expect(unknown.body.data!.breakGlassSessionForUse).toBeNull();
    await close(nora, s.id);
  });
});

describe('Agent.breakGlassSessions', () => {
  const SESSIONS = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agent {
    breakGlassSessions { edges { node { reason active closeReason } } }
  } } }`;

  it('lists an operator’s sessions newest first with whether each is active, to operators and admins', async () => {
    const olga = person(['OPERATOR']);
    const first = await opened(olga, { reason: 'first session, closed by hand' });
    clock = later(60_000);
    await close(olga, first.id);
    clock = later(60_000);
    await opened(olga, { reason: 'second session, open right now' });
    const r = [{ __typename: 'Agent', id: olga.id }];
    const res = await graphql<{ _entities: { breakGlassSessions: { edges: { node: unknown }[] } }[] }>(
      sg.url,
      SESSIONS,
      { r },
      { as: olga },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!._entities[0]!.breakGlassSessions.edges.map((e) => e.node)).toEqual([
      { reason: 'second session, open right now', active: true, closeReason: null },
      { reason: 'first session, closed by hand', active: false, closeReason: 'CLOSED' },
    ]);
    expect((await graphql(sg.url, SESSIONS, { r }, { as: person(['ADMIN']) })).body.errors).toBeUndefined();
    expect(errorCode(await graphql(sg.url, SESSIONS, { r }, { as: person(['AGENT', 'ANALYST']) }))).toBe(
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
          [newId(), newId()],
        ),
    ).rejects.toThrow(/check constraint/);
  });
});

describe('the operations SDL', () => {
  it('is committed as printed (run `npm run generate` after a schema change)', () => {
    expect(committedSubgraphSdl('operations')).toBe(subgraphSdl(operationsSchema));
  });
});
