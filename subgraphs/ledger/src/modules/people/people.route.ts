import { ForbiddenError, UnauthenticatedError } from '@ecp/errors/errors';
import { IDENTITY_HEADER, IdentityHeaderError, verifyIdentity } from '@ecp/identity/identity-header';
import type { MikroORM } from '@mikro-orm/postgresql';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { endSession, type SessionSettings, setPassword, signIn } from './sign-in';

export const SIGN_IN_PATH = '/internal/people/sign-in';
export const SIGN_OUT_PATH = '/internal/people/sign-out';
export const SET_PASSWORD_PATH = '/internal/people/set-password';

/**
 * What the gateway asks on a person's behalf, under its own signed service identity: sign in (email
 * and password → a session token, given once), sign out (the token's SHA-256 → the session ended), and
 * set a password with a setup token. Not part of the public graph; refusals answer in ECP's coded
 * error shape, which the gateway passes on.
 */
export function mountPeopleRoutes(
  routes: Router,
  orm: MikroORM,
  identitySecrets: readonly string[],
  settings: SessionSettings,
): void {
  const onlyGateway = (req: Request, _res: Response, next: NextFunction) => {
    try {
      const caller = verifyIdentity(req.header(IDENTITY_HEADER), identitySecrets);
      if (caller.kind !== 'service' || caller.id !== 'service:gateway')
        return next(new ForbiddenError('Only the gateway signs people in.'));
      next();
    } catch (err) {
      next(err instanceof IdentityHeaderError ? new UnauthenticatedError(err.message) : err);
    }
  };
  const body = express.json({ limit: 4096 });
  const handle =
    (fn: (req: Request) => Promise<unknown>) => async (req: Request, res: Response, next: NextFunction) => {
      try {
        res.json(await fn(req));
      } catch (err) {
        next(err);
      }
    };

  routes.post(
    SIGN_IN_PATH,
    onlyGateway,
    body,
    handle(async (req) => {
      const { email, password, address, userAgent } = (req.body ?? {}) as Record<string, unknown>;
      const opened = await signIn(
        orm.em.fork(),
        { email, password },
        {
          address: typeof address === 'string' ? address : undefined,
          userAgent: typeof userAgent === 'string' ? userAgent : undefined,
        },
        settings,
      );
      return {
        token: opened.token,
        sessionId: opened.sessionId,
        expiresAt: opened.expiresAt.toISOString(),
        person: { ...opened.principal, email: opened.email },
      };
    }),
  );
  routes.post(
    SIGN_OUT_PATH,
    onlyGateway,
    body,
    handle(async (req) => {
      const { tokenHash } = (req.body ?? {}) as { tokenHash?: unknown };
      if (typeof tokenHash === 'string' && /^[0-9a-f]{64}$/.test(tokenHash))
        await endSession(orm.em.fork(), tokenHash);
      return { signedOut: true };
    }),
  );
  routes.post(
    SET_PASSWORD_PATH,
    onlyGateway,
    body,
    handle(async (req) => {
      const { token, password } = (req.body ?? {}) as { token?: unknown; password?: unknown };
      if (typeof token !== 'string') throw new UnauthenticatedError('No password setup token was given.');
      const email = await setPassword(orm.em.fork(), token, password as string);
      return { email };
    }),
  );
}
