/**
 * The advisory benchmark's load generator, in a process of its own so that it never shares an event
 * loop with what it measures. Closed loop (`connections` callers, each sending again once answered)
 * or open loop (`rate` requests a second, whatever the answers). Prints one JSON line, a LoadResult.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { postJson } from '../common/http-post';
import { latencySummary } from '../ledger/stats';
import type { LoadResult, LoadSpec } from './load';
import {
  ASSESS_FRICTION,
  CAST_VOTE,
  type Caller,
  decisionInput,
  draftInput,
  READ_AGENT,
  RECORD_DECISION,
  rng,
} from './workloads';

const spec = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as LoadSpec;
const url = new URL(spec.url);
const agent = new Agent({ keepAlive: true, maxSockets: Math.max(spec.connections, 64) });
const r = rng(spec.seed);
let n = 0;
let vote = 0;

function next(): { key: string; query: string; variables: Record<string, unknown> } | null {
  const caller: Caller = spec.callers[Math.floor(r() * spec.callers.length)]!;
  n += 1;
  switch (spec.workload) {
    case 'friction':
      return { key: caller.key, query: ASSESS_FRICTION, variables: { input: draftInput(r, caller) } };
    case 'read':
      return {
        key: caller.key,
        query: READ_AGENT,
        variables: { id: spec.callers[Math.floor(r() * spec.callers.length)]!.id },
      };
    case 'record':
      return { key: caller.key, query: RECORD_DECISION, variables: { input: decisionInput(r, caller, n) } };
    case 'vote': {
      const v = spec.votes?.[vote++];
      if (!v) return null;
      return {
        key: v.key,
        query: CAST_VOTE,
        variables: { input: { pollId: v.pollId, option: v.option, confidence: v.confidence } },
      };
    }
  }
}

const post = (key: string, body: string) => postJson(agent, url, key, body);

const start = performance.now();
const from = start + spec.warmupSeconds * 1000;
const to = from + spec.durationSeconds * 1000;
const latencies: number[] = [];
let failures = 0;
let firstFailure: string | undefined;
let exhausted = false;
let lastAnswer = from;
/** Answers received inside the window, whenever sent: the throughput an open loop actually got. */
let answeredInWindow = 0;
const answered: [string, number][] = [];

async function once(): Promise<void> {
  const req = next();
  if (!req) {
    exhausted = true;
    return;
  }
  const sent = performance.now();
  try {
    const res = await post(req.key, JSON.stringify({ query: req.query, variables: req.variables }));
    const ok = res.status === 200 && !res.text.includes('"errors"');
    const done = performance.now();
    if (ok && done >= from && done < to) answeredInWindow += 1;
    if (ok && spec.workload === 'record') {
      const id = /"decision":\{"id":"([0-9a-f-]{36})"/.exec(res.text)?.[1];
      if (id) answered.push([id, Date.now()]);
    }
    if (sent >= from && sent < to) {
      if (ok) latencies.push(done - sent);
      else {
        failures += 1;
        firstFailure ??= res.text.slice(0, 300);
      }
      lastAnswer = done;
    }
  } catch (err) {
    if (sent >= from && sent < to) {
      failures += 1;
      firstFailure ??= String(err);
    }
  }
}

if (spec.rate) {
  const interval = 1000 / spec.rate;
  const inFlight = new Set<Promise<void>>();
  let due = performance.now();
  while (performance.now() < to && !exhausted) {
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
      while (performance.now() < to && !exhausted) await once();
    }),
  );
}
const seconds = (Math.min(to, exhausted ? lastAnswer : to) - from) / 1000;
const result: LoadResult = {
  requests: latencies.length,
  seconds,
  perSecond: (spec.rate ? answeredInWindow : latencies.length) / seconds,
  latencyMs: { ...latencySummary(latencies), p95: p95(latencies) },
  failures,
  ...(firstFailure ? { firstFailure } : {}),
  ...(spec.workload === 'record' ? { answered } : {}),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
agent.destroy();

function p95(samples: number[]): number {
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(0.95 * sorted.length) - 1))] ?? Number.NaN;
}
