import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { REPO_ROOT } from '@ecp/platform/repo';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually, gqlAs, registerCaller, runEcp } from './support/callers';
import { collect, settled } from './support/live';

/**
 * `ecp demo` as a newcomer runs it against a running platform (workers included): a child process
 * with the admin key, at a fast rate, stopped with Ctrl-C (SIGINT). What it did is checked through the
 * API, not in its output: its agents carry the demo's marks, decisions were recorded (signed, with
 * advice) and one held by the Liability Firewall was approved, a poll was opened, voted in and closed,
 * outcomes reported, and its environment went UNHEALTHY and came back (streamed over graphql-ws).
 * A second run finds the same agents; a wrong key ends with 2 and says why.
 */
let stack: Stack;
const clients: Client[] = [];
const BIN = join(REPO_ROOT, 'packages/cli/bin/ecp.js');

interface DemoProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  stdout: () => string;
  stderr: () => string;
}

function startDemo(...args: string[]): DemoProcess {
  const child = spawn(process.execPath, [BIN, 'demo', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, ECP_GATEWAY_URL: stack.gatewayUrl, ECP_API_KEY: stack.adminKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return { child, stdout: () => stdout, stderr: () => stderr };
}

/** Sends Ctrl-C's signal and waits for the exit code. */
async function interrupt(demo: DemoProcess): Promise<number | null> {
  const exited = once(demo.child, 'exit');
  demo.child.kill('SIGINT');
  const [code] = (await exited) as [number | null];
  return code;
}

function gql<D = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}) {
  return gqlAs<D>(stack, stack.adminKey, query, variables);
}

interface DemoPrincipal {
  id: string;
  name: string;
  roles: string[];
  jurisdictions: string[];
  organisation: string | null;
  apiKeys: { name: string | null; active: boolean }[];
  signingKeys: { revokedAt: string | null }[];
}

async function demoPrincipals(): Promise<DemoPrincipal[]> {
  const res = await gql<{ agents: { edges: { node: DemoPrincipal }[] } }>(
    `{ agents(first: 100) { edges { node { id name roles jurisdictions organisation
        apiKeys { name active } signingKeys { revokedAt } } } } }`,
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.agents.edges.map((e) => e.node).filter((a) => a.name.startsWith('demo-'));
}

interface DecisionRead {
  id: string;
  status: string;
  category: string;
  jurisdiction: string;
  holdReasons: string[];
  agent: { id: string };
  signedBy: { id: string } | null;
  advice: { frictionAssessmentId: string | null; pollId: string | null } | null;
  approvals: { verdict: string; reviewerId: string }[];
  outcomes: { success: number; reportedBy: string }[] | null;
}

async function committedDecisions(): Promise<DecisionRead[]> {
  const res = await gql<{ decisions: { edges: { node: DecisionRead }[] } }>(
    `{ decisions(first: 100) { edges { node { id status category jurisdiction holdReasons agent { id }
        signedBy { id } advice { frictionAssessmentId pollId } approvals { verdict reviewerId }
        outcomes { success reportedBy } } } } }`,
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.decisions.edges.map((e) => e.node);
}

beforeAll(async () => {
  stack = await startStack({ workers: true });
}, 180_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await stack?.stop();
});

describe('ecp demo', () => {
  let principals: DemoPrincipal[];

  it('drives real traffic through the API until Ctrl-C, then cleans up, prints a summary and exits 0', async () => {
    const ws = createClient({
      url: stack.websocketUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${stack.adminKey}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => {},
    });
    clients.push(ws);
    const health = collect(ws, 'subscription { healthChanged { name status } }');
    await settled();

    const demo = startDemo('--rate', '8', '--seed', '42');
    let code: number | null;
    try {
      await eventually(
        'the demo to be ready',
        async () => (demo.stdout().includes('Watch it move') ? true : null),
        60_000,
      );

      // Its agents and operator, marked as the demo's.
      principals = await demoPrincipals();
      const agents = principals.filter((p) => p.roles.includes('AGENT'));
      expect(agents).toHaveLength(6);
      expect(principals.filter((p) => p.roles.includes('OPERATOR')).map((p) => p.name)).toEqual([
        'demo-operator',
      ]);
      expect(principals.every((p) => p.organisation === 'ECP demo')).toBe(true);
      expect(new Set(agents.flatMap((a) => a.jurisdictions))).toEqual(
        new Set(['EU/DE', 'EU/FR', 'US/CA', 'EU', 'US', 'EU/NL']),
      );
      const agentIds = new Set(agents.map((a) => a.id));
      const operatorId = principals.find((p) => p.name === 'demo-operator')!.id;

      // The jurisdiction it defined so that payments there are held for a person.
      const policy = await gql<{ jurisdictionPolicy: { categoriesRequiringApproval: string[] } }>(
        '{ jurisdictionPolicy(code: "EU/NL") { categoriesRequiringApproval } }',
      );
      expect(policy.body.data!.jurisdictionPolicy.categoriesRequiringApproval).toContain('payments');

      // A held payment approved by the demo's operator, and committed.
      const approved = await eventually(
        'a held decision approved by the operator',
        async () =>
          (await committedDecisions()).find(
            (d) =>
              d.holdReasons.includes('CATEGORY_REQUIRES_APPROVAL') &&
              d.approvals.some((a) => a.verdict === 'APPROVAL' && a.reviewerId === operatorId),
          ),
        90_000,
      );
      expect(approved).toMatchObject({ status: 'COMMITTED', jurisdiction: 'EU/NL', category: 'payments' });
      expect(agentIds.has(approved.agent.id)).toBe(true);

      // A poll opened by a demo agent, voted in by others (signed votes) and closed.
      const poll = await eventually(
        'a closed poll with votes',
        async () => {
          const res = await gql<{
            polls: {
              edges: {
                node: {
                  id: string;
                  openedBy: string;
                  votesCast: number;
                  closeReason: string | null;
                  votes: { edges: { node: { agentId: string; signatureKeyId: string | null } }[] };
                };
              }[];
            };
          }>(`{ polls(first: 100, filter: { status: CLOSED }) { edges { node { id openedBy votesCast closeReason
                votes(first: 10) { edges { node { agentId signatureKeyId } } } } } } }`);
          return res.body
            .data!.polls.edges.map((e) => e.node)
            .find((p) => agentIds.has(p.openedBy) && p.votesCast >= 2);
        },
        90_000,
      );
      expect(['ALL_VOTED', 'CLOSED_BY_OPENER']).toContain(poll.closeReason);
      const voters = poll.votes.edges.map((e) => e.node);
      expect(voters.every((v) => agentIds.has(v.agentId) && v.agentId !== poll.openedBy)).toBe(true);
      expect(voters.every((v) => v.signatureKeyId !== null)).toBe(true);

      // Decisions recorded with friction asked first, signed; some citing a poll; outcomes reported.
      const decisions = await eventually(
        'decisions with friction, a poll cited and an outcome reported',
        async () => {
          const all = (await committedDecisions()).filter((d) => agentIds.has(d.agent.id));
          const ready =
            all.some((d) => d.advice?.frictionAssessmentId) &&
            all.some((d) => d.advice?.pollId) &&
            all.some((d) => (d.outcomes ?? []).length > 0);
          return ready ? all : null;
        },
        90_000,
      );
      expect(decisions.every((d) => d.signedBy !== null)).toBe(true);
      expect(new Set(decisions.map((d) => d.category)).size).toBeGreaterThan(2);
      const assessed = decisions.find((d) => d.advice?.frictionAssessmentId)!;
      const friction = await gql<{ frictionAssessment: { agentId: string; score: number } }>(
        'query ($id: ID!) { frictionAssessment(id: $id) { agentId score } }',
        { id: assessed.advice!.frictionAssessmentId },
      );
      expect(friction.body.data!.frictionAssessment.agentId).toBe(assessed.agent.id);
      const reported = decisions.find((d) => (d.outcomes ?? []).length > 0)!;
      expect(reported.outcomes![0]!.reportedBy).toBe(reported.agent.id);

      // Its environment went down and came back, as ECP's checks saw it.
      await eventually(
        'the demo environment to go UNHEALTHY and come back',
        async () => {
          const changes = health.received
            .map((p) => p.data!.healthChanged as { name: string; status: string })
            .filter((c) => c.name === 'demo-shop-api')
            .map((c) => c.status);
          const down = changes.indexOf('UNHEALTHY');
          return down >= 0 && changes.indexOf('HEALTHY', down) > down ? true : null;
        },
        90_000,
      );
    } finally {
      code = await interrupt(demo);
    }
    expect(demo.stderr()).toBe('');
    expect(code).toBe(0);

    const lines = demo.stdout().trim().split('\n');
    expect(lines).toContainEqual(
      expect.stringMatching(/^EU\/NL\s+operator demo-operator\s+approved held decision …/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^\S+\s+agent demo-\w+\s+recorded decision …\w{8} /));
    expect(lines.find((l) => l.startsWith('ecp demo stopped after'))).toMatch(/\d+ actions, \d+ failed\.$/);
    expect(lines.at(-1)).toMatch(/^\s+environment\s+\d+ checks; went down/);

    // Cleaned up: the environment is gone and the run's keys are revoked.
    const environments = await gql<{ environments: { name: string }[] }>('{ environments { name } }');
    expect(environments.body.data!.environments.map((e) => e.name)).not.toContain('demo-shop-api');
    principals = await demoPrincipals();
    for (const p of principals) {
      expect(p.apiKeys.filter((k) => k.active)).toEqual([]);
      expect(p.signingKeys.filter((k) => !k.revokedAt)).toEqual([]);
    }
  }, 300_000);

  it('finds the agents of the earlier run on a second run, issuing them new keys', async () => {
    const demo = startDemo('--rate', '4');
    let code: number | null;
    try {
      await eventually(
        'the demo to be ready',
        async () => (demo.stdout().includes('Watch it move') ? true : null),
        60_000,
      );
      const during = await demoPrincipals();
      expect(during.map((p) => p.id).sort()).toEqual(principals.map((p) => p.id).sort());
      expect(
        during.every((p) => p.apiKeys.filter((k) => k.active && k.name === 'ecp demo').length === 1),
      ).toBe(true);
    } finally {
      code = await interrupt(demo);
    }
    expect(code).toBe(0);
    expect(demo.stdout().match(/found from an earlier run, issued a new API key/g)).toHaveLength(7);
    expect(demo.stdout()).toMatch(/EU\/NL already holds its payments decisions for 1 approver/);
  }, 120_000);

  it('exits 2 saying why when the key is missing, refused or not an admin’s', async () => {
    const missing = await runEcp(stack, '', 'demo');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/an admin API key is needed .*--key <key> or set ECP_API_KEY/);

    const refused = await runEcp(stack, 'ecp_not-a-key-anyone-has', 'demo', '--rate', '5');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/the gateway refused the API key/);

    const agent = await registerCaller(stack, 'someone', ['EU']);
    const notAdmin = await runEcp(stack, agent.key, 'demo');
    expect(notAdmin.code).toBe(2);
    expect(notAdmin.stderr).toMatch(/someone's, who is not an admin \(AGENT\)/);

    const badRate = await runEcp(stack, stack.adminKey, 'demo', '--rate', 'fast');
    expect(badRate.code).toBe(2);
    expect(badRate.stderr).toMatch(/--rate must be a number/);
  });
});
