import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { EcpError, ForbiddenError, UnauthenticatedError } from '@ecp/errors/errors';
import type { Authenticator } from '@ecp/identity/authenticator';
import { hasRole } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { Queue } from 'bullmq';
import type { NextFunction, Request, Response, Router } from 'express';

export const QUEUES_BOARD_PATH = '/admin/queues';

/**
 * bull-board, for admins only: every hosted queue with its jobs, and the buttons to retry failed
 * ones. Credentials are the gateway's — an API key or an access token, checked by the same
 * authenticator against the ledger — sent as `Authorization: Bearer …`, `X-API-Key`, or, so that a
 * browser can open the page, HTTP Basic with the key as the password.
 */
export function mountQueuesBoard(
  routes: Router,
  queues: readonly Queue[],
  authenticator: Authenticator,
  logger: Logger,
): void {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUES_BOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter });
  routes.use(QUEUES_BOARD_PATH, adminOnly(authenticator, logger), serverAdapter.getRouter());
}

function adminOnly(authenticator: Authenticator, logger: Logger) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const { authorization, apiKey } = credentials(req);
      const { principal } = await authenticator.authenticate(authorization, apiKey);
      if (!hasRole(principal, 'ADMIN')) throw new ForbiddenError('The queues are for admins only.');
      next();
    } catch (err) {
      if (!(err instanceof EcpError)) {
        next(err);
        return;
      }
      if (err instanceof UnauthenticatedError)
        res.setHeader('WWW-Authenticate', 'Basic realm="ECP queues", charset="UTF-8"');
      logger.info({ code: err.code, path: req.originalUrl }, 'queues board refused');
      res.status(err.httpStatus).json({ error: err.message, code: err.code });
    }
  };
}

/** The credential in a request: HTTP Basic carries an API key or token as its password. */
function credentials(req: Request): { authorization?: string; apiKey?: string } {
  const header = req.header('authorization');
  const basic = header ? /^Basic\s+(\S+)\s*$/i.exec(header) : null;
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const password = decoded.slice(decoded.indexOf(':') + 1);
    if (!password) throw new UnauthenticatedError('Give an API key as the password.');
    return { authorization: `Bearer ${password}` };
  }
  return { authorization: header, apiKey: req.header('x-api-key') };
}
