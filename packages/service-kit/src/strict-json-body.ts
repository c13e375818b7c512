import { BadRequestError, BadUserInputError } from '@ecp/errors/errors';
import { DuplicateKeyError, JsonProfileError, parseStrictJson } from '@ecp/ledger-format/strict-json';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/**
 * Parses JSON request bodies strictly: a body with a repeated object key, or with a string or number
 * the ledger could not keep exactly as sent (U+0000, a lone surrogate, `1e400`, `12345678901234567890`),
 * is refused with 400 BAD_USER_INPUT naming where, instead of being silently changed, so that what a
 * caller sent can only mean one thing by the time it reaches the ledger. Refusals go to the HTTP
 * shell's error handler, which answers them as it answers every coded error.
 */
export function strictJsonBody(limitBytes: number): RequestHandler[] {
  return [
    express.text({ type: ['application/json', 'application/*+json'], limit: limitBytes }),
    (req: Request, _res: Response, next: NextFunction) => {
      if (typeof req.body !== 'string') return next();
      let parsed: unknown;
      try {
        parsed = req.body.length === 0 ? undefined : parseStrictJson(req.body);
      } catch (err) {
        return next(refusal(err));
      }
      req.body = parsed;
      next();
    },
  ];
}

function refusal(err: unknown): Error {
  if (err instanceof DuplicateKeyError) {
    return new BadUserInputError(`Ambiguous JSON: ${err.message}. Send each key once.`, [
      { path: err.pointer || '/', reason: `duplicate key "${err.key}"` },
    ]);
  }
  if (err instanceof JsonProfileError) {
    return new BadUserInputError(`The request body cannot be kept exactly as sent: ${err.message}.`, [
      { path: err.pointer || '/', reason: err.reason },
    ]);
  }
  return new BadRequestError(`The request body is not valid JSON: ${(err as Error).message}`);
}
