import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@ecp/logging/logger';
import { startRequestSpan } from '@ecp/telemetry/spans';
import { tracingEnabled } from '@ecp/telemetry/telemetry';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { answerErrors, notFound } from './error-handler';
import type { ServiceMetrics } from './metrics';
import { checkReadiness, type ReadinessCheck } from './readiness';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id';
import { ServerDrain } from './server-drain';

declare global {
  namespace Express {
    interface Request {
      /** Carried from the gateway to every subgraph and into every log line about this request. */
      requestId: string;
      log: Logger;
    }
  }
}

const OPERATIONAL_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export interface HttpAppOptions {
  logger: Logger;
  metrics: ServiceMetrics;
  readiness: readonly ReadinessCheck[];
  /** Proxy hops whose X-Forwarded-For/-Proto are believed (Express's `trust proxy`); none by default. */
  trustProxyHops?: number;
}

export interface HttpShell {
  /**
   * Where the process adds its routes, at any time before it listens. The shell's final handlers sit
   * after this router, so whatever is added here is covered: no route can end up behind them.
   */
  readonly routes: Router;
  /** The HTTP server, created without listening so that what needs it (graphql-ws) can attach first. */
  readonly server: Server;
  /** Listens on `port` (0 for any free one) and resolves with the bound port. */
  listen(port: number, host: string): Promise<number>;
  /**
   * Stops taking connections and lets what was accepted finish: /readyz answers 503 from the first
   * moment, every response carries `Connection: close`, and what is still open after `graceMs` is
   * cut. Resolves true when nothing had to be cut. Only the first call drains; later ones wait for it.
   */
  drain(graceMs: number): Promise<boolean>;
}

/**
 * The HTTP shell every ECP process shares: request ids, one structured log line per request,
 * request metrics, a server span per request when traces are on (continuing the caller's
 * traceparent), the operational endpoints /healthz (alive), /readyz (dependencies answer) and
 * /metrics (Prometheus), then the process's own routes, then one 404 and one error handler that
 * answer JSON with a code — never Express's HTML page, never a stack or a path, in any environment.
 */
export function createHttpShell({
  logger,
  metrics,
  readiness,
  trustProxyHops = 0,
}: HttpAppOptions): HttpShell {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxyHops);
  app.set('etag', false);
  const server = createServer();
  const drain = new ServerDrain(server, logger);
  server.on('request', app);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    req.requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    req.log = logger.child({ requestId: req.requestId });
    res.setHeader(REQUEST_ID_HEADER, req.requestId);
    // Read before routing: mounted middleware sees a path relative to its mount point.
    const path = req.path;
    const operational = OPERATIONAL_PATHS.has(path);
    const route = operational || path === '/graphql' ? path : 'other';
    // Probes and scrapes are not traced: they arrive every few seconds and say nothing about a request.
    const span =
      operational || !tracingEnabled()
        ? undefined
        : startRequestSpan(req.headers, `${req.method} ${route}`, {
            'http.request.method': req.method,
            'url.path': path,
            'ecp.request_id': req.requestId,
          });
    res.on('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      metrics.httpRequestDuration.observe(
        { method: req.method, route, status_code: String(res.statusCode) },
        seconds,
      );
      if (!operational) {
        req.log.info(
          {
            method: req.method,
            path,
            status: res.statusCode,
            ...(res.locals.errorCode ? { code: res.locals.errorCode } : {}),
            ms: Math.round(seconds * 10_000) / 10,
          },
          'request',
        );
      }
      span?.end(
        res.statusCode,
        res.locals.errorCode ? { 'ecp.error_code': res.locals.errorCode } : undefined,
      );
    });
    // A client that goes away before the answer is complete: the span ends with what was set so far.
    if (span) res.on('close', () => span.end(res.statusCode));
    if (span) span.run(req, res, next);
    else next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const report = drain.draining ? undefined : await checkReadiness(readiness);
    // A process that is stopping takes no new work, whatever its dependencies say — also when it
    // began to stop while the checks ran.
    if (!report || drain.draining) {
      res.status(503).json({ status: 'draining', checks: {} });
      return;
    }
    res
      .status(report.ready ? 200 : 503)
      .json({ status: report.ready ? 'ready' : 'not ready', checks: report.checks });
  });

  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });

  const routes = express.Router();
  app.use(routes);
  app.use(notFound);
  app.use(answerErrors);

  return {
    routes,
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    drain: (graceMs) => drain.drain(graceMs),
  };
}
