import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSignerKey } from '@ecp/merkle/signed-note';
import type { PlatformSecrets } from '@ecp/platform/layout';

/**
 * Secrets for a local platform: taken from the environment when given, otherwise generated once and
 * kept in ECP_HOME/secrets.json (mode 0600) so that access tokens and the log's key survive a restart.
 */
export function loadOrCreateSecrets(
  home: string,
  fromEnv: Partial<PlatformSecrets>,
  ledgerKeyName = 'ecp.local/ledger',
): PlatformSecrets {
  const file = join(home, 'secrets.json');
  let stored: Partial<PlatformSecrets> = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<PlatformSecrets>;
  const secrets = {
    identitySecret: fromEnv.identitySecret ?? stored.identitySecret ?? randomBytes(32).toString('base64url'),
    tokenSecret: fromEnv.tokenSecret ?? stored.tokenSecret ?? randomBytes(32).toString('base64url'),
    ledgerSigningKey:
      fromEnv.ledgerSigningKey ??
      stored.ledgerSigningKey ??
      formatSignerKey(ledgerKeyName, new Uint8Array(randomBytes(32))),
  };
  if (
    secrets.identitySecret !== stored.identitySecret ||
    secrets.tokenSecret !== stored.tokenSecret ||
    secrets.ledgerSigningKey !== stored.ledgerSigningKey
  ) {
    mkdirSync(home, { recursive: true });
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return secrets;
}
