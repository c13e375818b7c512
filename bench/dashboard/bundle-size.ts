import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** One file a page loads, and its size as built and gzipped (zlib's default level, as most servers use). */
export interface LoadedFile {
  path: string;
  bytes: number;
  gzipBytes: number;
}

/** What a built page loads before it runs: its entry script and the modules the HTML preloads. */
export interface PageScripts {
  page: string;
  files: LoadedFile[];
  gzipBytes: number;
}

/**
 * The `/assets/…` paths of the scripts a page's HTML loads at once: `<script type="module" src>` and
 * `<link rel="modulepreload" href>` (Vite writes both for an entry and its static imports). Chunks the
 * page imports later (`import()`) and workers are not in the HTML.
 */
export function initialScripts(html: string): string[] {
  const found = new Set<string>();
  for (const tag of html.match(/<(?:script|link)\b[^>]*>/g) ?? []) {
    const script = /^<script\b/.test(tag) && /\btype="module"/.test(tag);
    const preload = /^<link\b/.test(tag) && /\brel="modulepreload"/.test(tag);
    const url = /\b(?:src|href)="([^"]+)"/.exec(tag)?.[1];
    if ((script || preload) && url) found.add(url);
  }
  return [...found];
}

/** A built file's size, plain and gzipped. `path` is as the page asks for it (`/assets/…`). */
export function sizeOf(distDir: string, path: string): LoadedFile {
  const bytes = readFileSync(join(distDir, path));
  return { path, bytes: bytes.length, gzipBytes: gzipSync(bytes).length };
}

/** The JavaScript `page` (an HTML file in `distDir`) loads before it runs, gzipped. */
export function pageScripts(distDir: string, page: string): PageScripts {
  const html = readFileSync(join(distDir, page), 'utf8');
  const files = initialScripts(html).map((path) => sizeOf(distDir, path));
  return { page, files, gzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0) };
}
