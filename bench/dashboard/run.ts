/**
 * The pages in a browser (`npm run bench:dashboard -w @ecp/bench`, after `npm run build -w
 * @ecp/dashboard-client`), on this machine against the whole platform on loopback:
 *
 * a. the JavaScript each page loads, gzipped: what its HTML loads at once (entry + module preloads) against
 *    the dashboard's budget, and everything it fetched by the time it had rendered;
 * b. the dashboard's first render with data: decisions recorded by many agents first, the page opened
 *    signed in with an analyst's API key in a fresh context, time until the decision stream shows rows;
 * c. 50 decisions/s for 60 s from many agents while the dashboard is open: its heap (after a forced
 *    garbage collection) and DOM sampled every 5 s, and whether they stay flat (last third against first).
 *
 * Debian's Chromium, headless, offline (`@ecp/test-kit/browser`). The decision rows are found with
 * `--row-selector <css>` (default `[data-testid="stream-row"]`); a dashboard without them is measured
 * until `#root` has children, and the result says so. Results are printed and appended to BENCHMARKS.md.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@ecp/platform/repo';
import { launchOfflineBrowser } from '@ecp/test-kit/browser';
import { graphql } from '@ecp/test-kit/http';
import { startStack } from '@ecp/test-kit/stack';
import { runLoad } from '../advisory/load';
import type { Caller } from '../advisory/workloads';
import { describeMachine, idleShare } from '../common/machine';
import { appendSection, markdownTable, type ResultRow, textTable } from '../common/results-table';
import { type PageScripts, pageScripts, sizeOf } from './bundle-size';
import { openSignedIn, type PageSample, pageSampler, waitForRows } from './page-probe';

const DIST = join(REPO_ROOT, 'dashboard-client/dist');
const RESULTS_DIR = join(REPO_ROOT, 'bench/results');
/** The dashboard's budget for the JavaScript it loads at once, gzipped. */
const DASHBOARD_BUDGET_BYTES = 250 * 1024;
const AGENTS = 24;
const JURISDICTIONS = ['EU/DE', 'EU/FR', 'EU', 'US'];
const FIRST_RENDER_RUNS = 5;
const STREAM_RATE = 50;
const STREAM_SECONDS = 60;
const SAMPLE_EVERY_SECONDS = 5;
/** Last third's mean within this factor of the first third's: flat. */
const FLAT_WITHIN = 1.1;

const say = (line = '') => console.log(line);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const ms = (x: number) => `${Math.round(x)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? Number.NaN;
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

function rowSelectorFromArgs(): string {
  const at = process.argv.indexOf('--row-selector');
  return at > 0 && process.argv[at + 1] ? process.argv[at + 1]! : '[data-testid="stream-row"]';
}

/** The first and the last third of the samples, their means, and whether the last stays within FLAT_WITHIN. */
function trend(samples: PageSample[], value: (s: PageSample) => number) {
  const third = Math.max(1, Math.floor(samples.length / 3));
  const first = mean(samples.slice(0, third).map(value));
  const last = mean(samples.slice(-third).map(value));
  return { first, last, ratio: last / first, flat: last <= first * FLAT_WITHIN };
}

function gzippedTotal(paths: Iterable<string>): number {
  let total = 0;
  for (const path of paths) total += sizeOf(DIST, path).gzipBytes;
  return total;
}

async function main(): Promise<void> {
  if (!existsSync(join(DIST, 'index.html'))) {
    throw new Error('the pages are not built: run `npm run build -w @ecp/dashboard-client` first');
  }
  const rowSelector = rowSelectorFromArgs();
  const startedAt = new Date();
  const machine = describeMachine();
  say(`machine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`);
  const idle = await idleShare(2000);
  say(`CPU idle before measuring: ${idle === undefined ? 'unknown' : `${(idle * 100).toFixed(0)}%`}`);

  // a. What the HTML loads at once, from dist/.
  const initial: Record<'dashboard' | 'playground', PageScripts> = {
    dashboard: pageScripts(DIST, 'index.html'),
    playground: pageScripts(DIST, 'playground.html'),
  };
  for (const [name, scripts] of Object.entries(initial)) {
    say(`${name}: ${scripts.files.length} scripts at once, ${kb(scripts.gzipBytes)} gzipped`);
  }

  say('starting the platform…');
  // The firewall is off: the page is measured here, and with it on this machine records fewer than
  // 50 decisions a second (see "Liability Firewall").
  const stack = await startStack({
    logLevel: 'warn',
    extraEnv: { AUTH_CACHE_TTL_MS: '60000', LEDGER_FIREWALL: 'off' },
  });
  const browser = await launchOfflineBrowser();
  try {
    const register = async (name: string, roles: string, jurisdictions: string[]) => {
      const res = await graphql<{ registerAgent: { apiKey: string; agent: { id: string } } }>(
        stack.graphqlUrl,
        `mutation ($n: String!, $j: [String!]) { registerAgent(input: { name: $n, roles: ${roles}, jurisdictions: $j }) { apiKey agent { id } } }`,
        { n: name, j: jurisdictions },
        { headers: { authorization: `Bearer ${stack.adminKey}` } },
      );
      if (res.body.errors) throw new Error(`registerAgent: ${JSON.stringify(res.body.errors)}`);
      return res.body.data!.registerAgent;
    };
    const analyst = await register('bench-analyst', '[ANALYST]', []);
    const callers: Caller[] = [];
    for (let i = 0; i < AGENTS; i++) {
      const jurisdiction = JURISDICTIONS[i % JURISDICTIONS.length]!;
      const agent = await register(`bench-agent-${i}`, '[AGENT]', [jurisdiction]);
      callers.push({ id: agent.agent.id, key: agent.apiKey, jurisdiction });
    }
    const seeded = await runLoad({
      url: stack.graphqlUrl,
      workload: 'record',
      callers,
      connections: 8,
      warmupSeconds: 0,
      durationSeconds: 5,
      seed: 21,
    });
    const decisionsBefore = seeded.answered?.length ?? seeded.requests;
    say(`recorded ${decisionsBefore} decisions from ${AGENTS} agents before opening the page`);

    // b. First render with data, each time in a fresh context (cold cache, nothing stored).
    const renders: { root?: number; rows?: number; domContentLoaded: number; load: number }[] = [];
    let dashboardFetched = new Set<string>();
    for (let run = 0; run < FIRST_RENDER_RUNS; run++) {
      const opened = await openSignedIn(browser, `${stack.gatewayUrl}/`, analyst.apiKey, rowSelector);
      renders.push(await waitForRows(opened.page, 15_000));
      if (run === 0) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        dashboardFetched = new Set(opened.scripts);
        await browser.screenshot(opened.page, 'bench-dashboard-first-render');
      }
      await opened.context.close();
    }
    const withRows = renders.filter((r) => r.rows !== undefined);
    const rowsShown = withRows.length === renders.length;
    const firstRender = rowsShown ? renders.map((r) => r.rows!) : renders.map((r) => r.root ?? Number.NaN);
    say(
      `first render (${rowsShown ? 'decision rows' : '#root has children; no decision rows'}): ${firstRender.map(ms).join(', ')}`,
    );

    // The playground, for comparison: everything it fetched once its editor is up.
    const playground = await openSignedIn(
      browser,
      `${stack.gatewayUrl}/playground`,
      analyst.apiKey,
      '.graphiql-query-editor .monaco-editor',
    );
    await waitForRows(playground.page, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const playgroundFetched = new Set(playground.scripts);
    await playground.context.close();

    // c. The dashboard open while 50 decisions a second arrive for a minute.
    const open = await openSignedIn(browser, `${stack.gatewayUrl}/`, analyst.apiKey, rowSelector);
    await waitForRows(open.page, 15_000);
    const sample = await pageSampler(open, rowSelector);
    const before = await sample();
    const samples: PageSample[] = [];
    say(`streaming ${STREAM_RATE} decisions/s for ${STREAM_SECONDS} s…`);
    const load = runLoad({
      url: stack.graphqlUrl,
      workload: 'record',
      callers,
      rate: STREAM_RATE,
      connections: 64,
      warmupSeconds: 0,
      durationSeconds: STREAM_SECONDS,
      seed: 31,
    });
    const loadStarted = performance.now();
    for (let k = 1; k <= STREAM_SECONDS / SAMPLE_EVERY_SECONDS; k++) {
      const wait = loadStarted + k * SAMPLE_EVERY_SECONDS * 1000 - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const s = await sample();
      samples.push(s);
      say(
        `  t=${k * SAMPLE_EVERY_SECONDS}s heap ${mb(s.heapUsedBytes)}, document ${s.documentNodes} elements, ${s.liveNodes} live nodes, ${s.rows} rows`,
      );
    }
    const streamed = await load;
    await browser.screenshot(open.page, 'bench-dashboard-streaming');
    await open.context.close();
    const heap = trend(samples, (s) => s.heapUsedBytes);
    // Once the stream holds as many rows as it ever will, what grows further is kept, not shown.
    const finalRows = samples.at(-1)?.rows ?? 0;
    const full = samples.findIndex((s) => s.rows === finalRows);
    const steady = { from: samples[full], to: samples.at(-1) };
    const documentNodes = trend(samples, (s) => s.documentNodes);
    const liveNodes = trend(samples, (s) => s.liveNodes);
    if (browser.outsideRequests.length > 0) {
      say(`WARNING: requests off the machine: ${browser.outsideRequests.join(', ')}`);
    }

    const rows: ResultRow[] = [
      {
        measure: 'dashboard: JavaScript its HTML loads at once, gzipped',
        result: `${kb(initial.dashboard.gzipBytes)} (${initial.dashboard.files.length} files)`,
        target: `≤ ${kb(DASHBOARD_BUDGET_BYTES)}`,
        verdict: initial.dashboard.gzipBytes <= DASHBOARD_BUDGET_BYTES ? 'met' : 'MISSED',
      },
      {
        measure: 'dashboard: all JavaScript fetched once rendered, gzipped',
        result: `${kb(gzippedTotal(dashboardFetched))} (${dashboardFetched.size} files)`,
        target: '–',
        verdict: '–',
      },
      {
        measure: 'playground: JavaScript its HTML loads at once, gzipped',
        result: `${kb(initial.playground.gzipBytes)} (${initial.playground.files.length} files)`,
        target: '–',
        verdict: '–',
      },
      {
        measure: 'playground: all JavaScript fetched once its editor is up (Monaco, workers), gzipped',
        result: `${kb(gzippedTotal(playgroundFetched))} (${playgroundFetched.size} files)`,
        target: '–',
        verdict: '–',
      },
      {
        measure: rowsShown
          ? `dashboard first render: navigation → first decision row, ${decisionsBefore} decisions recorded, median of ${FIRST_RENDER_RUNS} cold loads`
          : `dashboard first render: navigation → #root has children (it shows no decision rows), median of ${FIRST_RENDER_RUNS} cold loads`,
        result: `${ms(median(firstRender))} (${firstRender.map((x) => Math.round(x)).join(', ')}; DOMContentLoaded ${ms(median(renders.map((r) => r.domContentLoaded)))})`,
        target: '–',
        verdict: '–',
      },
      {
        measure: `decisions recorded while the dashboard was open (offered ${STREAM_RATE}/s, ${AGENTS} agents, ${STREAM_SECONDS} s)`,
        result: `${streamed.answered?.length ?? streamed.requests} (${streamed.perSecond.toFixed(1)}/s answered, p95 ${ms(streamed.latencyMs.p95)}, ${streamed.failures} failed)`,
        target: '–',
        verdict: '–',
      },
      {
        measure: 'dashboard JS heap after GC, mean of first → last third of the 5 s samples',
        result: `${mb(heap.first)} → ${mb(heap.last)} (${heap.ratio.toFixed(2)}×; ${mb(before.heapUsedBytes)} before the stream)`,
        target: `flat (≤ ${FLAT_WITHIN}×)`,
        verdict: heap.flat ? 'met' : 'MISSED',
      },
      {
        measure:
          'dashboard JS heap after GC, from the first sample with as many rows as at the end → last sample',
        result:
          steady.from && steady.to && finalRows > 0
            ? `${mb(steady.from.heapUsedBytes)} at ${Math.round(steady.from.atSeconds)} s → ${mb(steady.to.heapUsedBytes)} at ${Math.round(steady.to.atSeconds)} s (${(steady.to.heapUsedBytes / steady.from.heapUsedBytes).toFixed(2)}×; ${finalRows} rows)`
            : 'no rows shown',
        target: '–',
        verdict: '–',
      },
      {
        measure: 'dashboard document elements, first → last third',
        result: `${Math.round(documentNodes.first)} → ${Math.round(documentNodes.last)} (${documentNodes.ratio.toFixed(2)}×; ${before.documentNodes} before; ${samples.at(-1)?.rows ?? 0} rows at the end)`,
        target: `flat (≤ ${FLAT_WITHIN}×)`,
        verdict: documentNodes.flat ? 'met' : 'MISSED',
      },
      {
        measure: 'dashboard live DOM nodes (detached included), first → last third',
        result: `${Math.round(liveNodes.first)} → ${Math.round(liveNodes.last)} (${liveNodes.ratio.toFixed(2)}×)`,
        target: `flat (≤ ${FLAT_WITHIN}×)`,
        verdict: liveNodes.flat ? 'met' : 'MISSED',
      },
    ];
    say();
    say(textTable(rows));

    mkdirSync(RESULTS_DIR, { recursive: true });
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
    writeFileSync(
      join(RESULTS_DIR, `dashboard-${stamp}.raw.json`),
      JSON.stringify(
        {
          machine,
          idle,
          rowSelector,
          initial,
          renders,
          before,
          samples,
          streamed: { ...streamed, answered: [] },
        },
        null,
        2,
      ),
    );
    const section = `## Dashboard — ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC

Machine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, Linux ${machine.kernel}; CPU idle before
measuring ${idle === undefined ? 'unknown' : `${(idle * 100).toFixed(0)}%`}. The built pages (\`dashboard-client/dist\`) served by the gateway of the whole
platform on this machine (loopback, \`LEDGER_FIREWALL=off\` so that 50 decisions/s can be recorded),
opened in Debian's Chromium, headless and offline, signed in with an analyst's API key
(\`npm run bench:dashboard -w @ecp/bench\`). Sizes are zlib's default gzip level over the built files
(the gateway itself sends them uncompressed); "at once" is what the HTML's module script and
module preloads name, "fetched" every script the browser asked for. The first render is timed in the
page from the start of navigation, in a fresh context each time; decision rows are
\`${rowSelector}\`.${rowsShown ? '' : ' **This dashboard showed no decision rows: its first render is the moment `#root` had children, and every number here must be taken again once the decision stream is in.**'}
Heap and DOM were sampled every ${SAMPLE_EVERY_SECONDS} s through the DevTools protocol (\`Performance.getMetrics\`, after
\`HeapProfiler.collectGarbage\`) while ${AGENTS} agents in ${JURISDICTIONS.join(', ')} recorded varied decisions at ${STREAM_RATE}/s offered.

${markdownTable(rows)}
`;
    appendSection(join(REPO_ROOT, 'BENCHMARKS.md'), section);
    say('appended to BENCHMARKS.md');
  } finally {
    await browser.close();
    await stack.stop();
  }
}

await main();
