import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildDashboard, dashboardBuildState } from '../src/dashboard-build';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A dashboard workspace whose files were all last changed at `at` (seconds since the epoch). */
function workspace(files: string[], at = 1_000_000): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecp-dashboard-'));
  dirs.push(dir);
  for (const file of files) touch(dir, file, at);
  return dir;
}

function touch(dir: string, file: string, at: number): void {
  const path = join(dir, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, file);
  utimesSync(path, at, at);
}

const SOURCES = [
  'src/dashboard/main.tsx',
  'src/shared/api.ts',
  'index.html',
  'playground.html',
  'vite.config.ts',
];

describe('whether the pages need building', () => {
  it('when there is no build', () => {
    expect(dashboardBuildState(workspace(SOURCES))).toEqual({
      current: false,
      reason: 'dashboard-client/dist/index.html is missing',
    });
  });

  it('not when the build is newer than every source', () => {
    const dir = workspace(SOURCES);
    touch(dir, 'dist/index.html', 1_000_100);
    expect(dashboardBuildState(dir)).toEqual({ current: true });
  });

  it.each([
    'src/shared/api.ts',
    'src/playground/deep/new-file.tsx',
    'index.html',
    'playground.html',
    'vite.config.ts',
  ])('when %s changed after the build', (changed) => {
    const dir = workspace(SOURCES);
    touch(dir, 'dist/index.html', 1_000_100);
    touch(dir, changed, 1_000_200);
    expect(dashboardBuildState(dir)).toEqual({
      current: false,
      reason: `dashboard-client/${changed} changed since the last build`,
    });
  });

  it('not for files that are no source of the pages', () => {
    const dir = workspace(SOURCES);
    touch(dir, 'dist/index.html', 1_000_100);
    touch(dir, 'README.md', 1_000_200);
    touch(dir, 'dist/assets/late.js', 1_000_200);
    expect(dashboardBuildState(dir)).toEqual({ current: true });
  });
});

describe('building the pages', () => {
  it('reports a failed build with what it printed', async () => {
    const result = await buildDashboard(workspace(['package.json']), { PATH: process.env.PATH });
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.output).toMatch(/npm (error|ERR)/);
  });

  it('reports an npm that cannot be found', async () => {
    const result = await buildDashboard(workspace([]), { PATH: '/nonexistent' });
    expect(result).toMatchObject({ ok: false, output: expect.stringContaining('ENOENT') });
  });
});
