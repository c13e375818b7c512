import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@ecp/platform/repo';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gqlAs, registerCaller } from './support/callers';

/**
 * The README's "As an agent, in TypeScript" program, run as a newcomer would run it: copied out of
 * the README into a directory of its own, started with tsx against a live platform with an agent's
 * key. While it waits for "the next decision anyone records in EU/DE", another agent records some.
 */
let stack: Stack;
let dir: string;

async function tourProgram(): Promise<string> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const match = /<!-- tour:agent-sdk -->\n```ts\n([\s\S]*?)\n```/.exec(readme);
  expect(match, 'the README has the agent tour').not.toBeNull();
  return match![1]!;
}

beforeAll(async () => {
  stack = await startStack();
  dir = await mkdtemp(join(tmpdir(), 'ecp-agent-tour-'));
  await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('README: as an agent, in TypeScript', () => {
  it('runs as written and does what it says', async () => {
    await writeFile(join(dir, 'tour.ts'), await tourProgram());
    const agent = await registerCaller(stack, 'tour-agent', ['EU/DE']);
    const other = await registerCaller(stack, 'tour-neighbour', ['EU/DE']);

    const run = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'tour.ts'],
        {
          cwd: dir,
          timeout: 90_000,
          env: { PATH: process.env.PATH, ECP_URL: stack.gatewayUrl, AGENT: agent.key },
        },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    // The neighbour records a decision now and then until the program has seen one and ended.
    let ended = false;
    void run.then(() => {
      ended = true;
    });
    const recorded: string[] = [];
    while (!ended) {
      await new Promise((r) => setTimeout(r, 400));
      if (ended) break;
      const res = await gqlAs<{ recordDecision: { decision: { id: string } } }>(
        stack,
        other.key,
        `mutation ($k: String!) { recordDecision(input: { jurisdiction: "EU/DE", category: "pricing", context: {},
          options: [{ id: "cut" }, { id: "hold" }], chosenOption: "cut", rationale: "Slow week.", confidence: 0.6,
          idempotencyKey: $k }) { decision { id } } }`,
        { k: `neighbour-${recorded.length}` },
      );
      recorded.push(res.body.data!.recordDecision.decision.id);
    }
    const { code, stdout, stderr } = await run;
    expect(stderr).toBe('');
    expect(code).toBe(0);

    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^friction 0\.\d\d \(.+\)$/);
    const committed = /^COMMITTED at ledger index (\d+), signed by key ([0-9a-f-]{36})$/.exec(lines[1]!);
    expect(committed, lines[1]).not.toBeNull();
    expect(lines[2]).toBe(`the same draft again: replayed=true, index ${committed![1]}`);
    expect(lines[3]).toMatch(/^included in the tree of \d+ under root [0-9a-f]{64}$/);
    expect(lines[4]).toBe('refused: input.confidence');
    const live = /^live: cut in EU\/DE \(([0-9a-f-]{36})\)$/.exec(lines[5]!);
    expect(live, lines[5]).not.toBeNull();
    expect(recorded).toContain(live![1]);

    // What it printed is what the ledger holds: one decision of the agent's, signed with its key.
    const mine = await gqlAs<{
      decisions: { edges: { node: { ledgerIndex: string; signedBy: { id: string } | null } }[] };
    }>(
      stack,
      stack.adminKey,
      'query ($a: ID) { decisions(filter: { agentId: $a }, first: 10) { edges { node { ledgerIndex signedBy { id } } } } }',
      { a: agent.id },
    );
    expect(mine.body.data!.decisions.edges.map((e) => e.node)).toEqual([
      { ledgerIndex: committed![1], signedBy: { id: committed![2] } },
    ]);
  }, 120_000);
});
