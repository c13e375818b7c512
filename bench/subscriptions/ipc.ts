import { type ChildProcess, fork } from 'node:child_process';
import type { Reply } from './protocol';

/**
 * A helper process of the benchmark, run by Node with tsx's loader and driven over its IPC channel:
 * `call` sends a command and resolves with its answer.
 */
export class Helper<Command extends { op: string }> {
  private readonly child: ChildProcess;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;
  private readonly ready: Promise<void>;
  /** Unasked messages from the helper (those without a `seq`). */
  onEvent: (message: Record<string, unknown>) => void = () => {};

  constructor(
    readonly name: string,
    entry: string,
    args: readonly string[] = [],
  ) {
    this.child = fork(entry, [...args], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('exit', (code, signal) => reject(new Error(`${name} exited (${signal ?? code})`)));
      this.child.once('message', () => resolve());
    });
    this.child.on('message', (message: Reply | Record<string, unknown>) => {
      if (typeof message !== 'object' || message === null || !('seq' in message)) {
        if (typeof message === 'object' && message !== null && !('hello' in message)) this.onEvent(message);
        return;
      }
      const reply = message as Reply;
      const waiter = this.pending.get(reply.seq);
      if (!waiter) return;
      this.pending.delete(reply.seq);
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(new Error(`${name}: ${reply.error}`));
    });
    this.child.once('exit', (code, signal) => {
      this.exited = true;
      for (const waiter of this.pending.values())
        waiter.reject(new Error(`${name} exited (${signal ?? code}) before answering`));
      this.pending.clear();
    });
  }

  /** Resolves once the helper has said hello (it is set up and listening for commands). */
  started(): Promise<void> {
    return this.ready;
  }

  call<T>(command: Command): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} is not running`));
    const seq = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ seq, command });
    });
  }

  /** Ends the helper: SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.exited || this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * The helper's side: answers each command with `handle`'s result, says hello once listening, and
 * exits when the runner goes away.
 */
export function serve<Command>(handle: (command: Command) => Promise<unknown>): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('run this file through the benchmark runner (it needs an IPC channel)');
  process.on('message', (message: { seq: number; command: Command }) => {
    handle(message.command).then(
      (value) => send({ seq: message.seq, ok: true, value } satisfies Reply),
      (err: unknown) =>
        send({ seq: message.seq, ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGINT', () => {}); // the runner decides when this process ends
  process.on('SIGTERM', () => process.exit(0));
  send({ hello: true });
}
