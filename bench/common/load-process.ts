import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs a load generator (`worker`, a TypeScript file) in a Node process of its own, so that it never
 * shares an event loop with what it measures, and returns the JSON line it prints last. The spec goes
 * through a file: a spec with thousands of requests is longer than one argument may be.
 */
export function runLoadProcess<R>(worker: string, spec: unknown): Promise<R> {
  const dir = mkdtempSync(join(tmpdir(), 'ecp-bench-'));
  const file = join(dir, 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  return new Promise<R>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line)
        return reject(new Error(`load worker ended with ${code}:\n${stderr.slice(-2000)}`));
      resolve(JSON.parse(line) as R);
    });
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}
