import { isUuid } from '@ecp/db/ids';
import { IDENTITY_HEADER, IdentityHeaderError, verifyIdentity } from '@ecp/identity/identity-header';
import type { MikroORM } from '@mikro-orm/postgresql';
import express, { type Router } from 'express';
import { resolveLiveApiKey } from './api-key.service';

export const API_KEY_LOOKUP_PATH = '/internal/principals/by-api-key';

/** The services that authenticate callers at ECP's edges: the gateway, and the workers' admin pages. */
const AUTHENTICATING_SERVICES = new Set(['service:gateway', 'service:workers']);

/**
 * How the edges (the gateway; the workers, for their admin pages) learn who holds an API key: it sends the key's SHA-256 (never the key), or the id
 * of the key an access token was minted from, under their own signed service identity, and gets the
 * principal and key id back, or 404 when no live key matches. Each answer records the key's last use.
 * Not part of the public graph.
 */
export function mountApiKeyLookup(routes: Router, orm: MikroORM, identitySecrets: readonly string[]): void {
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
    const { keyHash, keyId } = (req.body ?? {}) as { keyHash?: unknown; keyId?: unknown };
    const byHash = typeof keyHash === 'string' && /^[0-9a-f]{64}$/.test(keyHash);
    const byId = typeof keyId === 'string' && isUuid(keyId);
    if (byHash === byId) {
      res.status(400).json({ error: 'send either keyHash (64 lowercase hex characters) or keyId (a UUID)' });
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
