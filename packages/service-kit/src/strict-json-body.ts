import { DuplicateKeyError, JsonProfileError, parseStrictJson } from '@ecp/ledger-format/strict-json';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/**
 * Parses JSON request bodies strictly: a body with a repeated object key, or with a string or number
 * the ledger could not keep exactly as sent (U+0000, a lone surrogate, `1e400`, an integer beyond
 * ±(2^53−1)), is refused with 400 BAD_USER_INPUT naming where, instead of being silently changed, so
 * that what a caller sent can only mean one thing by the time it reaches the ledger.
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
        res.status(400).json({ errors: [bodyError(err)] });
      }
    },
  ];
}

function bodyError(err: unknown): { message: string; extensions: Record<string, unknown> } {
  if (err instanceof DuplicateKeyError) {
    return {
      message: `Ambiguous JSON: ${err.message}. Send each key once.`,
      extensions: {
        code: 'BAD_USER_INPUT',
        details: [{ path: err.pointer || '/', reason: `duplicate key "${err.key}"` }],
      },
    };
  }
  if (err instanceof JsonProfileError) {
    return {
      message: `The request body cannot be kept exactly as sent: ${err.message}.`,
      extensions: { code: 'BAD_USER_INPUT', details: [{ path: err.pointer || '/', reason: err.reason }] },
    };
  }
  return {
    message: `The request body is not valid JSON: ${(err as Error).message}`,
    extensions: { code: 'BAD_REQUEST' },
  };
}
