import {
  BadUserInputError,
  ForbiddenError,
  RateLimitedError,
  UnauthenticatedError,
} from '@ecp/errors/errors';
import type { Authenticator } from '@ecp/identity/authenticator';
import { hashToken } from '@ecp/identity/session-token';
import { strictJsonBody } from '@ecp/service-kit/strict-json-body';
import type { NextFunction, Request, Response, Router } from 'express';
import type { PeopleClient } from './people-client';
import { isCrossOrigin } from './same-origin';
import { clearSessionCookie, sessionTokenFrom, setSessionCookie } from './session-cookie';
import type { SignInLimiter } from './sign-in-limiter';

export interface AuthRoutesOptions {
  people: PeopleClient;
  limiter: SignInLimiter;
  authenticator: Authenticator;
}

/**
 * People's sign-in on the gateway's own origin, as JSON over POST (a cross-site form cannot send
 * it without a preflight, and cross-origin requests are refused outright):
 * - `POST /auth/sign-in` `{ email, password }` → the session cookie and `{ person, expiresAt }`;
 *   failures are counted per account and per address and refused with RATE_LIMITED past the limit;
 * - `POST /auth/sign-out` → the session ended everywhere, the cookie cleared;
 * - `POST /auth/set-password` `{ token, password }` → the password set with a one-time setup token.
 */
export function mountAuthRoutes(routes: Router, options: AuthRoutesOptions): void {
  const { people, limiter, authenticator } = options;
  const json = strictJsonBody(16_384);
  const guard = (req: Request, _res: Response, next: NextFunction) => {
    if (isCrossOrigin(req.headers))
      return next(new ForbiddenError('Sign-in is accepted from this origin only.'));
    if (!req.is('application/json'))
      return next(new BadUserInputError('Send the request as JSON (Content-Type: application/json).'));
    next();
  };
  const handle =
    (fn: (req: Request, res: Response) => Promise<unknown>) =>
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        res.setHeader('cache-control', 'no-store');
        res.json(await fn(req, res));
      } catch (err) {
        next(err);
      }
    };

  routes.post(
    '/auth/sign-in',
    guard,
    ...json,
    handle(async (req, res) => {
      const { email, password } = (req.body ?? {}) as { email?: unknown; password?: unknown };
      if (typeof email !== 'string' || typeof password !== 'string') {
        throw new BadUserInputError('Give an email and a password.', [
          ...(typeof email === 'string' ? [] : [{ path: 'email', reason: 'required' }]),
          ...(typeof password === 'string' ? [] : [{ path: 'password', reason: 'required' }]),
        ]);
      }
      const account = email.trim().toLowerCase();
      const address = req.ip ?? 'unknown';
      const waitMs = await limiter.waitMs(account, address);
      if (waitMs > 0) {
        res.setHeader('retry-after', String(Math.ceil(waitMs / 1000)));
        throw new RateLimitedError(
          `Too many failed sign-ins: try again in ${Math.ceil(waitMs / 60_000)} minute(s).`,
        );
      }
      try {
        const opened = await people.signIn({ email, password, address, userAgent: req.header('user-agent') });
        await limiter.succeeded(account);
        setSessionCookie(req, res, opened.token, new Date(opened.expiresAt));
        req.log.info({ actor: opened.person.id, sessionId: opened.sessionId }, 'person signed in');
        return { person: opened.person, expiresAt: opened.expiresAt };
      } catch (err) {
        if (err instanceof UnauthenticatedError || (err as { code?: string }).code === 'UNAUTHENTICATED') {
          await limiter.failed(account, address);
          req.log.warn({ address }, 'failed sign-in');
        }
        throw err;
      }
    }),
  );

  routes.post(
    '/auth/sign-out',
    guard,
    ...json,
    handle(async (req, res) => {
      const token = sessionTokenFrom(req.header('cookie'));
      if (token) {
        await people.signOut(hashToken(token));
        authenticator.forgetSession(token);
      }
      clearSessionCookie(req, res);
      return { signedOut: true };
    }),
  );

  routes.post(
    '/auth/set-password',
    guard,
    ...json,
    handle(async (req) => {
      const { token, password } = (req.body ?? {}) as { token?: unknown; password?: unknown };
      return people.setPassword({ token, password });
    }),
  );
}
