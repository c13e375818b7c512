import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { prettyLine } from './log-format';

export interface ServiceSpec {
  name: string;
  /** Absolute path of the TypeScript entry point, run through tsx's loader. */
  entry: string;
  port: number;
  env: Record<string, string>;
}

/**
 * What the supervisor does when a child crashes: restart it after a delay that doubles with each crash
 * inside the window, and give up once `maxCrashes` fall inside `windowMs`.
 */
export interface RestartPolicy {
  /** Delay before restarting after the first crash in the window. */
  initialDelayMs: number;
  /** The delay stops doubling here. */
  maxDelayMs: number;
  /** This many crashes within `windowMs` and the service is not restarted again. */
  maxCrashes: number;
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 10_000,
  maxCrashes: 5,
  windowMs: 60_000,
};

/** How a child ended: with an exit code, or killed by a signal. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What happened to a running service that nobody asked to stop. */
export type SupervisorEvent =
  | {
      /** It died (killed by a signal, or a non-zero exit) and will be started again after `restartInMs`. */
      kind: 'crashed';
      service: string;
      pid: number | undefined;
      exit: ExitStatus;
      /** Crashes within the policy's window, this one included. */
      crashes: number;
      restartInMs: number;
      policy: RestartPolicy;
    }
  | {
      /** A restarted service answers its /readyz again. */
      kind: 'ready';
      service: string;
      pid: number | undefined;
    }
  | {
      /** A restarted service is running but still not ready after the start timeout; it is left running. */
      kind: 'not-ready';
      service: string;
      waitedMs: number;
    }
  | {
      /** It crashed `policy.maxCrashes` times within the window and stays down. */
      kind: 'gave-up';
      service: string;
      pid: number | undefined;
      exit: ExitStatus;
      crashes: number;
      policy: RestartPolicy;
      recent: readonly string[];
    }
  | {
      /**
       * It exited with code 0 on its own: an orderly stop (a Ctrl-C reaches the whole process group, so
       * children may stop before their owner does), never restarted.
       */
      kind: 'exited';
      service: string;
      exit: ExitStatus;
    };

export interface SupervisorOptions {
  cwd: string;
  host: string;
  baseEnv: NodeJS.ProcessEnv;
  /** Where child log lines go; `pretty` reformats their JSON for people. */
  write: (line: string, service: string) => void;
  format: 'json' | 'pretty';
  colour?: boolean;
  /** Crashes, restarts and giving up; `describeEvent` words them for people. */
  onEvent?: (event: SupervisorEvent) => void;
  restart?: Partial<RestartPolicy>;
  /** The clock the crash window is measured with. */
  now?: () => number;
}

interface Child {
  process: ChildProcess;
  exited: Promise<ExitStatus>;
}

interface Service {
  spec: ServiceSpec;
  readyTimeoutMs: number;
  /** Its last log lines, across restarts. */
  recent: string[];
  /** When it crashed, oldest first; only those inside the window are kept. */
  crashes: number[];
  /** The process now running, if any. */
  child?: Child;
  /** Set once it has been ready: a child that dies before that fails `start` instead of restarting. */
  started: boolean;
  /** Set when it was asked to stop, or given up on: nothing restarts it. */
  done: boolean;
  restartTimer?: NodeJS.Timeout;
}

/**
 * Runs ECP's processes as children: starts each one, relays its logs, waits until its /readyz
 * answers, restarts one that crashes (with backoff, until it crashes too often), and stops them all
 * (SIGTERM, then SIGKILL past the deadline). What happens to a running child is reported through
 * `onEvent`, so the owner can tell people and stop the rest when a service is given up on.
 */
export class Supervisor {
  private readonly services: Service[] = [];
  private stopping = false;
  private readonly policy: RestartPolicy;
  private readonly now: () => number;

  constructor(private readonly options: SupervisorOptions) {
    this.policy = { ...DEFAULT_RESTART_POLICY, ...options.restart };
    this.now = options.now ?? Date.now;
  }

  /** Starts a service and resolves once it is ready; rejects with its last log lines if it is not. */
  async start(spec: ServiceSpec, timeoutMs: number): Promise<void> {
    const service: Service = {
      spec,
      readyTimeoutMs: timeoutMs,
      recent: [],
      crashes: [],
      started: false,
      done: false,
    };
    this.services.push(service);
    const child = this.spawn(service);
    const outcome = await this.waitReady(service, child, timeoutMs);
    if (outcome === 'ready') {
      service.started = true;
      return;
    }
    const why = outcome === 'exited' ? 'exited during start' : `was not ready within ${timeoutMs} ms`;
    throw new Error(`${spec.name} ${why}. Its last lines:\n${service.recent.slice(-15).join('\n')}`);
  }

  /** Stops one service without restarting it (tests use it to take a subgraph down). */
  async stop(name: string, deadlineMs = 10_000): Promise<void> {
    const index = this.services.findIndex((s) => s.spec.name === name);
    if (index < 0) return;
    const [service] = this.services.splice(index, 1);
    if (service) await this.retire(service, deadlineMs);
  }

  /** Stops every service, the most recently started first. */
  async stopAll(deadlineMs: number): Promise<void> {
    this.stopping = true;
    const all = this.services.splice(0).reverse();
    await Promise.all(all.map((s) => this.retire(s, deadlineMs)));
  }

  get names(): string[] {
    return this.services.map((s) => s.spec.name);
  }

  /** The process id of the named service's current process; undefined while it is down. */
  pid(name: string): number | undefined {
    return this.services.find((s) => s.spec.name === name)?.child?.process.pid;
  }

  private spawn(service: Service): Child {
    const { spec } = service;
    const child = spawn(process.execPath, ['--import', 'tsx', spec.entry], {
      cwd: this.options.cwd,
      env: { ...this.options.baseEnv, ...spec.env, PORT: String(spec.port), HOST: this.options.host },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const relay = (line: string) => {
      service.recent.push(line);
      if (service.recent.length > 40) service.recent.shift();
      this.options.write(
        this.options.format === 'pretty' ? prettyLine(spec.name, line, this.options.colour ?? false) : line,
        spec.name,
      );
    };
    if (child.stdout) createInterface({ input: child.stdout }).on('line', relay);
    if (child.stderr) createInterface({ input: child.stderr }).on('line', relay);
    const exited = new Promise<ExitStatus>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      // A process that could not be spawned at all (a missing cwd, EAGAIN) emits 'error' and never 'exit'.
      child.once('error', (err) => {
        relay(`${spec.name} could not be run: ${err.message}`);
        if (child.pid === undefined) resolve({ code: null, signal: null });
      });
    });
    const running: Child = { process: child, exited };
    service.child = running;
    void exited.then((exit) => {
      if (service.child === running) service.child = undefined;
      this.onChildExit(service, running, exit);
    });
    return running;
  }

  private onChildExit(service: Service, child: Child, exit: ExitStatus): void {
    if (this.stopping || service.done || !service.started) return;
    const { name } = service.spec;
    if (exit.code === 0) {
      service.done = true;
      this.emit({ kind: 'exited', service: name, exit });
      return;
    }
    const now = this.now();
    service.crashes = service.crashes.filter((at) => now - at < this.policy.windowMs);
    service.crashes.push(now);
    const crashes = service.crashes.length;
    const pid = child.process.pid;
    if (crashes >= this.policy.maxCrashes) {
      service.done = true;
      this.emit({
        kind: 'gave-up',
        service: name,
        pid,
        exit,
        crashes,
        policy: this.policy,
        recent: service.recent,
      });
      return;
    }
    const restartInMs = Math.min(this.policy.initialDelayMs * 2 ** (crashes - 1), this.policy.maxDelayMs);
    this.emit({ kind: 'crashed', service: name, pid, exit, crashes, restartInMs, policy: this.policy });
    service.restartTimer = setTimeout(() => void this.restart(service), restartInMs);
  }

  /** Starts a crashed service again on its port and environment, and reports when it is ready. */
  private async restart(service: Service): Promise<void> {
    service.restartTimer = undefined;
    if (this.stopping || service.done) return;
    const child = this.spawn(service);
    const { name } = service.spec;
    let outcome = await this.waitReady(service, child, service.readyTimeoutMs);
    if (outcome === 'timed-out') {
      this.emit({ kind: 'not-ready', service: name, waitedMs: service.readyTimeoutMs });
      // It is alive: leave it running (it may be waiting for its database) and keep watching.
      outcome = await this.waitReady(service, child, Number.POSITIVE_INFINITY);
    }
    if (outcome === 'ready') this.emit({ kind: 'ready', service: name, pid: child.process.pid });
  }

  private async waitReady(
    service: Service,
    child: Child,
    timeoutMs: number,
  ): Promise<'ready' | 'exited' | 'timed-out'> {
    const url = `http://${this.options.host}:${service.spec.port}/readyz`;
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void child.exited.then(() => {
      ended = true;
    });
    while (Date.now() < deadline) {
      if (ended) return 'exited';
      // A restart nobody waits for any more (stopped meanwhile) stops polling.
      if (service.started && (this.stopping || service.done)) return 'exited';
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        await res.body?.cancel();
        if (res.status === 200 && !ended) return 'ready';
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    return ended ? 'exited' : 'timed-out';
  }

  /** Takes a service out of supervision: no restart, and its process (if any) is terminated. */
  private async retire(service: Service, deadlineMs: number): Promise<void> {
    service.done = true;
    clearTimeout(service.restartTimer);
    if (service.child) await terminate(service.child, deadlineMs);
  }

  private emit(event: SupervisorEvent): void {
    this.options.onEvent?.(event);
  }
}

async function terminate({ process: child, exited }: Child, deadlineMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  await exited;
  clearTimeout(timer);
}

/** `signal SIGKILL`, `exit code 1`, or `never ran` (it could not be spawned). */
export function describeExit({ code, signal }: ExitStatus): string {
  if (signal) return `signal ${signal}`;
  return code === null ? 'never ran' : `exit code ${code}`;
}

const seconds = (ms: number) => `${ms / 1000} s`;

/** One sentence for people, e.g. `ledger crashed (signal SIGKILL, pid 4242); restarting in 0.5 s (crash 1 of 5 within 60 s)`. */
export function describeEvent(event: SupervisorEvent): string {
  switch (event.kind) {
    case 'crashed': {
      const { policy } = event;
      return `${event.service} crashed (${describeExit(event.exit)}, pid ${event.pid}); restarting in ${seconds(event.restartInMs)} (crash ${event.crashes} of ${policy.maxCrashes} within ${seconds(policy.windowMs)})`;
    }
    case 'ready':
      return `${event.service} is ready again (pid ${event.pid})`;
    case 'not-ready':
      return `${event.service} was restarted but is not ready after ${seconds(event.waitedMs)}; it keeps running (see its logs)`;
    case 'gave-up':
      return `${event.service} crashed ${event.crashes} times within ${seconds(event.policy.windowMs)} (last: ${describeExit(event.exit)}, pid ${event.pid}); not restarting it again`;
    case 'exited':
      return `${event.service} exited (${describeExit(event.exit)})`;
  }
}
