import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '@ecp/db/ids';
import { decisionInput } from '@ecp/test-kit/fixtures';
import { errorCode, graphql } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEcp } from './support/callers';

/**
 * The ledger as agents and auditors use it: decisions recorded through the gateway, then checked with
 * the `ecp` command and nothing but the log's public key — including after a superuser edits the
 * database behind the ledger's back.
 */
let stack: Stack;
let agentKey: string;
let vkey: string;
const dir = mkdtempSync(join(tmpdir(), 'ecp-audit-'));
const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

async function ecp(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return ecpAs(agentKey, ...args);
}

const ecpAs = (key: string, ...args: string[]) => runEcp(stack, key, ...args);

async function recordDecisions(n: number, overrides: Record<string, unknown> = {}) {
  const out: { ledgerIndex: string; leafHash: string; treeSize: string }[] = [];
  for (let i = 0; i < n; i++) {
    const res = await graphql<{
      recordDecision: { ledgerIndex: string; leafHash: string; treeSize: string };
    }>(
      stack.graphqlUrl,
      'mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { ledgerIndex leafHash treeSize } }',
      {
        input: {
          jurisdiction: 'EU/DE',
          category: 'pricing',
          context: { sku: `A-${i}` },
          options: [{ id: 'raise' }, { id: 'hold' }],
          chosenOption: 'raise',
          rationale: 'Demand exceeds supply.',
          confidence: 0.7,
          idempotencyKey: newId(),
          ...overrides,
        },
      },
      bearer(agentKey),
    );
    expect(res.body.errors).toBeUndefined();
    out.push(res.body.data!.recordDecision);
  }
  return out;
}

async function waitForCheckpoint(size: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const res = await graphql<{ checkpoint: { treeSize: string } }>(
      stack.graphqlUrl,
      '{ checkpoint { treeSize } }',
      {},
      bearer(agentKey),
    );
    if (Number(res.body.data?.checkpoint.treeSize ?? -1) >= size) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no checkpoint at size ${size}`);
}

/** Runs SQL as the database superuser with triggers off (session_replication_role = replica). */
async function superuser<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: stack.db.url });
  await client.connect();
  try {
    await client.query('set session_replication_role = replica');
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  stack = await startStack({ extraEnv: { CHECKPOINT_INTERVAL_MS: '200' } });
  const reg = await graphql<{ registerAgent: { apiKey: string } }>(
    stack.graphqlUrl,
    'mutation { registerAgent(input: { name: "auditee", jurisdictions: ["EU"] }) { apiKey } }',
    {},
    bearer(stack.adminKey),
  );
  agentKey = reg.body.data!.registerAgent.apiKey;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the Transparency Ledger through the gateway', () => {
  it('serves the log’s public key to anyone, without credentials', async () => {
    const res = await fetch(`${stack.gatewayUrl}/ledger/public-key`);
    expect(res.status).toBe(200);
    vkey = (await res.text()).trim().split('\n')[0]!;
    expect(vkey).toMatch(/^ecp\.test\/ledger\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
  });

  it('records decisions, refuses a duplicate JSON key at the gateway, and proves inclusion offline', async () => {
    const recorded = await recordDecisions(5);
    expect(recorded.map((r) => r.ledgerIndex)).toEqual(['0', '1', '2', '3', '4']);
    const ambiguous = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${agentKey}` },
      body: '{"query":"{ checkpoint { treeSize } }","query":"{ me { id } }"}',
    });
    expect(ambiguous.status).toBe(400);
    expect(((await ambiguous.json()) as { errors: { message: string }[] }).errors[0]!.message).toMatch(
      /duplicate key "query"/,
    );

    await waitForCheckpoint(5);
    const checkpoint = await ecp('ledger', 'checkpoint');
    expect(checkpoint.code).toBe(0);
    writeFileSync(join(dir, 'cp-5.txt'), checkpoint.stdout);
    const bundle = await ecp('ledger', 'bundle', '3');
    writeFileSync(join(dir, 'bundle-3.txt'), bundle.stdout);
    const verified = await ecp('verify', 'bundle', join(dir, 'bundle-3.txt'), '--key', vkey);
    expect(verified.stdout).toMatch(/ok .*entry 3 .* is in the tree of size 5/);
    const wrongKey = await ecp(
      'verify',
      'bundle',
      join(dir, 'bundle-3.txt'),
      '--key',
      'ecp.test/ledger+00000000+AU5C3wRMHZyxvGI94Eqby5qW0DpXTnMsAHJqFb4IVyZt',
    );
    expect(wrongKey.code).not.toBe(0);
  });

  it('shows consistency between two checkpoints an auditor kept', async () => {
    await recordDecisions(6);
    await waitForCheckpoint(11);
    writeFileSync(join(dir, 'cp-11.txt'), (await ecp('ledger', 'checkpoint')).stdout);
    const checked = await ecp(
      'verify',
      'checkpoint',
      join(dir, 'cp-5.txt'),
      join(dir, 'cp-11.txt'),
      '--key',
      vkey,
      '--origin',
      'ecp.test/ledger',
    );
    expect(checked.code).toBe(0);
    const consistent = await ecp(
      'verify',
      'consistency',
      join(dir, 'cp-5.txt'),
      join(dir, 'cp-11.txt'),
      '--key',
      vkey,
    );
    expect(consistent.stdout).toMatch(/ok +the tree of size 11 extends the tree of size 5/);
    const reversed = await ecp(
      'verify',
      'consistency',
      join(dir, 'cp-11.txt'),
      join(dir, 'cp-5.txt'),
      '--key',
      vkey,
    );
    expect(reversed.code).not.toBe(0);
  });

  it('recomputes the whole tree from an export and accepts the untouched log', async () => {
    const exported = await ecp('ledger', 'export', '--out', join(dir, 'export-1.jsonl'));
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(/exported 11 entries/);
    const lines = readFileSync(join(dir, 'export-1.jsonl'), 'utf8').trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      format: 'ecp-ledger-export/v1',
      origin: 'ecp.test/ledger',
      treeSize: '11',
    });
    const audit = await ecp(
      'verify',
      'export',
      join(dir, 'export-1.jsonl'),
      '--key',
      vkey,
      '--checkpoint',
      join(dir, 'cp-5.txt'),
    );
    expect(audit.stdout).toMatch(
      /ok +11 entries re-hashed; the tree \(root [0-9a-f]{64}\) matches all \d+ signed checkpoints/,
    );
  });

  it('catches a superuser who edits an entry behind the ledger’s back, and names the entry', async () => {
    // Triggers refuse the edit, so the attacker turns them off first (superuser only).
    const forged = (canonical: string) => canonical.replace('"confidence":0.7', '"confidence":0.99');
    const rows = await superuser<{ canonical: Buffer }>('select canonical from ledger.entry where index = 2');
    const changed = Buffer.from(forged(rows[0]!.canonical.toString('utf8')));
    await superuser(
      `update ledger.entry set canonical = $1, payload = convert_from($1, 'UTF8')::jsonb where index = 2`,
      [changed],
    );
    await ecp('ledger', 'export', '--out', join(dir, 'export-2.jsonl'));
    const naive = await ecp(
      'verify',
      'export',
      join(dir, 'export-2.jsonl'),
      '--key',
      vkey,
      '--checkpoint',
      join(dir, 'cp-11.txt'),
    );
    expect(naive.code).not.toBe(0);
    expect(naive.stdout).toMatch(/FAIL entry 2: its bytes hash to [0-9a-f]{64}, but the log recorded/);

    // A careful attacker also rewrites the leaf hash: the kept checkpoint still catches it.
    const leaf = createHash('sha256')
      .update(Buffer.concat([Buffer.from([0]), changed]))
      .digest();
    await superuser('update ledger.entry set leaf_hash = $1 where index = 2', [leaf]);
    await ecp('ledger', 'export', '--out', join(dir, 'export-3.jsonl'));
    const careful = await ecp(
      'verify',
      'export',
      join(dir, 'export-3.jsonl'),
      '--key',
      vkey,
      '--checkpoint',
      join(dir, 'cp-5.txt'),
    );
    expect(careful.code).not.toBe(0);
    // The first signed checkpoint past the edit fails: cp-5 itself or an earlier one the ledger published
    // on its own timer. Whichever it is, the range it names must hold the edited entry.
    const caught =
      /FAIL the recomputed tree at size (\d+) is not the one the checkpoint signed: an entry among (\d+)…(\d+) was changed/.exec(
        careful.stdout,
      );
    expect(caught, careful.stdout).not.toBeNull();
    const [size, from, to] = caught!.slice(1).map(Number) as [number, number, number];
    expect(size).toBeGreaterThanOrEqual(3);
    expect(size).toBeLessThanOrEqual(5);
    expect(from).toBeLessThanOrEqual(2);
    expect(to).toBeGreaterThanOrEqual(2);
    const named = await ecp(
      'verify',
      'export',
      join(dir, 'export-3.jsonl'),
      '--key',
      vkey,
      '--previous',
      join(dir, 'export-1.jsonl'),
    );
    expect(named.stdout).toMatch(/FAIL entry 2 differs from the previous export/);
  });

  it('exports the whole log for people only, once it holds another agent’s records', async () => {
    const peer = await graphql<{ registerAgent: { apiKey: string } }>(
      stack.graphqlUrl,
      'mutation { registerAgent(input: { name: "peer", jurisdictions: ["EU"] }) { apiKey } }',
      {},
      bearer(stack.adminKey),
    );
    const peerKey = peer.body.data!.registerAgent.apiKey;
    const res = await graphql(
      stack.graphqlUrl,
      'mutation ($i: RecordDecisionInput!) { recordDecision(input: $i) { ledgerIndex } }',
      { i: decisionInput({ context: { private: 'of the peer' } }) },
      bearer(peerKey),
    );
    expect(res.body.errors).toBeUndefined();
    const byAgent = await ecp('ledger', 'export', '--out', join(dir, 'export-agent.jsonl'));
    expect(byAgent.code).not.toBe(0);
    expect(byAgent.stderr).toMatch(/another agent's record, whose bytes are withheld from this key/);
    const byAdmin = await ecpAs(stack.adminKey, 'ledger', 'export', '--out', join(dir, 'export-admin.jsonl'));
    expect(byAdmin.code, byAdmin.stderr).toBe(0);
    expect(readFileSync(join(dir, 'export-admin.jsonl'), 'utf8')).toContain('of the peer');
  });

  it('answers bad proof requests with typed errors through the gateway', async () => {
    const res = await graphql(
      stack.graphqlUrl,
      '{ inclusionProof(index: "500") { hashes } }',
      {},
      bearer(agentKey),
    );
    expect(errorCode(res)).toBe('OUT_OF_RANGE');
    expect(res.body.errors![0]!.extensions!.serviceName).toBe('ledger');
  });
});
