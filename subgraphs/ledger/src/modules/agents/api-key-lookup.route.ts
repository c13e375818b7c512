import { IDENTITY_HEADER, IdentityHeaderError, verifyIdentity } from '@ecp/identity/identity-header';
import type { MikroORM } from '@mikro-orm/postgresql';
import express, { type Router } from 'express';
import { principalForApiKeyHash } from './agent.service';

export const API_KEY_LOOKUP_PATH = '/internal/principals/by-api-key-hash';

/**
 * How the gateway learns who holds an API key: it sends the key's SHA-256 (never the key) under its
 * own signed service identity, and gets the principal back, or 404. Not part of the public graph.
 */
export function mountApiKeyLookup(routes: Router, orm: MikroORM, identitySecrets: readonly string[]): void {
  routes.post(API_KEY_LOOKUP_PATH, express.json({ limit: 1024 }), async (req, res) => {
    try {
      const caller = verifyIdentity(req.header(IDENTITY_HEADER), identitySecrets);
      if (caller.kind !== 'service' || caller.id !== 'service:gateway') {
        res.status(403).json({ error: 'only the gateway may resolve API keys' });
        return;
      }
    } catch (err) {
      if (err instanceof IdentityHeaderError) {
        res.status(401).json({ error: err.message });
        return;
      }
      throw err;
    }
    const keyHash = req.body?.keyHash;
    if (typeof keyHash !== 'string' || !/^[0-9a-f]{64}$/.test(keyHash)) {
      res.status(400).json({ error: 'keyHash must be 64 lowercase hex characters' });
      return;
    }
    const principal = await principalForApiKeyHash(orm.em.fork(), keyHash);
    if (!principal) {
      res.status(404).json({ error: 'no live API key has this hash' });
      return;
    }
    res.json({ principal });
  });
}
