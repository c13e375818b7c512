/**
 * The subscriber process: holds the benchmark's graphql-ws connections (plain `ws` speaking the
 * graphql-transport-ws protocol, one subscription per connection) and timestamps every `next` it
 * receives. Driven by the runner over IPC (see protocol.ts). Usage: clients.ts <ws url> <api key>.
 *
 * A `next` is timestamped as soon as its socket's data is handed to JavaScript, before anything else
 * is done with it; the timestamps include this process's own time to read every socket, as a real
 * client's would include its own.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { serve } from './ipc';
import {
  BENCH_KEY_IN_PAYLOAD,
  type ClientCommand,
  type ClientStats,
  type CollectResult,
  type OpenResult,
  type RunReport,
  type SubscriptionSpec,
  subscriptionFor,
  wallClockMs,
} from './protocol';
import { summarise } from './stats';

const [url, apiKey] = process.argv.slice(2);
if (!url || !apiKey) throw new Error('usage: clients.ts <ws url> <api key>');

/** Connections opened at once while ramping up. */
const OPEN_CONCURRENCY = 200;
const OPEN_TIMEOUT_MS = 30_000;

interface Connection {
  ws: WebSocket;
  index: number;
  /** The graphql-ws id of its current subscription. */
  subscriptionId: number;
  closing: boolean;
}

const connections = new Set<Connection>();
let nextIndex = 0;
let unexpectedCloses = 0;
const closeCodes: Record<string, number> = {};
let errorMessages = 0;
let firstError: string | undefined;

/** The single-event capture window: receive times of every `next`, whatever it carries. */
let window:
  | { times: Float64Array; count: number; expected: number; sample?: string; full: () => void }
  | undefined;
/** Rate runs being tracked: publish time and latency of each message, by run. */
const runs = new Map<string, { publishedAt: number[]; latency: number[] }>();

function onNext(text: string, at: number): void {
  if (window) {
    if (window.count < window.times.length) window.times[window.count] = at;
    window.sample ??= text.slice(0, 400);
    window.count++;
    if (window.count === window.expected) window.full();
    return;
  }
  const match = BENCH_KEY_IN_PAYLOAD.exec(text);
  if (!match) return;
  const run = runs.get(match[1]!);
  if (!run) return;
  const publishedAt = Number(match[3]) / 1000;
  run.publishedAt.push(publishedAt);
  run.latency.push(at - publishedAt);
}

function subscribe(connection: Connection, spec: SubscriptionSpec): void {
  connection.subscriptionId++;
  connection.ws.send(
    JSON.stringify({
      id: String(connection.subscriptionId),
      type: 'subscribe',
      payload: subscriptionFor(spec, connection.index),
    }),
  );
}

/** Opens one connection, authenticates and subscribes; resolves once the subscribe message is sent. */
function openOne(spec: SubscriptionSpec): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(url!, 'graphql-transport-ws', { perMessageDeflate: false });
    const connection: Connection = { ws, index: nextIndex++, subscriptionId: 0, closing: false };
    let live = false;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('no connection_ack in time'));
    }, OPEN_TIMEOUT_MS);
    ws.on('open', () =>
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${apiKey}` } })),
    );
    ws.on('message', (data: Buffer) => {
      const at = wallClockMs();
      const text = data.toString();
      if (text.includes('"type":"next"')) return onNext(text, at);
      let message: { type?: string; payload?: unknown };
      try {
        message = JSON.parse(text);
      } catch {
        return;
      }
      if (message.type === 'connection_ack') {
        live = true;
        clearTimeout(timer);
        connections.add(connection);
        subscribe(connection, spec);
        resolve();
      } else if (message.type === 'ping') {
        ws.send('{"type":"pong"}');
      } else if (message.type === 'error') {
        errorMessages++;
        firstError ??= JSON.stringify(message.payload).slice(0, 300);
      }
    });
    ws.on('error', (err) => {
      if (!live) {
        clearTimeout(timer);
        reject(err);
      }
    });
    ws.on('close', (code, reason) => {
      connections.delete(connection);
      if (!live) {
        clearTimeout(timer);
        reject(new Error(`closed before connection_ack: ${code} ${reason.toString()}`));
        return;
      }
      if (!connection.closing) {
        unexpectedCloses++;
        closeCodes[code] = (closeCodes[code] ?? 0) + 1;
      }
    });
  });
}

async function open(count: number, spec: SubscriptionSpec): Promise<OpenResult> {
  const started = performance.now();
  let opened = 0;
  let failed = 0;
  let firstFailure: string | undefined;
  let launched = 0;
  const worker = async () => {
    while (launched < count) {
      launched++;
      try {
        await openOne(spec);
        opened++;
      } catch (err) {
        failed++;
        firstFailure ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, count) }, worker));
  return { opened, failed, firstFailure, seconds: (performance.now() - started) / 1000 };
}

/** Completes every connection's subscription and sends a new one, in slices so the loop stays responsive. */
async function resubscribe(spec: SubscriptionSpec): Promise<number> {
  let n = 0;
  for (const connection of [...connections]) {
    connection.ws.send(JSON.stringify({ id: String(connection.subscriptionId), type: 'complete' }));
    subscribe(connection, spec);
    if (++n % 500 === 0) await sleep(5);
  }
  return n;
}

async function collect(publishedAtMs: number, timeoutMs: number): Promise<CollectResult> {
  const current = window;
  if (!current) throw new Error('collect without arm');
  if (current.count < current.expected) {
    await Promise.race([
      new Promise<void>((resolve) => {
        current.full = resolve;
      }),
      sleep(timeoutMs),
    ]);
  }
  // Anything arriving just after the last expected one (a stray event) is counted too.
  await sleep(50);
  window = undefined;
  const n = Math.min(current.count, current.times.length);
  const latencies = new Float64Array(n);
  for (let i = 0; i < n; i++) latencies[i] = current.times[i]! - publishedAtMs;
  return {
    ...summarise(latencies),
    received: current.count,
    expected: current.expected,
    sample: current.sample,
  };
}

async function closeAll(): Promise<number> {
  const all = [...connections];
  const closed = Promise.all(
    all.map(
      (c) =>
        new Promise<void>((resolve) => {
          c.closing = true;
          if (c.ws.readyState === WebSocket.CLOSED) return resolve();
          c.ws.once('close', () => resolve());
          c.ws.close(1000, 'benchmark done');
        }),
    ),
  );
  await Promise.race([closed, sleep(10_000)]);
  for (const c of all) if (c.ws.readyState !== WebSocket.CLOSED) c.ws.terminate();
  connections.clear();
  return all.length;
}

let profiler: Session | undefined;

/** Samples this process's CPU (`--profile`), to see where its time goes while it reads a fan-out. */
async function profile(command: Extract<ClientCommand, { op: 'profile' }>): Promise<boolean> {
  if (command.action === 'start') {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
    await profiler.post('Profiler.start');
    return true;
  }
  if (!profiler) return false;
  const { profile: result } = await profiler.post('Profiler.stop');
  profiler.disconnect();
  profiler = undefined;
  writeFileSync(command.path, JSON.stringify(result));
  return true;
}

serve<ClientCommand>(async (command) => {
  switch (command.op) {
    case 'open':
      return open(command.count, command.subscription);
    case 'resubscribe':
      return resubscribe(command.subscription);
    case 'arm':
      window = {
        times: new Float64Array(command.expect),
        count: 0,
        expected: command.expect,
        full: () => {},
      };
      return command.expect;
    case 'collect':
      return collect(command.publishedAtMs, command.timeoutMs);
    case 'track':
      runs.set(command.run, { publishedAt: [], latency: [] });
      return command.run;
    case 'report': {
      const run = runs.get(command.run);
      if (!run) throw new Error(`run ${command.run} is not tracked`);
      runs.delete(command.run);
      const inWindow: number[] = [];
      for (let i = 0; i < run.latency.length; i++) {
        const at = run.publishedAt[i]!;
        if (at >= command.fromMs && at < command.toMs) inWindow.push(run.latency[i]!);
      }
      return {
        inWindow: inWindow.length,
        total: run.latency.length,
        latencyMs: summarise(inWindow),
      } satisfies RunReport;
    }
    case 'stats':
      return {
        open: connections.size,
        unexpectedCloses,
        closeCodes,
        errorMessages,
        firstError,
        rssBytes: process.memoryUsage.rss(),
      } satisfies ClientStats;
    case 'profile':
      return profile(command);
    case 'closeAll':
      return closeAll();
  }
});
