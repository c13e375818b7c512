import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { launchOfflineBrowser, type OfflineBrowser } from '@ecp/test-kit/browser';
import { agentInput } from '@ecp/test-kit/fixtures';
import { graphql } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import type { Page } from 'playwright-core';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../src/index';
import { createEcpClient } from '../src/node';

/**
 * The built core entry (dist/index.js) in Debian's Chromium, against the whole platform: bundled for
 * the browser as a consumer's bundler would, loaded as an ES module on the gateway's own origin, it
 * signs and records a decision, proves its inclusion locally, and receives over the browser's own
 * WebSocket a decision recorded from Node.
 */
const run = promisify(execFile);
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What the page keeps between evaluations. */
interface InPage {
  location: { origin: string };
  ecpSdk: typeof Sdk;
  ecp: Sdk.EcpClient;
  live: Sdk.LiveSubscription<Sdk.Decision>;
  /** The iterator's next() still waited on (one at a time, so that no event is taken and dropped). */
  pending: Promise<IteratorResult<Sdk.Decision>> | undefined;
}

let stack: Stack;
let browser: OfflineBrowser;
let page: Page;
let apiKey: string;
let agentId: string;
let logPublicKey: string;
let bundleDir: string;
/** The id the agent's signing key was registered under, in the page. */
let keyId: string;

/** The agent's Ed25519 seed, the same in the page and in Node. */
const SEED = Array.from({ length: 32 }, (_, i) => 255 - i);

const draft = (sku: string): Sdk.DecisionDraft => ({
  jurisdiction: 'EU/DE',
  category: 'pricing',
  context: { sku },
  options: [
    { id: 'raise', description: 'Raise the price by 5%' },
    { id: 'hold', description: 'Hold the price' },
  ],
  chosenOption: 'raise',
  rationale: 'Demand exceeds supply.',
  confidence: 0.8,
});

/** dist/index.js and everything it imports as one ES module for the browser, as a bundler makes it. */
async function browserBundle(): Promise<string> {
  bundleDir = mkdtempSync(join(tmpdir(), 'ecp-sdk-browser-'));
  await build({
    config: false,
    entry: { sdk: join(PACKAGE_DIR, 'dist/index.js') },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    outDir: bundleDir,
    noExternal: [/.*/],
    splitting: false,
    dts: false,
    silent: true,
  });
  return readFileSync(join(bundleDir, 'sdk.js'), 'utf8');
}

beforeAll(async () => {
  // Both at once; both settled before anything fails, so that afterAll stops a stack that started.
  const [built, started] = await Promise.allSettled([
    run('npm', ['run', 'build'], { cwd: PACKAGE_DIR, maxBuffer: 16 * 1024 * 1024 }).then(browserBundle),
    startStack({ extraEnv: { CHECKPOINT_INTERVAL_MS: '200' } }),
  ]);
  if (started.status === 'fulfilled') stack = started.value;
  if (built.status === 'rejected') throw built.reason;
  if (started.status === 'rejected') throw started.reason;
  const bundle = built.value;
  const registered = await graphql<{ registerAgent: { apiKey: string; agent: { id: string } } }>(
    stack.graphqlUrl,
    'mutation ($input: RegisterAgentInput!) { registerAgent(input: $input) { apiKey agent { id } } }',
    { input: agentInput({ name: 'browser-pricing-bot', jurisdictions: ['EU/DE'] }) },
    { headers: { authorization: `Bearer ${stack.adminKey}` } },
  );
  expect(registered.body.errors).toBeUndefined();
  apiKey = registered.body.data!.registerAgent.apiKey;
  agentId = registered.body.data!.registerAgent.agent.id;
  const keyResponse = await fetch(`${stack.gatewayUrl}/ledger/public-key`);
  expect(keyResponse.status).toBe(200);
  logPublicKey = await keyResponse.text();

  browser = await launchOfflineBrowser();
  const context = await browser.newContext();
  page = await context.newPage();
  // The gateway's own origin: the page's requests and its socket are same-origin, as for a web app
  // the gateway serves.
  await page.goto(`${stack.gatewayUrl}/healthz`);
  const url = await page.evaluate(
    (code) => URL.createObjectURL(new Blob([code], { type: 'text/javascript' })),
    bundle,
  );
  // As a string: a function here would have its import() rewritten by the test runner's transform.
  await page.evaluate(`import(${JSON.stringify(url)}).then((sdk) => { globalThis.ecpSdk = sdk; })`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

describe('the agent SDK in a browser', () => {
  it('registers its key, records a signed decision and verifies its inclusion in the page', async () => {
    const result = await page.evaluate(
      async ({ apiKey, seed, logPublicKey, draft }) => {
        const g = globalThis as unknown as InPage;
        g.ecp = g.ecpSdk.createEcpClient({
          url: g.location.origin,
          apiKey,
          signingKey: Uint8Array.from(seed),
          logPublicKey,
        });
        const key = await g.ecp.registerSigningKey();
        const recorded = await g.ecp.recordDecision(draft);
        // A checkpoint covering the entry is published within CHECKPOINT_INTERVAL_MS of the append.
        let inclusion: Sdk.VerifiedInclusion | undefined;
        let lastError = '';
        for (let attempt = 0; attempt < 50 && !inclusion; attempt++) {
          try {
            inclusion = await g.ecp.verifyInclusion(recorded.decision);
          } catch (err) {
            if (!(err instanceof g.ecpSdk.EcpError) || !['OUT_OF_RANGE', 'NOT_FOUND'].includes(err.code))
              throw err;
            lastError = err.message;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
        return {
          keyId: key.id,
          publicKey: key.publicKey,
          clientPublicKey: g.ecp.publicKey,
          status: recorded.status,
          ledgerIndex: recorded.ledgerIndex,
          leafHash: recorded.leafHash,
          signedBy: recorded.decision.signedBy?.id,
          agent: recorded.decision.agent.id,
          inclusion: inclusion && {
            index: inclusion.index,
            leafHash: inclusion.leafHash,
            origin: inclusion.checkpoint.origin,
            treeSize: inclusion.checkpoint.treeSize,
          },
          lastError,
          hasNodeProcess: typeof (globalThis as { process?: unknown }).process !== 'undefined',
        };
      },
      { apiKey, seed: SEED, logPublicKey, draft: draft('A-1') },
    );

    expect(result.hasNodeProcess).toBe(false);
    expect(result.status).toBe('COMMITTED');
    expect(result.agent).toBe(agentId);
    expect(result.publicKey).toBe(result.clientPublicKey);
    expect(result.signedBy).toBe(result.keyId);
    keyId = result.keyId;
    expect(result.ledgerIndex).toMatch(/^\d+$/);
    expect(result.leafHash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.inclusion, `no checkpoint covered the entry: ${result.lastError}`).toBeDefined();
    expect(result.inclusion!.index).toBe(result.ledgerIndex);
    expect(result.inclusion!.leafHash).toBe(result.leafHash);
    expect(BigInt(result.inclusion!.treeSize)).toBeGreaterThan(BigInt(result.ledgerIndex!));
    expect(logPublicKey.startsWith(`${result.inclusion!.origin}+`)).toBe(true);
  });

  it('delivers over the browser WebSocket a decision recorded from Node', async () => {
    // The page's own WebSocket, as Chromium reports it: the URL it opened once it sent `subscribe`.
    const subscribed = new Promise<string>((resolve) => {
      page.on('websocket', (ws) =>
        ws.on('framesent', (frame) => {
          if (JSON.parse(String(frame.payload)).type === 'subscribe') resolve(ws.url());
        }),
      );
    });
    await page.evaluate(() => {
      const g = globalThis as unknown as InPage;
      g.live = g.ecp.decisionRecorded({ jurisdiction: 'EU/DE' });
    });
    expect(await subscribed).toBe(stack.websocketUrl);

    const node = createEcpClient({ url: stack.gatewayUrl, apiKey, signingKey: Uint8Array.from(SEED) });
    const recorded: string[] = [];
    let delivered: { id: string; signedBy: string | undefined; cursor: string | undefined } | null = null;
    try {
      // Subscribing completes on the gateway a moment after the frame is sent: a decision recorded
      // in that moment is not delivered (nor should it be), so another is recorded after it.
      for (let attempt = 1; attempt <= 5 && !delivered; attempt++) {
        const { decision } = await node.recordDecision(draft(`B-${attempt}`));
        recorded.push(decision.id);
        delivered = await page.evaluate(async () => {
          const g = globalThis as unknown as InPage;
          g.pending ??= g.live.next();
          const next = await Promise.race([
            g.pending,
            new Promise<null>((r) => setTimeout(() => r(null), 3000)),
          ]);
          if (!next) return null;
          g.pending = undefined;
          if (next.done) return null;
          return { id: next.value.id, signedBy: next.value.signedBy?.id, cursor: g.live.cursor };
        });
      }
    } finally {
      await node.close();
    }
    expect(delivered, `none of ${recorded.join(', ')} was delivered`).not.toBeNull();
    expect(recorded).toContain(delivered!.id);
    // Recorded from Node with the same seed: signed under the key the page registered.
    expect(delivered!.signedBy).toBe(keyId);
    expect(delivered!.cursor).toEqual(expect.any(String));
    await page.evaluate(async () => {
      const g = globalThis as unknown as InPage;
      g.live.close();
      await g.ecp.close();
    });
    expect(browser.outsideRequests).toEqual([]);
  });
});
