import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** A server ECP runs for itself (the embedded PostgreSQL, a Redis) and what it needs to run it. */
export interface OwnedProcessSpec {
  /** How messages name it: `the embedded PostgreSQL`. */
  name: string;
  command: string;
  args: string[];
  /** Its output is appended here; the end of it explains a failed start. */
  logFile: string;
  /** The signal that makes it shut down cleanly and promptly (PostgreSQL: SIGINT; Redis: SIGTERM). */
  stopSignal: NodeJS.Signals;
  /** Run as this user (ECP as root starting PostgreSQL, which refuses to run as root). */
  uid?: number;
  gid?: number;
}

const POLL_MS = 100;

/** One started server: its exit, once it has one, and how to wait for it to be ready and to stop it. */
export class OwnedProcess {
  /** How it ended (`exit code 1`, `signal SIGKILL`, `could not be run: …`), once it has. */
  readonly exited: Promise<string>;
  private ended: string | undefined;

  constructor(
    readonly spec: OwnedProcessSpec,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      const end = (how: string) => {
        this.ended ??= how;
        resolve(this.ended);
      };
      child.once('exit', (code, signal) => end(signal ? `signal ${signal}` : `exit code ${code}`));
      // A command that cannot be run at all (ENOENT, EACCES) emits 'error' and never 'exit'.
      child.once('error', (err) => end(`could not be run: ${err.message}`));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.ended === undefined;
  }

  /**
   * Resolves once `ready()` says so; rejects, stopping the process, when it ends first or is not ready
   * within `timeoutMs`, with a sentence that quotes the end of its log.
   */
  async waitUntilReady(ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.running) {
      if (await ready()) return;
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`${this.spec.name} did not answer within ${timeoutMs / 1000} s; ${this.logEnd()}`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    throw new Error(`${this.spec.name} stopped (${this.ended}) before it was ready; ${this.logEnd()}`);
  }

  /** Sends its stop signal and waits for it to exit, killing it after `deadlineMs`. */
  async stop(deadlineMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child.kill(this.spec.stopSignal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), deadlineMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Sends its stop signal without waiting: for when ECP itself is exiting. */
  signal(): void {
    if (this.running) this.child.kill(this.spec.stopSignal);
  }

  /** `its log /x/postgres.log ends: "FATAL: …"`, or that the log is empty. */
  logEnd(): string {
    let lines: string[] = [];
    try {
      lines = readFileSync(this.spec.logFile, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    } catch {
      // no log yet
    }
    const last = lines.findLast((l) => /FATAL|ERROR|# /.test(l)) ?? lines.at(-1);
    return last ? `its log ${this.spec.logFile} ends: "${last.slice(0, 400)}"` : 'it logged nothing';
  }
}

/**
 * The servers one `ecp` command started. Each runs in its own process group, so a Ctrl-C reaches it only
 * through ECP, which stops it after the services using it have drained. Should ECP exit without
 * stopping them (a crash), they are sent their stop signal on the way out.
 */
export class OwnedProcesses {
  private readonly started: OwnedProcess[] = [];

  start(spec: OwnedProcessSpec): OwnedProcess {
    const log = openSync(spec.logFile, 'a', 0o600);
    try {
      const child = spawn(spec.command, spec.args, {
        stdio: ['ignore', log, log],
        detached: true,
        // Never the caller's directory: a user switched to may not be able to enter it.
        cwd: '/',
        ...(spec.uid === undefined ? {} : { uid: spec.uid, gid: spec.gid }),
      });
      const owned = new OwnedProcess(spec, child);
      this.started.push(owned);
      signalOnExit(owned);
      return owned;
    } finally {
      closeSync(log);
    }
  }

  /** Stops everything still running, the most recently started first. */
  async stopAll(deadlineMs?: number): Promise<void> {
    for (const owned of [...this.started].reverse()) await owned.stop(deadlineMs);
  }

  /** For a short command: SIGINT, SIGTERM or SIGHUP stops what it started, then exits 1. */
  stopOnSignals(): void {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => void this.stopAll().finally(() => process.exit(1)));
    }
  }
}

const running = new Set<OwnedProcess>();
let hooked = false;

/** One `exit` listener for every process started, however many OwnedProcesses there are. */
function signalOnExit(owned: OwnedProcess): void {
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const each of running) each.signal();
    });
  }
  running.add(owned);
  void owned.exited.then(() => running.delete(owned));
}
