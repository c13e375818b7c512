/**
 * The GraphQL load generator, run as its own process so that it never shares an event loop with what
 * it measures: `connections` keep-alive connections, each sending `recordDecision` again as soon as
 * the last one was answered, every request with a fresh idempotency key (so every one appends). A
 * warm-up, then the measured window. Prints one JSON line, a {@link GraphqlLoadResult}, on stdout.
 */
import { Agent } from 'node:http';
import { postJson } from '../common/http-post';
import { decisionInput } from './entries';
import type { GraphqlLoadResult, GraphqlLoadSpec } from './graphql-load';
import { latencySummary } from './stats';

const spec = JSON.parse(process.argv[2] ?? '') as GraphqlLoadSpec;
const MUTATION = 'mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { ledgerIndex } }';
const url = new URL(spec.url);
const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });

const post = (body: string) => postJson(agent, url, spec.apiKey, body);

const start = performance.now();
const from = start + spec.warmupSeconds * 1000;
const to = from + spec.durationSeconds * 1000;
const latencies: number[] = [];
let failures = 0;
let firstFailure: string | undefined;
let n = 0;

async function connection(): Promise<void> {
  for (;;) {
    const sent = performance.now();
    if (sent >= to) return;
    const body = JSON.stringify({ query: MUTATION, variables: { input: decisionInput(n++) } });
    let ok = false;
    try {
      const res = await post(body);
      ok = res.status === 200 && res.text.includes('"ledgerIndex"') && !res.text.includes('"errors"');
      if (!ok) firstFailure ??= `${res.status} ${res.text.slice(0, 300)}`;
    } catch (err) {
      firstFailure ??= String(err);
    }
    const done = performance.now();
    if (done >= from && done < to) {
      if (ok) latencies.push(done - sent);
      else failures++;
    }
  }
}

await Promise.all(Array.from({ length: spec.connections }, connection));
agent.destroy();
const result: GraphqlLoadResult = {
  requests: latencies.length,
  seconds: spec.durationSeconds,
  perSecond: latencies.length / spec.durationSeconds,
  latencyMs: latencySummary(latencies),
  failures,
  ...(firstFailure ? { firstFailure } : {}),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
