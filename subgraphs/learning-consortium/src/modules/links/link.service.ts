import { newId } from '@ecp/db/ids';
import {
  BadUserInputError,
  ConflictError,
  type ErrorDetail,
  ForbiddenError,
  NotFoundError,
} from '@ecp/errors/errors';
import { hasRole, type Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { LearningLedger } from '../../ledger/learning-ledger';
import type { JurisdictionService } from '../jurisdictions/jurisdiction.service';
import { type LspLink, LspLinkEntity } from '../lessons/lesson.entities';

/** The ledger kind links and their revocations are recorded as. */
export const LSP_LINK_KIND = 'ecp.lsp-link/v1';

/**
 * Reciprocity links (LSP v0.1 §5): the only way data learned in one jurisdiction reaches another
 * (other than the prior a parent lends its children). Each link and each revocation is a ledger
 * entry; the link takes effect for reports applied after it is stored.
 */
export class LinkService {
  constructor(
    private readonly deps: {
      em: EntityManager;
      principal: Principal;
      logger: Logger;
      requestId: string;
      ledger: LearningLedger;
      jurisdictions: JurisdictionService;
    },
  ) {}

  /** Links in force from or to a jurisdiction (every link in force without one), oldest first. */
  list(jurisdiction?: string | null): Promise<LspLink[]> {
    return this.deps.em.find(
      LspLinkEntity,
      jurisdiction
        ? { revokedAt: null, $or: [{ fromJurisdiction: jurisdiction }, { toJurisdiction: jurisdiction }] }
        : { revokedAt: null },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
  }

  /** Makes data learned in `from` count in `to` with `weight` (OPERATOR or ADMIN). */
  async link(input: { from: string; to: string; weight: number }): Promise<LspLink> {
    const { em, principal, logger } = this.deps;
    this.assertOperator();
    const problems: ErrorDetail[] = [];
    for (const name of ['from', 'to'] as const) {
      if (!(await this.deps.jurisdictions.get(input[name])))
        problems.push({ path: `input.${name}`, reason: `${input[name]} is not a defined jurisdiction` });
    }
    if (input.from === input.to) problems.push({ path: 'input.to', reason: 'must differ from input.from' });
    if (!(Number.isFinite(input.weight) && input.weight > 0 && input.weight <= 1))
      problems.push({ path: 'input.weight', reason: 'must be in (0, 1]' });
    if (problems.length > 0) {
      throw new BadUserInputError(
        `Invalid link: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
        problems,
      );
    }
    const existing = await em.findOne(LspLinkEntity, {
      fromJurisdiction: input.from,
      toJurisdiction: input.to,
      revokedAt: null,
    });
    if (existing) {
      throw new ConflictError(
        `${input.from} already feeds ${input.to} (link ${existing.id}); revoke it first.`,
      );
    }
    const id = newId();
    const entry = await this.deps.ledger.append(
      {
        kind: LSP_LINK_KIND,
        body: { linkId: id, action: 'LINK', from: input.from, to: input.to, weight: input.weight },
        idempotencyKey: `lsp-link:${id}:LINK`,
      },
      this.call(),
    );
    const row = em.create(LspLinkEntity, {
      id,
      fromJurisdiction: input.from,
      toJurisdiction: input.to,
      weight: input.weight,
      createdBy: principal.id,
      createdAt: new Date(),
      ledgerIndex: BigInt(entry.index),
      revokedBy: null,
      revokedAt: null,
      revokedLedgerIndex: null,
    });
    await em.flush();
    logger.info(
      { linkId: id, from: input.from, to: input.to, ledgerIndex: entry.index },
      'jurisdictions linked',
    );
    return row;
  }

  /** Ends a link (OPERATOR or ADMIN): what it carried stays; nothing more flows. */
  async revoke(id: string): Promise<LspLink> {
    const { em, principal, logger } = this.deps;
    this.assertOperator();
    const link = /^[0-9a-f-]{36}$/.test(id) ? await em.findOne(LspLinkEntity, { id }) : null;
    if (!link) throw new NotFoundError(`No link has id ${id}.`);
    if (link.revokedAt) throw new ConflictError(`Link ${id} was already revoked.`);
    const entry = await this.deps.ledger.append(
      {
        kind: LSP_LINK_KIND,
        body: {
          linkId: id,
          action: 'REVOKE',
          from: link.fromJurisdiction,
          to: link.toJurisdiction,
          weight: link.weight,
        },
        idempotencyKey: `lsp-link:${id}:REVOKE`,
      },
      this.call(),
    );
    link.revokedBy = principal.id;
    link.revokedAt = new Date();
    link.revokedLedgerIndex = BigInt(entry.index);
    await em.flush();
    logger.info({ linkId: id, ledgerIndex: entry.index }, 'jurisdiction link revoked');
    return link;
  }

  private assertOperator(): void {
    if (!hasRole(this.deps.principal, 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError('Linking jurisdictions needs the OPERATOR or ADMIN role.');
    }
  }

  private call() {
    const { principal, requestId, logger } = this.deps;
    return { actingFor: principal, requestId, logger };
  }
}
