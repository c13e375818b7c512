import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Stack } from '@ecp/test-kit/stack';
import WebSocket from 'ws';

/**
 * The stack's gateway as an operating-system process: its pid (found in /proc by its entry point and
 * port), and a full garbage collection on demand through the Node inspector, so that memory is
 * compared with garbage out of the way rather than whenever V8 last happened to collect.
 */
export class GatewayProcess {
  private inspectorUrl: string | undefined;
  private inspectorTried = false;

  private constructor(
    readonly pid: number,
    private readonly stack: Stack,
  ) {}

  /** Finds the gateway's process; undefined where /proc cannot tell (not Linux). */
  static find(stack: Stack): GatewayProcess | undefined {
    let entries: string[];
    try {
      entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
    } catch {
      return undefined;
    }
    for (const entry of entries) {
      try {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
        if (!cmdline.some((arg) => arg.endsWith('gateway/src/main.ts'))) continue;
        const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
        if (environ.includes(`PORT=${stack.ports.gateway}`)) return new GatewayProcess(Number(entry), stack);
      } catch {
        // gone, or not ours to read
      }
    }
    return undefined;
  }

  /** Open file descriptors (sockets included) of the process. */
  openFiles(): number {
    try {
      return readdirSync(`/proc/${this.pid}/fd`).length;
    } catch {
      return Number.NaN;
    }
  }

  /**
   * Runs a full garbage collection in the gateway (HeapProfiler.collectGarbage over the inspector,
   * which SIGUSR1 opens on 127.0.0.1:9229). Resolves false if the inspector could not be opened, e.g.
   * because the port is taken; the caller then falls back to waiting for the collector.
   */
  async collectGarbage(): Promise<boolean> {
    const session = await this.session();
    if (!session) return false;
    try {
      await session.call('HeapProfiler.collectGarbage');
      await session.call('HeapProfiler.collectGarbage');
      return true;
    } catch {
      return false;
    } finally {
      session.close();
    }
  }

  /** Starts sampling the gateway's CPU; resolves with the function that stops it and returns the profile. */
  async startProfile(): Promise<(() => Promise<unknown>) | undefined> {
    const session = await this.session();
    if (!session) return undefined;
    await session.call('Profiler.enable');
    await session.call('Profiler.setSamplingInterval', { interval: 200 });
    await session.call('Profiler.start');
    return async () => {
      try {
        return (await session.call('Profiler.stop')).profile;
      } finally {
        session.close();
      }
    };
  }

  /** An inspector session with the gateway, checked to be this process's; undefined if none can be had. */
  private async session(): Promise<
    | {
        call: (method: string, params?: Record<string, unknown>) => Promise<Record<string, unknown>>;
        close: () => void;
      }
    | undefined
  > {
    const url = await this.inspector();
    if (!url) return undefined;
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 30 });
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
    } catch {
      return undefined;
    }
    let id = 0;
    const call = (method: string, params: Record<string, unknown> = {}) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const mine = ++id;
        const onMessage = (data: Buffer) => {
          const message = JSON.parse(data.toString()) as {
            id?: number;
            result?: Record<string, unknown>;
            error?: unknown;
          };
          if (message.id !== mine) return;
          ws.off('message', onMessage);
          if (message.error) reject(new Error(JSON.stringify(message.error)));
          else resolve(message.result ?? {});
        };
        ws.on('message', onMessage);
        ws.send(JSON.stringify({ id: mine, method, params }));
      });
    const close = () => ws.close();
    try {
      // The inspector on 9229 must be this gateway's, not some other process's.
      const answer = (await call('Runtime.evaluate', { expression: 'process.pid', returnByValue: true })) as {
        result?: { value?: unknown };
      };
      if (answer.result?.value === this.pid) return { call, close };
    } catch {
      // fall through
    }
    close();
    return undefined;
  }

  private async inspector(): Promise<string | undefined> {
    if (this.inspectorTried) return this.inspectorUrl;
    this.inspectorTried = true;
    const before = this.stack.logs('gateway').length;
    try {
      process.kill(this.pid, 'SIGUSR1');
    } catch {
      return undefined;
    }
    for (let i = 0; i < 40; i++) {
      await sleep(100);
      for (const line of this.stack.logs('gateway').slice(before)) {
        const listening = /Debugger listening on (ws:\/\/\S+)/.exec(line);
        if (listening?.[1]) {
          this.inspectorUrl = listening[1];
          return this.inspectorUrl;
        }
        if (/Starting inspector .* failed/.test(line)) return undefined;
      }
    }
    return undefined;
  }
}
