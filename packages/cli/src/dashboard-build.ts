import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** What the pages are built from, inside `dashboard-client/` (installed packages aside). */
const DASHBOARD_SOURCES = ['src', 'index.html', 'playground.html', 'vite.config.ts'];

/** Whether the built pages are there and newer than every source, and if not, why. */
export type DashboardBuildState = { current: true } | { current: false; reason: string };

/** The most recently modified file at or under `path`, or undefined when there is none. */
function newestFile(path: string): { path: string; mtimeMs: number } | undefined {
  if (!existsSync(path)) return undefined;
  const stat = statSync(path);
  if (!stat.isDirectory()) return { path, mtimeMs: stat.mtimeMs };
  let newest: { path: string; mtimeMs: number } | undefined;
  for (const entry of readdirSync(path)) {
    const found = newestFile(join(path, entry));
    if (found && (!newest || found.mtimeMs > newest.mtimeMs)) newest = found;
  }
  return newest;
}

/**
 * Compares `dist/index.html` of the dashboard workspace at `dashboardDir` with its sources: a build
 * that is missing, or older than any file of `src/`, either page or the Vite config, is not current.
 */
export function dashboardBuildState(dashboardDir: string): DashboardBuildState {
  const built = join(dashboardDir, 'dist/index.html');
  if (!existsSync(built)) return { current: false, reason: 'dashboard-client/dist/index.html is missing' };
  const builtAt = statSync(built).mtimeMs;
  for (const source of DASHBOARD_SOURCES) {
    const newest = newestFile(join(dashboardDir, source));
    if (newest && newest.mtimeMs > builtAt) {
      return {
        current: false,
        reason: `dashboard-client/${relative(dashboardDir, newest.path)} changed since the last build`,
      };
    }
  }
  return { current: true };
}

/** How a build went: its duration, and on failure what it printed. */
export type DashboardBuildResult = { ok: true; ms: number } | { ok: false; ms: number; output: string };

/**
 * Runs `npm run build -w @ecp/dashboard-client` in `repoRoot`, its output kept rather than shown:
 * printed only if the build fails.
 */
export function buildDashboard(repoRoot: string, env: NodeJS.ProcessEnv): Promise<DashboardBuildResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const output: string[] = [];
    const child = spawn('npm', ['run', 'build', '-w', '@ecp/dashboard-client'], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('error', (err) => resolve({ ok: false, ms: elapsed(), output: `${err.message}\n` }));
    child.once('close', (code) =>
      resolve(
        code === 0 ? { ok: true, ms: elapsed() } : { ok: false, ms: elapsed(), output: output.join('') },
      ),
    );
  });
}
