/**
 * The Liability Firewall's cost (`npm run bench:firewall -w @ecp/bench`): `recordDecision` through the
 * gateway with the firewall in the path (policy from the learning consortium, friction assessed by
 * advisory for every draft that cites none) against the same platform with `LEDGER_FIREWALL=off`,
 * started one after the other by this script on this machine. 64 agents in three jurisdictions send
 * varied decisions (jurisdictions, categories, 2–4 options, contexts) from a load process of their own.
 *
 * 1. decisions/s, closed loop, 16 callers, each way; the gated figure as a ratio of the ungated;
 * 2. p95 at 300/s offered, each way.
 *
 * Results are printed and appended to BENCHMARKS.md with the machine and date.
 */
import { join } from 'node:path';
import { REPO_ROOT } from '@ecp/platform/repo';
import { graphql } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { type LoadResult, runLoad } from '../advisory/load';
import type { Caller } from '../advisory/workloads';
import { describeMachine, idleShare } from '../common/machine';
import { appendSection, markdownTable, type ResultRow, textTable } from '../common/results-table';

const AGENTS = 64;
const JURISDICTIONS = ['EU/DE', 'EU/FR', 'EU'];
const say = (line: string) => console.log(line);
const ms = (x: number) => x.toFixed(1);
const int = (x: number) => Math.round(x).toLocaleString('en-US');

interface Measured {
  max: LoadResult;
  paced: LoadResult;
  held: number;
}

async function measure(firewall: 'enforce' | 'off'): Promise<Measured> {
  say(`starting the platform with LEDGER_FIREWALL=${firewall}…`);
  const stack: Stack = await startStack({
    workers: true,
    logLevel: 'warn',
    extraEnv: { AUTH_CACHE_TTL_MS: '60000', LEDGER_FIREWALL: firewall },
  });
  try {
    const gql = async <D>(key: string, query: string, variables: Record<string, unknown> = {}) => {
      const res = await graphql<D>(stack.graphqlUrl, query, variables, {
        headers: { authorization: `Bearer ${key}` },
      });
      if (res.body.errors) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(res.body.errors)}`);
      return res.body.data!;
    };
    const callers: Caller[] = [];
    for (let i = 0; i < AGENTS; i += 8) {
      await Promise.all(
        Array.from({ length: 8 }, async (_, k) => {
          const j = JURISDICTIONS[(i + k) % JURISDICTIONS.length]!;
          const reg = await gql<{ registerAgent: { apiKey: string; agent: { id: string } } }>(
            stack.adminKey,
            'mutation ($n: String!, $j: [String!]) { registerAgent(input: { name: $n, jurisdictions: $j }) { apiKey agent { id } } }',
            { n: `bench-agent-${i + k}`, j: [j] },
          );
          callers[i + k] = { id: reg.registerAgent.agent.id, key: reg.registerAgent.apiKey, jurisdiction: j };
        }),
      );
    }
    const base = { url: stack.graphqlUrl, callers, connections: 16, warmupSeconds: 3, durationSeconds: 15 };
    const max = await runLoad({ ...base, workload: 'record', seed: 11 });
    say(`   closed loop: ${describe(max)}`);
    const paced = await runLoad({ ...base, workload: 'record', rate: 300, seed: 12 });
    say(`   at 300/s offered: ${describe(paced)}`);
    const held =
      firewall === 'enforce'
        ? (
            await gql<{ pendingDecisions: { totalCount: number | null; edges: unknown[] } }>(
              stack.adminKey,
              'query { pendingDecisions(first: 100) { edges { cursor } } }',
            )
          ).pendingDecisions.edges.length
        : 0;
    return { max, paced, held };
  } finally {
    await stack.stop();
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const machine = describeMachine();
  say(`machine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`);
  const idle = await idleShare(2000);
  say(`CPU idle before measuring: ${idle === undefined ? 'unknown' : `${(idle * 100).toFixed(0)}%`}`);
  const ungated = await measure('off');
  const gated = await measure('enforce');
  const ratio = gated.max.perSecond / ungated.max.perSecond;
  const rows: ResultRow[] = [
    {
      measure: 'baseline: recordDecision/s through the gateway, firewall off (closed loop, 16 callers)',
      result: `${int(ungated.max.perSecond)} (p95 ${ms(ungated.max.latencyMs.p95)} ms, ${ungated.max.failures} failed)`,
      target: '–',
      verdict: '–',
    },
    {
      measure: 'recordDecision/s with the firewall (policy + friction per draft), same script',
      result: `${int(gated.max.perSecond)} (p95 ${ms(gated.max.latencyMs.p95)} ms, ${gated.max.failures} failed): ${ratio.toFixed(2)}× the baseline`,
      target: '≥ 0.7×',
      verdict: ratio >= 0.7 && gated.max.failures === 0 ? 'met' : 'MISSED',
    },
    {
      measure: 'baseline: recordDecision p95 at 300/s offered, firewall off',
      result: `${ms(ungated.paced.latencyMs.p95)} ms (${int(ungated.paced.perSecond)}/s answered, ${ungated.paced.failures} failed)`,
      target: '–',
      verdict: '–',
    },
    {
      measure: 'recordDecision p95 at 300/s offered, with the firewall',
      result: `${ms(gated.paced.latencyMs.p95)} ms (${int(gated.paced.perSecond)}/s answered, ${gated.paced.failures} failed; ≥ ${gated.held} held for approval)`,
      target: '< 100 ms',
      verdict: gated.paced.latencyMs.p95 < 100 && gated.paced.failures === 0 ? 'met' : 'MISSED',
    },
  ];
  say('');
  say(textTable(rows));
  const section = `## Liability Firewall — ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC

Machine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, Linux ${machine.kernel}. The whole
platform with its workers on this machine (loopback), started twice by one script: first with
\`LEDGER_FIREWALL=off\`, then with the firewall enforcing (every draft's friction assessed by advisory,
the jurisdiction's policy from the learning consortium). ${AGENTS} agents in EU, EU/DE and EU/FR send varied
decisions from a load process of their own (\`npm run bench:firewall -w @ecp/bench\`).

${markdownTable(rows)}
`;
  appendSection(join(REPO_ROOT, 'BENCHMARKS.md'), section);
  say('appended to BENCHMARKS.md');
}

function describe(r: LoadResult): string {
  return `${int(r.perSecond)}/s (p50 ${ms(r.latencyMs.p50)} ms, p95 ${ms(r.latencyMs.p95)} ms, p99 ${ms(r.latencyMs.p99)} ms${r.failures ? `, ${r.failures} failed: ${r.firstFailure}` : ''})`;
}

await main();
