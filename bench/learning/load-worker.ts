/**
 * The recommendation benchmark's load generator, in a process of its own so that it never shares an
 * event loop with what it measures: open loop at `rate` queries a second (or closed loop with
 * `connections` callers), each from a random caller with a random lesson query. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { postJson } from '../common/http-post';
import { percentile } from '../ledger/stats';
import { query, RECOMMEND, rng } from './workload';

export interface RecommendationLoadSpec {
  url: string;
  keys: string[];
  rate?: number;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  seed: number;
}

const spec = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as RecommendationLoadSpec;
const url = new URL(spec.url);
const agent = new Agent({ keepAlive: true, maxSockets: Math.max(spec.connections, 64) });
const r = rng(spec.seed);
const start = performance.now();
const from = start + spec.warmupSeconds * 1000;
const to = from + spec.durationSeconds * 1000;
const latencies: number[] = [];
let failures = 0;
let firstFailure: string | undefined;
let answered = 0;

async function once(): Promise<void> {
  const key = spec.keys[Math.floor(r() * spec.keys.length)]!;
  const body = JSON.stringify({ query: RECOMMEND, variables: query(r) });
  const sent = performance.now();
  try {
    const res = await postJson(agent, url, key, body);
    const done = performance.now();
    const ok = res.status === 200 && !res.text.includes('"errors"');
    if (sent >= from && sent < to) {
      if (ok) {
        latencies.push(done - sent);
        answered++;
      } else {
        failures++;
        firstFailure ??= res.text.slice(0, 300);
      }
    }
  } catch (err) {
    if (sent >= from && sent < to) {
      failures++;
      firstFailure ??= String(err);
    }
  }
}

if (spec.rate) {
  const interval = 1000 / spec.rate;
  const inFlight = new Set<Promise<void>>();
  let due = performance.now();
  while (performance.now() < to) {
    due += interval;
    const p = once().finally(() => inFlight.delete(p));
    inFlight.add(p);
    const wait = due - performance.now();
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
  }
  await Promise.all(inFlight);
} else {
  await Promise.all(
    Array.from({ length: spec.connections }, async () => {
      while (performance.now() < to) await once();
    }),
  );
}
latencies.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    requests: answered,
    perSecond: answered / spec.durationSeconds,
    latencyMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? 0,
    },
    failures,
    firstFailure,
  }),
);
agent.destroy();
