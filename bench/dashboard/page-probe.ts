/// <reference lib="dom" />
// The callbacks given to page.evaluate() and addInitScript() run in the browser, against the DOM.
import type { OfflineBrowser } from '@ecp/test-kit/browser';

type BrowserContext = Awaited<ReturnType<OfflineBrowser['newContext']>>;
export type BrowserPage = Parameters<OfflineBrowser['screenshot']>[0];

/** When, in ms after navigation began, the page first showed something and first showed decision rows. */
interface RenderMarks {
  root?: number;
  rows?: number;
}

/** A page opened in a fresh context (cold cache, empty storage) with an API key in its session storage. */
export interface OpenedPage {
  context: BrowserContext;
  page: BrowserPage;
  /** Paths of the scripts it fetched from its own origin so far (`/assets/…`), workers' included. */
  scripts: Set<string>;
}

/**
 * Opens `url` signed in with `apiKey` as the pages expect it (session storage, `ecp.apiKey`), marking
 * the moment `#root` first has children and the moment `rowSelector` first matches.
 */
export async function openSignedIn(
  browser: OfflineBrowser,
  url: string,
  apiKey: string,
  rowSelector: string,
): Promise<OpenedPage> {
  const context = await browser.newContext();
  await context.addInitScript(
    ({ key, selector }) => {
      sessionStorage.setItem('ecp.apiKey', key);
      const marks: { root?: number; rows?: number } = {};
      (window as unknown as { renderMarks: typeof marks }).renderMarks = marks;
      const observer = new MutationObserver(() => {
        const root = document.getElementById('root');
        if (marks.root === undefined && root && root.children.length > 0) marks.root = performance.now();
        if (marks.rows === undefined && document.querySelector(selector)) marks.rows = performance.now();
        if (marks.root !== undefined && marks.rows !== undefined) observer.disconnect();
      });
      observer.observe(document, { childList: true, subtree: true });
    },
    { key: apiKey, selector: rowSelector },
  );
  const scripts = new Set<string>();
  const origin = new URL(url).origin;
  context.on('response', (res) => {
    const at = new URL(res.url());
    if (at.origin === origin && at.pathname.endsWith('.js') && res.ok()) scripts.add(at.pathname);
  });
  const page = await context.newPage();
  await page.goto(url);
  return { context, page, scripts };
}

/** The render marks so far, and Navigation Timing's DOMContentLoaded and load (ms after navigation). */
export async function renderTimes(
  page: BrowserPage,
): Promise<RenderMarks & { domContentLoaded: number; load: number }> {
  return page.evaluate(() => {
    const marks = (window as unknown as { renderMarks: { root?: number; rows?: number } }).renderMarks;
    const [nav] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
    return { ...marks, domContentLoaded: nav?.domContentLoadedEventEnd ?? 0, load: nav?.loadEventEnd ?? 0 };
  });
}

/** Waits until the page shows decision rows, or `timeoutMs` passes; the marks either way. */
export async function waitForRows(page: BrowserPage, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const times = await renderTimes(page);
    if (times.rows !== undefined || Date.now() > deadline) return times;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What the page holds at one moment. */
export interface PageSample {
  atSeconds: number;
  /** JavaScript heap in use right after a forced garbage collection: what the page keeps. */
  heapUsedBytes: number;
  /** Elements in the document. */
  documentNodes: number;
  /** DOM nodes alive in the renderer, detached ones included (Chrome's `Nodes` metric). */
  liveNodes: number;
  /** Elements matching the row selector. */
  rows: number;
}

/** A function that samples `page`'s heap and DOM through the DevTools protocol, timed from its creation. */
export async function pageSampler(
  opened: OpenedPage,
  rowSelector: string,
): Promise<() => Promise<PageSample>> {
  const cdp = await opened.context.newCDPSession(opened.page);
  await cdp.send('Performance.enable');
  const started = performance.now();
  return async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? Number.NaN;
    const counts = await opened.page.evaluate(
      (selector) => ({
        documentNodes: document.getElementsByTagName('*').length,
        rows: document.querySelectorAll(selector).length,
      }),
      rowSelector,
    );
    return {
      atSeconds: (performance.now() - started) / 1000,
      heapUsedBytes: metric('JSHeapUsedSize'),
      liveNodes: metric('Nodes'),
      ...counts,
    };
  };
}
