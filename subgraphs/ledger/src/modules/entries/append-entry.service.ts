import { newId } from '@ecp/db/ids';
import { BadUserInputError, ConflictError, ForbiddenError, PayloadTooLargeError } from '@ecp/errors/errors';
import type { Principal } from '@ecp/identity/principal';
import { canonicalBytes, canonicalJson } from '@ecp/ledger-format/canonical-json';
import { validateEntry } from '@ecp/ledger-format/entry-schemas';
import type { Logger } from '@ecp/logging/logger';
import type { EntityManager } from '@mikro-orm/postgresql';
import { EntryEntity } from '../ledger/ledger.entities';
import type { LedgerLog } from '../ledger/ledger-log';
import type { EntryKinds } from './entry-kind';

/** What a service sends to append an entry (the GraphQL input, unvalidated). */
export interface AppendEntryInput {
  kind: string;
  /** The entry's body: what happened, as the kind's schema describes it. */
  body: Record<string, unknown>;
  /** Unique per issuing service and entry: a retry with the same key returns the first entry. */
  idempotencyKey: string;
}

export interface AppendedEntry {
  index: bigint;
  leafHash: Uint8Array;
  treeSize: bigint;
  replayed: boolean;
}

interface Deps {
  em: EntityManager;
  principal: Principal;
  logger: Logger;
  log: LedgerLog;
  kinds: EntryKinds;
  maxEntryBytes: number;
}

/**
 * The one ledger command through which ECP's other services record what they did (an outcome reported,
 * an approval, a break-glass session…): only a service identity may call it. The entry —
 * `{kind, entryId, recordedAt, recordedBy, actorId?, body}` — is validated against its kind's schema,
 * idempotent on (service, key), and appended through the same group commit as decisions.
 */
export class AppendEntryService {
  constructor(private readonly deps: Deps) {}

  async append(input: AppendEntryInput): Promise<AppendedEntry> {
    const { principal, kinds, log } = this.deps;
    if (principal.kind !== 'service') {
      throw new ForbiddenError(
        'Only ECP services append ledger entries; agents record decisions with recordDecision.',
      );
    }
    const kind = kinds.get(input.kind);
    if (kind?.appendedBy !== 'service') {
      const known = kinds.appendableByServices();
      throw new BadUserInputError(
        kind
          ? `${input.kind} entries are recorded with recordDecision, not appended by services.`
          : `Unknown entry kind ${JSON.stringify(input.kind)}.`,
        [{ path: 'input.kind', reason: `must be one of: ${known.join(', ') || 'none registered'}` }],
      );
    }
    if (kind.kind !== input.kind) {
      throw new BadUserInputError(`${input.kind} entries are no longer written; append ${kind.kind}.`, [
        { path: 'input.kind', reason: `an earlier version of ${kind.kind}` },
      ]);
    }
    const key = input.idempotencyKey;
    if (typeof key !== 'string' || key.length < 1 || key.length > 200) {
      throw new BadUserInputError('idempotencyKey must be 1 to 200 characters.', [
        { path: 'input.idempotencyKey', reason: 'must be 1 to 200 characters' },
      ]);
    }
    const entryId = newId();
    const entryAt = (recordedAt: string) => ({
      kind: kind.kind,
      entryId,
      recordedAt,
      recordedBy: principal.id,
      ...(principal.actor ? { actorId: principal.actor.id } : {}),
      body: input.body,
    });
    const draft = entryAt(new Date().toISOString());
    const problems = validateEntry(draft).map((p) => ({
      path: `input${p.path.replaceAll('/', '.')}`,
      reason: p.reason,
    }));
    if (problems.length > 0) {
      throw new BadUserInputError(
        `Invalid ${kind.kind} entry: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
        problems,
      );
    }
    const size = canonicalBytes(draft).length;
    if (size > this.deps.maxEntryBytes) {
      throw new PayloadTooLargeError(
        `The entry is ${size} bytes; the ledger accepts at most ${this.deps.maxEntryBytes}.`,
        [{ path: 'input.body', reason: `canonical form is ${size} bytes, limit ${this.deps.maxEntryBytes}` }],
      );
    }
    const appended = await log.append({
      kind,
      entry: entryAt,
      idempotency: { owner: principal.id, key },
      projection: undefined,
    });
    if (appended.replayed) await this.assertSameEntry(appended.index, draft, key);
    else
      this.deps.logger.info(
        { kind: kind.kind, ledgerIndex: appended.index.toString() },
        'ledger entry appended',
      );
    return {
      index: appended.index,
      leafHash: appended.leafHash,
      treeSize: appended.treeSize,
      replayed: appended.replayed,
    };
  }

  /** A retry must be the same entry: same kind, actor and body as the one its key names. */
  private async assertSameEntry(index: bigint, draft: Record<string, unknown>, key: string): Promise<void> {
    const earlier = await this.deps.em.findOne(EntryEntity, { index: index.toString() });
    const recorded = earlier
      ? (JSON.parse(Buffer.from(earlier.canonical).toString('utf8')) as Record<string, unknown>)
      : {};
    const comparable = (e: Record<string, unknown>) =>
      canonicalJson({ kind: e.kind, actorId: e.actorId ?? null, body: e.body });
    if (comparable(recorded) === comparable(draft)) return;
    throw new ConflictError(
      `The idempotency key ${JSON.stringify(key)} of ${this.deps.principal.id} already names a different entry (ledger entry ${index}). Send the same entry to get it again, or use a new key.`,
      [
        {
          path: 'input.idempotencyKey',
          reason: `already used for ledger entry ${index}, whose content differs`,
        },
      ],
    );
  }
}
