import type { Router } from 'express';
import type { LogKeys } from './log-keys';

export const PUBLIC_KEY_PATH = '/ledger/public-key';

/**
 * The log's verifier keys, one per line, the current signing key first: everything an auditor needs
 * to check checkpoints, served without credentials.
 */
export function mountPublicKey(routes: Router, keys: LogKeys): void {
  routes.get(PUBLIC_KEY_PATH, (_req, res) => {
    res.type('text/plain').send(`${keys.verifierKeys.join('\n')}\n`);
  });
}
