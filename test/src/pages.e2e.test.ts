import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@ecp/platform/repo';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gqlAs } from './support/callers';

/**
 * How the gateway serves the dashboard and the playground: the built pages with a strict
 * Content-Security-Policy and no caching, their hashed assets cached for good, and — on a gateway whose
 * dashboard directory holds no build — a 503 that says how to build it.
 */
let stack: Stack;
let unbuilt: string;
let emptyDir: string;

function policyFor(host: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src 'self' ws://${host} wss://${host}`,
    "worker-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** The script, module-preload and stylesheet URLs a built page loads. */
function assetsOf(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
}

/** A GET with a Host header of the caller's choosing (fetch does not let one set it). */
function getWithHost(url: string, host: string): Promise<{ status: number; csp: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, csp: res.headers['content-security-policy'] as string }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'dashboard-client/dist/index.html'))) {
    throw new Error('the pages are not built: run `npm run build -w @ecp/dashboard-client` first');
  }
  stack = await startStack();
  emptyDir = mkdtempSync(join(tmpdir(), 'ecp-no-dashboard-'));
  unbuilt = await stack.startGatewayReplica({ DASHBOARD_DIR: emptyDir });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  if (emptyDir) rmSync(emptyDir, { recursive: true, force: true });
});

describe('the pages', () => {
  for (const [path, title] of [
    ['/', 'ECP — Transparency Dashboard'],
    ['/playground', 'ECP — GraphQL playground'],
  ] as const) {
    it(`serves ${path} with a strict policy, never from a cache without asking`, async () => {
      const res = await fetch(`${stack.gatewayUrl}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toBe(policyFor(`127.0.0.1:${stack.ports.gateway}`));
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await res.text();
      expect(html).toContain(`<title>${title}</title>`);

      const assets = assetsOf(html);
      expect(assets.length).toBeGreaterThan(0);
      for (const asset of assets) {
        const a = await fetch(`${stack.gatewayUrl}${asset}`);
        expect(a.status, asset).toBe(200);
        expect(a.headers.get('cache-control'), asset).toBe('public, max-age=31536000, immutable');
        expect(a.headers.get('x-content-type-options'), asset).toBe('nosniff');
        expect(a.headers.get('content-type'), asset).toMatch(
          asset.endsWith('.css') ? /^text\/css/ : /^text\/javascript|^application\/javascript/,
        );
        await a.arrayBuffer();
      }
    });
  }

  it('answers an asset that is not there with a 404, not cached for good', async () => {
    const res = await fetch(`${stack.gatewayUrl}/assets/no-such-file-0000.js`);
    expect(res.status).toBe(404);
    expect(res.headers.get('cache-control') ?? '').not.toContain('immutable');
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'NOT_FOUND' } }] });
  });

  it('puts only a well-formed Host in the policy', async () => {
    const odd = await getWithHost(`${stack.gatewayUrl}/playground`, "x; script-src 'unsafe-eval'");
    expect(odd.status).toBe(200);
    expect(odd.csp).toContain("; connect-src 'self'; ");
    expect(odd.csp).not.toContain('unsafe-eval');
    const named = await getWithHost(`${stack.gatewayUrl}/playground`, 'ecp.example.org');
    expect(named.csp).toContain("; connect-src 'self' ws://ecp.example.org wss://ecp.example.org; ");
  });

  it('says how to build the pages when they are not built, and the API still answers', async () => {
    for (const path of ['/', '/playground']) {
      const res = await fetch(`${unbuilt}${path}`);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      const text = await res.text();
      expect(text).toContain('npm run build -w @ecp/dashboard-client');
      expect(text).not.toContain(emptyDir);
      expect(text).not.toMatch(/\bat .+:\d+:\d+/);
    }
    expect((await fetch(`${unbuilt}/assets/index.js`)).status).toBe(404);
    const me = await gqlAs<{ me: { id: string } }>(
      { ...stack, graphqlUrl: `${unbuilt}/graphql` },
      stack.adminKey,
      '{ me { id } }',
    );
    expect(me.body.data?.me.id).toBeTruthy();
  });
});
