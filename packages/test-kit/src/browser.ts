import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@ecp/platform/repo';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium: `.ci/run` installs it when missing; never a browser download. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The flags DEVELOPERS.md gives: headless, as root, and no calls home (this machine's network is closed). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Where browser tests save their screenshots: kept after the run, for people to look at. */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test/artifacts/screenshots');

export interface OfflineBrowser {
  browser: Browser;
  /** A fresh context (its own cookies and storage) whose every non-loopback request is refused. */
  newContext(): Promise<BrowserContext>;
  /** Every request a page tried to send off the machine, as URLs; a test expects none. */
  readonly outsideRequests: readonly string[];
  /** Saves a full-page screenshot under `test/artifacts/screenshots/<name>.png` and returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

function isLoopback(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
}

/** Launches Debian's Chromium headless; each context it makes is cut off from everything but loopback. */
export async function launchOfflineBrowser(): Promise<OfflineBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
  const outsideRequests: string[] = [];
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    browser,
    outsideRequests,
    async newContext() {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.route(
        (url) => !isLoopback(url.toString()),
        async (route) => {
          outsideRequests.push(route.request().url());
          await route.abort('internetdisconnected');
        },
      );
      return context;
    },
    async screenshot(page, name) {
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    close: () => browser.close(),
  };
}
