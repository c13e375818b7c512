/**
 * The floor under any fan-out: one process writing one small message to each of N loopback TCP
 * sockets (plain `net`, no WebSocket framing, no gateway code), with another process reading them and
 * timestamping each arrival. Run by the runner over IPC; forks its own reader.
 * Usage: socket-floor.ts (writer, driven over IPC) | socket-floor.ts reader <port> <sockets>.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createConnection, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { serve } from './ipc';
import { type LatencySummary, wallClockMs } from './protocol';
import { median, summarise } from './stats';

export interface FloorCommand {
  op: 'run';
  sockets: number;
  /** Bytes per message (the size of the gateway's `next` message for the same event). */
  bytes: number;
  rounds: number;
}

export interface FloorResult {
  /** Medians over the rounds of each round's arrival p50/p99/max (ms after the first write). */
  arrival: LatencySummary;
  /** Median over the rounds of the write loop's time per socket (µs). */
  writeMicrosPerSocket: number;
}

type ReaderMessage = { ready: true } | { arrival: LatencySummary };

if (process.argv[2] === 'reader') {
  const port = Number(process.argv[3]);
  const count = Number(process.argv[4]);
  const times = new Float64Array(count);
  let received = 0;
  let connected = 0;
  let started = 0;
  let full: () => void = () => {};
  const connectNext = () => {
    if (started >= count) return;
    started++;
    const socket = createConnection(port, '127.0.0.1');
    socket.on('connect', () => {
      if (++connected === count) process.send?.({ ready: true } satisfies ReaderMessage);
      connectNext();
    });
    socket.on('data', () => {
      const at = wallClockMs();
      if (received < count) times[received] = at;
      if (++received === count) full();
    });
    socket.on('error', () => {});
  };
  for (let i = 0; i < 200; i++) connectNext();
  process.on('message', async (message: { firstWriteAt: number }) => {
    if (received < count) await new Promise<void>((resolve) => (full = resolve));
    const arrival = summarise(times.map((t) => t - message.firstWriteAt));
    received = 0;
    process.send?.({ arrival } satisfies ReaderMessage);
  });
  process.on('disconnect', () => process.exit(0));
} else {
  serve<FloorCommand>(async ({ sockets, bytes, rounds }): Promise<FloorResult> => {
    const accepted: Socket[] = [];
    const server = createServer((socket) => {
      socket.setNoDelay(true); // as ws sets it
      accepted.push(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const reader: ChildProcess = fork(
      fileURLToPath(import.meta.url),
      ['reader', String(port), String(sockets)],
      {
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, NODE_OPTIONS: '' },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    let waiting: { resolve: (m: ReaderMessage) => void; reject: (e: Error) => void } | undefined;
    reader.on('message', (m: ReaderMessage) => waiting?.resolve(m));
    reader.once('exit', (code) => waiting?.reject(new Error(`the socket reader exited (${code})`)));
    const next = () =>
      new Promise<ReaderMessage>((resolve, reject) => {
        waiting = { resolve, reject };
      });
    try {
      await next();
      while (accepted.length < sockets) await sleep(20);
      const payload = Buffer.alloc(bytes, 'x');
      const loops: number[] = [];
      const arrivals: LatencySummary[] = [];
      for (let round = 0; round <= rounds; round++) {
        const firstWriteAt = wallClockMs();
        for (const socket of accepted) socket.write(payload);
        const loopMs = wallClockMs() - firstWriteAt;
        const answer = next();
        reader.send({ firstWriteAt });
        const { arrival } = (await answer) as { arrival: LatencySummary };
        if (round > 0) {
          // the first round is untimed, as for the gateway
          loops.push((loopMs * 1000) / sockets);
          arrivals.push(arrival);
        }
        await sleep(300);
      }
      return {
        arrival: {
          count: sockets,
          p50: median(arrivals.map((a) => a.p50)),
          p99: median(arrivals.map((a) => a.p99)),
          max: Math.max(...arrivals.map((a) => a.max)),
        },
        writeMicrosPerSocket: median(loops),
      };
    } finally {
      reader.kill();
      for (const socket of accepted) socket.destroy();
      server.close();
    }
  });
}
