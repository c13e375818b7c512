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

export interface SupervisorOptions {
  cwd: string;
  host: string;
  baseEnv: NodeJS.ProcessEnv;
  /** Where child log lines go; `pretty` reformats their JSON for people. */
  write: (line: string, service: string) => void;
  format: 'json' | 'pretty';
  colour?: boolean;
}

interface Running {
  spec: ServiceSpec;
  child: ChildProcess;
  exited: Promise<number | null>;
  recent: string[];
}

/**
 * Runs ECP's processes as children: starts each one, relays its logs, waits until its /readyz
 * answers, and stops them all (SIGTERM, then SIGKILL past the deadline). A child that dies on its
 * own is reported through `onExit`, so the caller can stop the rest instead of limping on.
 */
export class Supervisor {
  private readonly running: Running[] = [];
  private stopping = false;
  onExit: (name: string, code: number | null, recent: readonly string[]) => void = () => {};

  constructor(private readonly options: SupervisorOptions) {}

  /** Starts a service and resolves once it is ready; rejects with its last log lines if it is not. */
  async start(spec: ServiceSpec, timeoutMs: number): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', spec.entry], {
      cwd: this.options.cwd,
      env: { ...this.options.baseEnv, ...spec.env, PORT: String(spec.port), HOST: this.options.host },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const recent: string[] = [];
    const relay = (line: string) => {
      recent.push(line);
      if (recent.length > 40) recent.shift();
      this.options.write(
        this.options.format === 'pretty' ? prettyLine(spec.name, line, this.options.colour ?? false) : line,
        spec.name,
      );
    };
    if (child.stdout) createInterface({ input: child.stdout }).on('line', relay);
    if (child.stderr) createInterface({ input: child.stderr }).on('line', relay);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const running: Running = { spec, child, exited, recent };
    this.running.push(running);
    void exited.then((code) => {
      if (!this.stopping) this.onExit(spec.name, code, recent);
    });
    await this.waitReady(running, timeoutMs);
  }

  private async waitReady({ spec, exited, recent }: Running, timeoutMs: number): Promise<void> {
    const url = `http://${this.options.host}:${spec.port}/readyz`;
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void exited.then(() => {
      ended = true;
    });
    while (Date.now() < deadline) {
      if (ended) break;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        await res.body?.cancel();
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    const why = ended ? 'exited during start' : `was not ready within ${timeoutMs} ms`;
    throw new Error(`${spec.name} ${why}. Its last lines:\n${recent.slice(-15).join('\n')}`);
  }

  /** Stops one service (tests use it to take a subgraph down). */
  async stop(name: string, deadlineMs = 10_000): Promise<void> {
    const index = this.running.findIndex((r) => r.spec.name === name);
    if (index < 0) return;
    const [running] = this.running.splice(index, 1);
    if (running) await terminate(running, deadlineMs);
  }

  /** Stops every service, the most recently started first. */
  async stopAll(deadlineMs: number): Promise<void> {
    this.stopping = true;
    const all = this.running.splice(0).reverse();
    await Promise.all(all.map((r) => terminate(r, deadlineMs)));
  }

  get names(): string[] {
    return this.running.map((r) => r.spec.name);
  }
}

async function terminate({ child, exited }: Running, deadlineMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  await exited;
  clearTimeout(timer);
}
