import { SESSION_COOKIE } from '@ecp/identity/session-token';
import { parse } from 'cookie';
import type { Request, Response } from 'express';

/** The session token in a request's `Cookie` header, if any. */
export function sessionTokenFrom(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  return parse(cookieHeader)[SESSION_COOKIE] || undefined;
}

/**
 * Gives the browser the session token: httpOnly (no script reads it), SameSite=Strict (no other site's
 * page sends it), Secure whenever the request came over https, for the whole origin, until it expires.
 */
export function setSessionCookie(req: Request, res: Response, token: string, expiresAt: Date): void {
  res.cookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: req.secure,
    path: '/',
    expires: expiresAt,
  });
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/' });
}
