import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@ecp/logging/logger';
import express, { type Request, type Response, type Router } from 'express';

/** The page for each path, as Vite writes them into the dashboard's `dist/`. */
const PAGES: Record<string, string> = {
  '/': 'index.html',
  '/playground': 'playground.html',
};

/** Pages always revalidate, so a new build's asset names are picked up on the next load. */
const PAGE_CACHE_CONTROL = 'no-cache';

/** What `/` and `/playground` answer when the dashboard has not been built. */
export const NOT_BUILT_MESSAGE =
  "ECP's pages are not built yet. Run `npm run build -w @ecp/dashboard-client` (ecp start does it for you), then reload.\n";

/** A host as a browser sends it (`name`, `name:port`, `[v6]:port`): anything else is not echoed in a header. */
const HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The pages' Content-Security-Policy: everything from this origin only, nothing inline but styles
 * (Monaco, GraphiQL's editor, writes `<style>` elements as it runs), images and GraphiQL's bundled fonts
 * also as `data:` URLs, the graphql-ws socket to this host, no framing, no `<base>`, forms posting here.
 */
export function contentSecurityPolicy(host: string | undefined): string {
  const sockets = host && HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src 'self'${sockets}`,
    "worker-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

function commonHeaders(res: Response): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

/**
 * The dashboard (`/`) and the playground (`/playground`) from the built `dashboardDir`, and their
 * hashed `/assets/*`. Each page is read when asked for, so a rebuild is served without a restart;
 * before any build the pages answer 503 saying how to build them.
 */
export function dashboardPages(dashboardDir: string, logger: Logger): Router {
  const router = express.Router();
  for (const [path, file] of Object.entries(PAGES)) {
    router.get(path, async (req: Request, res: Response) => {
      commonHeaders(res);
      let html: Buffer;
      try {
        html = await readFile(join(dashboardDir, file));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        logger.warn({ file }, 'dashboard not built');
        res.status(503).setHeader('Cache-Control', 'no-store').type('text/plain').send(NOT_BUILT_MESSAGE);
        return;
      }
      res
        .setHeader('Content-Security-Policy', contentSecurityPolicy(req.headers.host))
        .setHeader('Cache-Control', PAGE_CACHE_CONTROL)
        .type('html')
        .send(html);
    });
  }
  router.use(
    '/assets',
    express.static(join(dashboardDir, 'assets'), {
      fallthrough: false,
      index: false,
      redirect: false,
      etag: false,
      // Hashed names: a name's content never changes, so a year, and no revalidation at all.
      maxAge: '365d',
      immutable: true,
      setHeaders: commonHeaders,
    }),
  );
  return router;
}
