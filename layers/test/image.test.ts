import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@ecp/platform/repo';
import { describe, expect, it } from 'vitest';

/** Every workspace directory the root package.json names, `packages/*` expanded. */
function workspaces(): string[] {
  const { workspaces: patterns } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    workspaces: string[];
  };
  return patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(join(REPO_ROOT, parent), { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(REPO_ROOT, parent, d.name, 'package.json')))
      .map((d) => `${parent}/${d.name}`);
  });
}

describe('the image', () => {
  it('copies every workspace manifest before `npm ci`, so the lockfile installs', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const beforeInstall = dockerfile.slice(0, dockerfile.indexOf('RUN npm ci'));
    const missing = workspaces().filter((ws) => !beforeInstall.includes(`COPY ${ws}/package.json ${ws}/`));
    expect(missing).toEqual([]);
  });
});
