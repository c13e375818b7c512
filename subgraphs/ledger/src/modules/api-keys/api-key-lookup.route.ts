import { isUuid } from '@ecp/db/ids';
import { IDENTITY_HEADER, IdentityHeaderError, verifyIdentity } from '@ecp/identity/identity-header';
import type { MikroORM } from '@mikro-orm/postgresql';
import express, { type Router } from 'express';
import { resolveLiveSession, type SessionSettings } from '../people/sign-in';
import { resolveLiveApiKey } from './api-key.service';

export const API_KEY_LOOKUP_PATH = '/internal/principals/by-api-key';

/** The services that authenticate callers at ECP's edges: the gateway, and the workers' admin pages. */
const AUTHENTICATING_SERVICES = new Set(['service:gateway', 'service:workers']);

/**
 * How the edges (the gateway; the workers, for their admin pages) learn who holds a credential: they
 * send an API key's SHA-256 (never the key), the id of the key an access token was minted from, or a
 * person's session token's SHA-256, under their own signed service identity, and get the principal
 * and key or session id back, or 404 when nothing live matches. Each answer records the last use.
 * Not part of the public graph.
 */
export function mountApiKeyLookup(
  routes: Router,
  orm: MikroORM,
  identitySecrets: readonly string[],
  sessions: SessionSettings,
): void {
  routes.post(API_KEY_LOOKUP_PATH, express.json({ limit: 1024 }), async (req, res) => {
    try {
      const caller = verifyIdentity(req.header(IDENTITY_HEADER), identitySecrets);
      if (caller.kind !== 'service' || !AUTHENTICATING_SERVICES.has(caller.id)) {
        res.status(403).json({ error: 'only the gateway and the workers may resolve API keys' });
        return;
      }
    } catch (err) {
      if (err instanceof IdentityHeaderError) {
        res.status(401).json({ error: err.message });
        return;
      }
      throw err;
    }
    const { keyHash, keyId, sessionHash } = (req.body ?? {}) as Record<string, unknown>;
    const byHash = typeof keyHash === 'string' && /^[0-9a-f]{64}$/.test(keyHash);
    const byId = typeof keyId === 'string' && isUuid(keyId);
    const bySession = typeof sessionHash === 'string' && /^[0-9a-f]{64}$/.test(sessionHash);
    if (Number(byHash) + Number(byId) + Number(bySession) !== 1) {
      res.status(400).json({
        error:
          'send one of keyHash (64 lowercase hex characters), keyId (a UUID) or sessionHash (64 lowercase hex characters)',
      });
      return;
    }
    if (bySession) {
      const live = await resolveLiveSession(orm.em.fork(), sessionHash as string, sessions);
      if (!live) {
        res.status(404).json({ error: 'no live session matches' });
        return;
      }
      res.json(live);
      return;
    }
    const live = await resolveLiveApiKey(
      orm.em.fork(),
      byHash ? { keyHash: keyHash as string } : { keyId: keyId as string },
    );
    if (!live) {
      res.status(404).json({ error: 'no live API key matches' });
      return;
    }
    res.json(live);
  });
}
