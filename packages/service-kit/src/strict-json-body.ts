import { DuplicateKeyError, parseStrictJson } from '@ecp/ledger-format/strict-json';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/**
 * Parses JSON request bodies strictly: a body with a repeated object key is refused (400
 * BAD_USER_INPUT naming where) instead of silently keeping the last value, so that what a caller sent
 * can only mean one thing by the time it reaches the ledger.
 */
export function strictJsonBody(limitBytes: number): RequestHandler[] {
  return [
    express.text({ type: ['application/json', 'application/*+json'], limit: limitBytes }),
    (req: Request, res: Response, next: NextFunction) => {
      if (typeof req.body !== 'string') return next();
      try {
        req.body = req.body.length === 0 ? undefined : parseStrictJson(req.body);
        next();
      } catch (err) {
        const duplicate = err instanceof DuplicateKeyError;
        res.status(400).json({
          errors: [
            {
              message: duplicate
                ? `Ambiguous JSON: ${err.message}. Send each key once.`
                : `The request body is not valid JSON: ${(err as Error).message}`,
              extensions: {
                code: duplicate ? 'BAD_USER_INPUT' : 'BAD_REQUEST',
                ...(duplicate
                  ? { details: [{ path: err.pointer || '/', reason: `duplicate key "${err.key}"` }] }
                  : {}),
              },
            },
          ],
        });
      }
    },
  ];
}
