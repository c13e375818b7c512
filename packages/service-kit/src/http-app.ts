import type { Server } from 'node:http';
import type { Logger } from '@ecp/logging/logger';
import express, { type Express as ExpressApp, type NextFunction, type Request, type Response } from 'express';
import type { ServiceMetrics } from './metrics';
import { checkReadiness, type ReadinessCheck } from './readiness';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id';

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
}

/**
 * The HTTP shell every ECP process shares: request ids, one structured log line per request,
 * request metrics, and the operational endpoints /healthz (alive), /readyz (dependencies answer)
 * and /metrics (Prometheus).
 */
export function createHttpApp({ logger, metrics, readiness }: HttpAppOptions): ExpressApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    req.requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    req.log = logger.child({ requestId: req.requestId });
    res.setHeader(REQUEST_ID_HEADER, req.requestId);
    // Read before routing: mounted middleware sees a path relative to its mount point.
    const path = req.path;
    res.on('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      const route = OPERATIONAL_PATHS.has(path) || path === '/graphql' ? path : 'other';
      metrics.httpRequestDuration.observe(
        { method: req.method, route, status_code: String(res.statusCode) },
        seconds,
      );
      if (!OPERATIONAL_PATHS.has(req.path)) {
        req.log.info(
          {
            method: req.method,
            path: req.path,
            status: res.statusCode,
            ms: Math.round(seconds * 10_000) / 10,
          },
          'request',
        );
      }
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const report = await checkReadiness(readiness);
    res
      .status(report.ready ? 200 : 503)
      .json({ status: report.ready ? 'ready' : 'not ready', checks: report.checks });
  });

  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });

  return app;
}

/** Listens on `port` (0 for any free one) and resolves with the bound port. */
export function listen(
  app: ExpressApp,
  port: number,
  host: string,
): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => {
      if (err) return reject(err);
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : port });
    });
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
  });
}

/** Closes an HTTP server: stops accepting, lets in-flight requests finish, then drops idle keep-alive sockets. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeIdleConnections();
  });
}
