/**
 * The GraphQL load generator, run as its own process so that it never shares an event loop with what
 * it measures: `connections` keep-alive connections, each sending `recordDecision` again as soon as
 * the last one was answered, every request with a fresh idempotency key (so every one appends). A
 * warm-up, then the measured window. Prints one JSON line, a {@link GraphqlLoadResult}, on stdout.
 */
import { Agent, request } from 'node:http';
import { decisionInput } from './entries';
import type { GraphqlLoadResult, GraphqlLoadSpec } from './graphql-load';
import { latencySummary } from './stats';

const spec = JSON.parse(process.argv[2] ?? '') as GraphqlLoadSpec;
const MUTATION = 'mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { ledgerIndex } }';
const url = new URL(spec.url);
const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });

function post(body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${spec.apiKey}`,
        },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

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
