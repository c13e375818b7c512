import {
  copyFileSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@ecp/platform/repo';

/**
 * Recreates the tree at `from` in `to` with hard links (a copy where they cannot be made), symbolic
 * links kept as they are: a full checkout with its node_modules in seconds.
 */
export function linkTree(from: string, to: string, skip: ReadonlySet<string> = new Set()): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) linkTree(source, target);
    else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else {
      try {
        linkSync(source, target);
      } catch {
        copyFileSync(source, target);
      }
    }
  }
}

/**
 * This repository as a newcomer's fresh clone has it after `npm ci`: working tree and node_modules in
 * `<mktemp -d>/c`, a directory only its owner can enter. Returns the checkout and the 0700 directory
 * holding it (to remove afterwards).
 */
export function privateCheckout(): { checkout: string; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'ecp-clone-'));
  const checkout = join(root, 'c');
  linkTree(REPO_ROOT, checkout, new Set(['.git', '.ecp', '.turbo']));
  return { checkout, root };
}
