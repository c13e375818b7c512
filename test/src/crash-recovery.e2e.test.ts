import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { newId } from '@ecp/db/ids';
import { DECISION_KIND } from '@ecp/ledger-format/decision-entry';
import { REPO_ROOT } from '@ecp/platform/repo';
import { type GraphQLResponse, graphql } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The ledger killed with SIGKILL while agents record decisions through the gateway: the supervisor
 * restarts it, every caller that retries until acknowledged lands exactly once, and the log an auditor
 * exports still matches every checkpoint the ledger signed, before the crash and after it.
 */
const AGENTS = 4;
const CALLERS = 16;
const DECISIONS_PER_CALLER = 25;
/** The ledger is killed once this many decisions are acknowledged, with the rest still to come. */
const KILL_AFTER = 120;
/** What a caller sees while the ledger is down; anything else fails the test at once. */
const TRANSIENT = new Set(['SUBGRAPH_UNAVAILABLE', 'SERVICE_UNAVAILABLE']);

const RECORD = `mutation ($input: RecordDecisionInput!) {
  recordDecision(input: $input) { ledgerIndex leafHash replayed }
}`;

interface Agent {
  id: string;
  key: string;
}

type DecisionInput = ReturnType<typeof decisionInput>;

interface Ack {
  agent: Agent;
  input: DecisionInput;
  ledgerIndex: string;
  leafHash: string;
  replayed: boolean;
  attempts: number;
  /** The first attempt went out before the kill and the acknowledgement came after it. */
  spansCrash: boolean;
}

type RecordPayload = { recordDecision: { ledgerIndex: string; leafHash: string; replayed: boolean } };

let stack: Stack;
let agents: Agent[];
const dir = mkdtempSync(join(tmpdir(), 'ecp-crash-'));
const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ecp(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(REPO_ROOT, 'packages/cli/bin/ecp.js'), ...args],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, ECP_GATEWAY_URL: stack.gatewayUrl, ECP_API_KEY: stack.adminKey },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A decision of its own for caller `caller`, number `n`: varied content, a fresh idempotency key. */
function decisionInput(caller: number, n: number) {
  const categories = ['pricing', 'routing', 'staffing'];
  return {
    jurisdiction: ['EU/DE', 'EU/FR', 'EU/IT'][(caller + n) % 3],
    category: categories[n % categories.length],
    context: { caller, n, sku: `S-${caller}-${n}`, demand: (caller * 31 + n * 7) % 100 },
    options: [{ id: 'raise' }, { id: 'hold' }, { id: 'lower', description: `by ${n % 5}%` }],
    chosenOption: ['raise', 'hold', 'lower'][(caller * n) % 3],
    rationale: `Caller ${caller}, decision ${n}: demand moved.`,
    confidence: ((caller * 13 + n) % 101) / 100,
    idempotencyKey: newId(),
  };
}

/** Sends the same decision until it is acknowledged (backing off to 1 s), as an agent that must not lose it would. */
async function recordUntilAcknowledged(
  agent: Agent,
  input: DecisionInput,
  crash: { at: number | undefined },
  seen: Map<string, number>,
): Promise<Ack> {
  const firstSentAt = Date.now();
  const deadline = firstSentAt + 60_000;
  for (let attempts = 1; ; attempts++) {
    let res: GraphQLResponse<RecordPayload> | undefined;
    let failure: string;
    try {
      res = await graphql<RecordPayload>(stack.graphqlUrl, RECORD, { input }, bearer(agent.key));
      const payload = res.body.data?.recordDecision;
      if (payload && !res.body.errors) {
        return {
          agent,
          input,
          ledgerIndex: payload.ledgerIndex,
          leafHash: payload.leafHash,
          replayed: payload.replayed,
          attempts,
          spansCrash: crash.at !== undefined && firstSentAt < crash.at,
        };
      }
      const codes = (res.body.errors ?? []).map((e) => String(e.extensions?.code));
      if (codes.length === 0 || codes.some((c) => !TRANSIENT.has(c))) {
        throw new Error(`recordDecision failed for good (${res.status}): ${JSON.stringify(res.body)}`);
      }
      failure = codes.join(',');
    } catch (err) {
      if (res) throw err;
      failure = `network: ${(err as Error).message}`;
    }
    seen.set(failure, (seen.get(failure) ?? 0) + 1);
    if (Date.now() > deadline) throw new Error(`not acknowledged within 60 s; last: ${failure}`);
    await sleep(Math.min(100 * 2 ** (attempts - 1), 1000));
  }
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

beforeAll(async () => {
  // The append path under a crash, not the Liability Firewall: every decision must reach the log, so
  // none is held (the firewall's own end-to-end test is firewall.e2e.test.ts).
  stack = await startStack({
    logLevel: 'warn',
    extraEnv: { CHECKPOINT_INTERVAL_MS: '200', LEDGER_FIREWALL: 'off' },
  });
  agents = [];
  for (let i = 0; i < AGENTS; i++) {
    const reg = await graphql<{ registerAgent: { apiKey: string; agent: { id: string } } }>(
      stack.graphqlUrl,
      `mutation { registerAgent(input: { name: "agent-${i}", jurisdictions: ["EU"] }) { apiKey agent { id } } }`,
      {},
      bearer(stack.adminKey),
    );
    agents.push({ id: reg.body.data!.registerAgent.agent.id, key: reg.body.data!.registerAgent.apiKey });
  }
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('a ledger killed mid-load', () => {
  it('is restarted by the supervisor, and every acknowledged decision is in the log exactly once', async () => {
    const res = await fetch(`${stack.gatewayUrl}/ledger/public-key`);
    const vkey = (await res.text()).trim().split('\n')[0]!;
    const crash: { at: number | undefined } = { at: undefined };
    const failures = new Map<string, number>();
    const acks: Ack[] = [];
    const started = Date.now();

    // Callers go on past their share until the ledger is back, so the kill always lands under load
    // (however fast the appends before it were).
    const restart: { done: boolean } = { done: false };
    const load = Array.from({ length: CALLERS }, async (_, caller) => {
      const agent = agents[caller % AGENTS]!;
      for (let n = 0; n < DECISIONS_PER_CALLER || !restart.done; n++) {
        acks.push(await recordUntilAcknowledged(agent, decisionInput(caller, n), crash, failures));
      }
    });
    const loadDone = Promise.all(load);

    await until(
      'enough acknowledgements before the kill',
      () => (acks.length >= KILL_AFTER ? true : undefined),
      60_000,
    );
    // An auditor keeps a checkpoint from before the crash.
    const before = await ecp('ledger', 'checkpoint');
    expect(before.code).toBe(0);
    writeFileSync(join(dir, 'cp-before.txt'), before.stdout);
    const killed = stack.pid('ledger')!;
    crash.at = Date.now();
    stack.kill('ledger', 'SIGKILL');

    const crashed = await until(
      'the crash report',
      () => stack.supervision('ledger').find((e) => e.kind === 'crashed'),
      10_000,
    );
    expect(crashed).toMatchObject({
      pid: killed,
      exit: { code: null, signal: 'SIGKILL' },
      crashes: 1,
      restartInMs: 500,
    });
    const ready = await until(
      'the restarted ledger',
      () => stack.supervision('ledger').find((e) => e.kind === 'ready'),
      60_000,
    );
    restart.done = true;
    const downMs = Date.now() - crash.at;
    expect(ready.pid).not.toBe(killed);
    expect(stack.pid('ledger')).toBe(ready.pid);

    await loadDone;
    const loadMs = Date.now() - started;
    expect(acks.length).toBeGreaterThanOrEqual(CALLERS * DECISIONS_PER_CALLER);
    expect(stack.supervision('ledger').map((e) => e.kind)).toEqual(['crashed', 'ready']);
    // The kill landed under load: callers saw the ledger gone and retried.
    expect(acks.filter((a) => a.attempts > 1).length).toBeGreaterThan(0);
    // A first attempt is never a replay; a retry may be, when the lost attempt had been committed.
    expect(acks.filter((a) => a.replayed && a.attempts === 1)).toEqual([]);

    // Every retry after the crash is answered with the entry first recorded, and appends nothing.
    const byKey = new Map(acks.map((a) => [`${a.agent.id}/${a.input.idempotencyKey}`, a]));
    expect(byKey.size).toBe(acks.length);
    const again: (RecordPayload['recordDecision'] | undefined)[] = [];
    await Promise.all(
      Array.from({ length: CALLERS }, async (_, caller) => {
        for (let i = caller; i < acks.length; i += CALLERS) {
          const { agent, input } = acks[i]!;
          const r = await graphql<RecordPayload>(stack.graphqlUrl, RECORD, { input }, bearer(agent.key));
          again[i] = r.body.data?.recordDecision;
        }
      }),
    );
    expect(again.map((r) => [r?.ledgerIndex, r?.leafHash, r?.replayed])).toEqual(
      acks.map((a) => [a.ledgerIndex, a.leafHash, true]),
    );

    // The export holds each acknowledged decision once, where its acknowledgement said, and nothing else.
    const after = await ecp('ledger', 'checkpoint');
    writeFileSync(join(dir, 'cp-after.txt'), after.stdout);
    const exported = await ecp('ledger', 'export', '--out', join(dir, 'export.jsonl'));
    expect(exported.code).toBe(0);
    const entries = readFileSync(join(dir, 'export.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { index?: string; leafHash?: string; canonical?: string })
      .filter((l) => l.canonical !== undefined);
    const decisions = entries
      .map((e) => ({ ...e, entry: JSON.parse(e.canonical!) }))
      .filter((e) => e.entry.kind === DECISION_KIND);
    expect(decisions).toHaveLength(entries.length);
    expect(new Set(decisions.map((d) => `${d.entry.agentId}/${d.entry.body.idempotencyKey}`)).size).toBe(
      decisions.length,
    );
    expect(decisions.length).toBe(byKey.size);
    for (const d of decisions) {
      const ack = byKey.get(`${d.entry.agentId}/${d.entry.body.idempotencyKey}`);
      expect(ack, `entry ${d.index} was never acknowledged`).toBeDefined();
      expect([d.index, d.leafHash]).toEqual([ack!.ledgerIndex, ack!.leafHash]);
    }

    // The recomputed tree matches every checkpoint the ledger signed, and the two an auditor kept.
    const audit = await ecp(
      'verify',
      'export',
      join(dir, 'export.jsonl'),
      '--key',
      vkey,
      '--checkpoint',
      join(dir, 'cp-before.txt'),
      '--checkpoint',
      join(dir, 'cp-after.txt'),
    );
    expect(audit.code, audit.stdout).toBe(0);
    expect(audit.stdout).toMatch(
      new RegExp(
        `ok +${entries.length} entries re-hashed; the tree \\(root [0-9a-f]{64}\\) matches all \\d+ signed checkpoints`,
      ),
    );

    const replays = acks.filter((a) => a.replayed).length;
    console.info(
      `crash recovery: ${acks.length} decisions in ${loadMs} ms; ledger ready again ${downMs} ms after SIGKILL; ` +
        `${acks.filter((a) => a.spansCrash).length} spanned the crash, ${acks.filter((a) => a.attempts > 1).length} needed retries, ` +
        `${replays} answered as replays; callers saw ${JSON.stringify(Object.fromEntries(failures))}`,
    );
  }, 180_000);
});
