import { createPublicKey } from 'node:crypto';
import { isUuid, newId } from '@ecp/db/ids';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '@ecp/errors/errors';
import { hasRole, type Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type AgentKey, AgentKeyEntity } from './ledger.entities';

/** Agents' Ed25519 public keys, with which they may sign the records they append. */
export class AgentKeyService {
  constructor(private readonly deps: { em: EntityManager; principal: Principal; logger: Logger }) {}

  /** Registers a public key (base64 of the 32 raw bytes, or a PEM SPKI) for the calling agent. */
  async register(publicKeyText: string): Promise<AgentKey> {
    const { principal, em } = this.deps;
    if (principal.kind !== 'agent') throw new ForbiddenError('Only agents and people hold signing keys.');
    const publicKey = parsePublicKey(publicKeyText);
    const existing = await em.findOne(AgentKeyEntity, { publicKey: Buffer.from(publicKey) });
    if (existing) throw new ConflictError('This public key is already registered.');
    const key = em.create(AgentKeyEntity, {
      id: newId(),
      agentId: principal.id,
      publicKey: Buffer.from(publicKey),
      createdAt: new Date(),
      revokedAt: null,
    });
    await em.flush();
    this.deps.logger.info({ keyId: key.id }, 'agent signing key registered');
    return key;
  }

  /** Revokes one of the caller's keys (or any key, for admins); records signed before stay verifiable. */
  async revoke(id: string): Promise<AgentKey> {
    const { principal, em } = this.deps;
    const key = isUuid(id) ? await em.findOne(AgentKeyEntity, { id }) : null;
    if (!key) throw new NotFoundError(`No signing key has id ${id}.`);
    if (key.agentId !== principal.id && !hasRole(principal, 'ADMIN')) {
      throw new ForbiddenError('Only the key’s owner or an admin may revoke it.');
    }
    key.revokedAt ??= new Date();
    await em.flush();
    return key;
  }

  async forAgent(agentId: string): Promise<AgentKey[]> {
    return this.deps.em.find(AgentKeyEntity, { agentId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  async byId(id: string): Promise<AgentKey | null> {
    return isUuid(id) ? this.deps.em.findOne(AgentKeyEntity, { id }) : null;
  }
}

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function parsePublicKey(text: string): Uint8Array {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('-----BEGIN')) {
      const key = createPublicKey(trimmed);
      if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 key');
      return new Uint8Array(key.export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX.length));
    }
    // Canonical base64 only (`raw.toString('base64') === trimmed`): one key, one spelling.
    const raw = Buffer.from(trimmed, 'base64');
    if (raw.length === 32 && raw.toString('base64') === trimmed) {
      createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
      return new Uint8Array(raw);
    }
  } catch {
    // fall through to the typed error
  }
  throw new BadUserInputError(
    'publicKey must be an Ed25519 public key: base64 of its 32 bytes, or PEM (SPKI).',
    [{ path: 'publicKey', reason: 'not an Ed25519 public key' }],
  );
}
