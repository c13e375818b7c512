import { createHash } from 'node:crypto';
import { isUuid, newId } from '@ecp/db/ids';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '@ecp/errors/errors';
import type { Outbox, OutboxEvent } from '@ecp/events/outbox';
import type { Principal } from '@ecp/identity/principal';
import { hasRole } from '@ecp/identity/principal';
import { canonicalBytes } from '@ecp/ledger-format/canonical-json';
import { DECISION_KIND } from '@ecp/ledger-format/decision-entry';
import type { Logger } from '@ecp/logging/logger';
import type { KeysetPage } from '@ecp/service-kit/keyset';
import { timeIdKeyset } from '@ecp/service-kit/keyset';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DecisionService, DecisionView } from '../ledger/decision.service';
import type { LedgerLog } from '../ledger/ledger-log';
import type { BreakGlassSessions } from './break-glass-sessions';
import { breakGlassUseKind } from './break-glass-use.kind';
import { DECISION_HELD, DECISION_STATUS_CHANGED } from './firewall.topics';
import type { GateVerdict } from './gate';
import {
  type DecisionReview,
  DecisionReviewEntity,
  type HeldDecision,
  HeldDecisionEntity,
  type HeldProposal,
} from './held-decision.entity';
import { decisionApprovalKind, decisionRejectionKind, LEDGER_ITSELF, SYSTEM_REVIEWER } from './review.kind';

/** The longest reason an approval or rejection may give. */
export const MAX_REASON_LENGTH = 2000;

/**
 * SHA-256 (lowercase hex) of the RFC 8785 canonical form of `{kind, decisionId, agentId, body,
 * signature}` of a proposal, signature null when unsigned: what an approval binds.
 */
export function proposalSha256(decisionId: string, agentId: string, proposal: HeldProposal): string {
  const bytes = canonicalBytes({
    kind: DECISION_KIND,
    decisionId,
    agentId,
    body: proposal.body,
    signature: proposal.signature ?? null,
  });
  return createHash('sha256').update(bytes).digest('hex');
}

/** A decision the gate held, with everything it needs to commit later exactly as proposed. */
export interface HoldRequest {
  decisionId: string;
  agentId: string;
  proposal: HeldProposal;
  signingKeyId: string | null;
  cites: readonly bigint[];
  verdict: GateVerdict;
  frictionAssessmentId: string | null;
  policyVersion: string | null;
  consortiumFollowed: boolean;
}

interface Deps {
  em: EntityManager;
  principal: Principal;
  requestId: string;
  logger: Logger;
  log: LedgerLog;
  outbox: Outbox;
  decisions: DecisionService;
  holdTtlSeconds: number;
  /** Called with each newly held decision, to schedule its expiry (the delayed job); none in tests. */
  onHeld?: (held: HeldDecision) => Promise<void>;
  /** Operations' break-glass sessions, asked before a break-glass commit; none: refused. */
  breakGlass?: BreakGlassSessions;
  now?: () => Date;
}

/**
 * The Liability Firewall's held decisions: holding what the gate stopped, listing what waits, and
 * approving or rejecting it. Each review is a ledger entry (`ecp.decision-approval/v1`,
 * `ecp.decision-rejection/v1`) appended while the held row is locked, so two operators acting at once
 * are served one after the other: neither approval is lost and the decision commits once. A decision
 * commits, as an ordinary decision entry, when the M-th distinct approval of the same proposal hash
 * arrives; one rejection, by an operator or by expiry, ends it.
 */
export class FirewallService {
  constructor(private readonly deps: Deps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Keeps a held proposal and announces it (`decisionHeld`, `decisionStatusChanged`), in one transaction. */
  async hold(request: HoldRequest): Promise<HeldDecision> {
    const { em, outbox } = this.deps;
    const createdAt = this.now();
    const held = await em.transactional(async (tx) => {
      const row = tx.create(HeldDecisionEntity, {
        id: request.decisionId,
        agentId: request.agentId,
        idempotencyKey: request.proposal.body.idempotencyKey,
        jurisdiction: request.proposal.body.jurisdiction,
        category: request.proposal.body.category,
        proposal: request.proposal,
        proposalSha256: proposalSha256(request.decisionId, request.agentId, request.proposal),
        holdReasons: request.verdict.reasons,
        frictionAssessmentId: request.frictionAssessmentId,
        policyVersion: request.policyVersion,
        approvalsNeeded: request.verdict.approvalsNeeded,
        consortiumFollowed: request.consortiumFollowed,
        signingKeyId: request.signingKeyId,
        cites: request.cites.map(String),
        status: 'PENDING_APPROVAL',
        ledgerIndex: null,
        createdAt,
        expiresAt: new Date(createdAt.getTime() + this.deps.holdTtlSeconds * 1000),
        decidedAt: null,
      });
      await outbox.write(tx, [
        statusEvent(row, 'HELD', 0),
        {
          topic: DECISION_HELD,
          key: { id: row.id },
          attributes: {
            ...routing(row),
            holdReasons: row.holdReasons.map((r) => r.code).join(','),
            approvalsNeeded: String(row.approvalsNeeded),
            expiresAt: row.expiresAt.toISOString(),
          },
        },
      ]);
      return row;
    });
    this.deps.logger.info(
      { decisionId: held.id, holdReasons: held.holdReasons.map((r) => r.code) },
      'decision held for approval',
    );
    await this.deps.onHeld?.(held);
    return held;
  }

  /** The held proposal of the calling agent under an idempotency key, if it has one. */
  async heldByKey(agentId: string, idempotencyKey: string): Promise<HeldDecision | null> {
    return this.deps.em.findOne(HeldDecisionEntity, { agentId, idempotencyKey });
  }

  /** Held proposals by id (any status), for reading decisions. */
  async heldByIds(ids: readonly string[]): Promise<HeldDecision[]> {
    if (ids.length === 0) return [];
    return this.deps.em.find(HeldDecisionEntity, { id: { $in: [...ids] } });
  }

  /**
   * What waits for approval, oldest first: every pending decision for operators and admins, its own
   * for an agent.
   */
  async pending(page: KeysetPage): Promise<HeldDecision[]> {
    const { principal, em } = this.deps;
    const { where, orderBy } = timeIdKeyset('createdAt', page, 'oldest-first');
    where.push({ status: 'PENDING_APPROVAL' });
    if (!hasRole(principal, 'OPERATOR', 'ADMIN')) {
      if (principal.kind !== 'agent' || !hasRole(principal, 'AGENT')) {
        throw new ForbiddenError('Listing pending decisions needs the OPERATOR or ADMIN role.');
      }
      where.push({ agentId: principal.id });
    }
    return em.find(HeldDecisionEntity, { $and: where }, { orderBy, limit: page.limit });
  }

  /** The approvals and rejections of a held decision, in ledger order. */
  async reviewsOf(decisionId: string): Promise<DecisionReview[]> {
    return this.deps.em.find(DecisionReviewEntity, { decisionId }, { orderBy: { entryIndex: 'asc' } });
  }

  /**
   * Approves a pending decision (OPERATOR or ADMIN, never the proposing agent), as the caller: an
   * `ecp.decision-approval/v1` entry binding the proposal's hash. Commits it when this is the M-th
   * distinct approval.
   */
  async approve(id: string, reason: string): Promise<DecisionView> {
    const reviewer = this.requireReviewer(id, reason);
    await this.requireNotProposer(id, reviewer);
    const { em, log, outbox } = this.deps;
    const committed = await em.transactional(async (tx) => {
      const held = await this.lockPending(tx, id);
      const now = this.now();
      if (held.expiresAt <= now) {
        throw new ConflictError(
          `Decision ${id} expired at ${held.expiresAt.toISOString()}; an approval is void after expiry.`,
          [{ path: 'id', reason: 'the proposal expired' }],
        );
      }
      // The receipt binds the proposal as it is stored now, and only if that is what was held.
      const hash = proposalSha256(held.id, held.agentId, held.proposal);
      if (hash !== held.proposalSha256) {
        throw new ConflictError(
          `Decision ${id} no longer matches the proposal it was held with; it cannot be approved.`,
          [{ path: 'id', reason: 'the stored proposal changed after it was held' }],
        );
      }
      const earlier = await tx.find(
        DecisionReviewEntity,
        { decisionId: id, verdict: 'APPROVAL' },
        { orderBy: { entryIndex: 'asc' } },
      );
      if (earlier.some((r) => r.reviewerId === reviewer.id)) throw alreadyApproved(id);
      const appended = await log.append({
        kind: decisionApprovalKind,
        entry: (recordedAt) => ({
          kind: decisionApprovalKind.kind,
          entryId: newId(),
          recordedAt,
          recordedBy: LEDGER_ITSELF,
          actorId: reviewer.id,
          body: {
            decisionId: held.id,
            agentId: held.agentId,
            proposalSha256: hash,
            reason,
            approvalsNeeded: held.approvalsNeeded,
            expiresAt: held.expiresAt.toISOString(),
          },
        }),
        idempotency: { owner: LEDGER_ITSELF, key: `approval/${held.id}/${reviewer.id}` },
        projection: { decisionId: held.id, reviewerId: reviewer.id, proposalSha256: hash, reason },
      });
      if (appended.replayed) throw alreadyApproved(id);
      // Only approvals of this very proposal count toward M.
      const approvals = [
        ...earlier
          .filter((r) => r.proposalSha256 === hash)
          .map((r) => ({ entryIndex: String(r.entryIndex), reviewerId: r.reviewerId })),
        { entryIndex: appended.index.toString(), reviewerId: reviewer.id },
      ];
      this.deps.logger.info(
        { decisionId: id, approvals: approvals.length, needed: held.approvalsNeeded },
        'held decision approved',
      );
      if (approvals.length < held.approvalsNeeded) {
        await outbox.write(tx, [statusEvent(held, 'APPROVED', approvals.length)]);
        return null;
      }
      const view = await this.deps.decisions.commitHeld(held, approvals);
      held.status = 'COMMITTED';
      held.ledgerIndex = view.index!.toString();
      held.decidedAt = now;
      await outbox.write(tx, [statusEvent(held, 'COMMITTED', approvals.length)]);
      return view;
    });
    return committed ?? this.deps.decisions.get(id);
  }

  /**
   * Commits a pending decision at once, whatever its M, as the caller with the glass broken: the
   * caller (OPERATOR or ADMIN, never the proposing agent) must have the break-glass session
   * `sessionId` open, as operations says. Appends an `ecp.break-glass-use/v1` entry naming the session,
   * the operator and the proposal's hash, then the decision's entry, which gives the operator the
   * `breakGlass` liability share. A session that is closed, expired, unknown or someone else's is
   * refused before anything is appended. Approvals the decision already had are kept in its entry.
   */
  async breakGlassCommit(id: string, sessionId: string, reason: string): Promise<DecisionView> {
    const operator = this.requireReviewer(id, reason);
    if (!isUuid(sessionId)) {
      throw new BadUserInputError('Invalid break-glass commit: sessionId must be a session id (UUID).', [
        { path: 'sessionId', reason: 'must be a break-glass session id (UUID)' },
      ]);
    }
    await this.requireNotProposer(id, operator);
    const { em, log, outbox, principal, requestId, logger } = this.deps;
    if (!this.deps.breakGlass) {
      throw new ForbiddenError('Break glass is not available here: no operations service is configured.');
    }
    const session = await this.deps.breakGlass.sessionForUse(sessionId, {
      actingFor: principal,
      requestId,
      logger,
    });
    if (!session || session.operatorId !== operator.id) {
      throw new ForbiddenError(
        `Break-glass session ${sessionId} is not yours: only the operator who opened it may use it.`,
      );
    }
    if (!session.active || new Date(session.expiresAt) <= this.now()) {
      throw new ConflictError(
        `Break-glass session ${sessionId} is not open (closed, or expired at ${session.expiresAt}); open a new one.`,
        [{ path: 'sessionId', reason: 'the session is closed or expired' }],
      );
    }
    return em.transactional(async (tx) => {
      const held = await this.lockPending(tx, id);
      const now = this.now();
      if (held.expiresAt <= now) {
        throw new ConflictError(
          `Decision ${id} expired at ${held.expiresAt.toISOString()}; it can no longer be committed.`,
          [{ path: 'id', reason: 'the proposal expired' }],
        );
      }
      const hash = proposalSha256(held.id, held.agentId, held.proposal);
      if (hash !== held.proposalSha256) {
        throw new ConflictError(
          `Decision ${id} no longer matches the proposal it was held with; it cannot be committed.`,
          [{ path: 'id', reason: 'the stored proposal changed after it was held' }],
        );
      }
      const used = await log.append({
        kind: breakGlassUseKind,
        entry: (recordedAt) => ({
          kind: breakGlassUseKind.kind,
          entryId: newId(),
          recordedAt,
          recordedBy: LEDGER_ITSELF,
          actorId: operator.id,
          body: {
            decisionId: held.id,
            agentId: held.agentId,
            sessionId: session.id,
            operatorId: operator.id,
            reason,
            proposalSha256: hash,
            sessionExpiresAt: new Date(session.expiresAt).toISOString(),
          },
        }),
        idempotency: { owner: LEDGER_ITSELF, key: `break-glass-use/${held.id}` },
        projection: undefined,
      });
      if (used.replayed) throw notPending(id, 'COMMITTED');
      // Approvals of this very proposal given before the glass was broken still count: their
      // approvers keep their share, beside the operator's.
      const approvals = (
        await tx.find(
          DecisionReviewEntity,
          { decisionId: id, verdict: 'APPROVAL', proposalSha256: hash },
          { orderBy: { entryIndex: 'asc' } },
        )
      ).map((r) => ({ entryIndex: String(r.entryIndex), reviewerId: r.reviewerId }));
      const view = await this.deps.decisions.commitHeld(held, approvals, operator.id);
      held.status = 'COMMITTED';
      held.ledgerIndex = view.index!.toString();
      held.decidedAt = now;
      await outbox.write(tx, [statusEvent(held, 'COMMITTED', approvals.length)]);
      logger.warn(
        { decisionId: id, sessionId, useIndex: used.index.toString() },
        'held decision committed with the glass broken',
      );
      return view;
    });
  }

  /** Rejects a pending decision (OPERATOR or ADMIN, never the proposing agent): it never binds. */
  async reject(id: string, reason: string): Promise<DecisionView> {
    const reviewer = this.requireReviewer(id, reason);
    await this.requireNotProposer(id, reviewer);
    await this.end(id, reason, reviewer.id, 'OPERATOR');
    return this.deps.decisions.get(id);
  }

  /**
   * Rejects a pending decision whose time is up, as the system. False when there is nothing to do (it
   * was decided meanwhile, or is not due yet), so the job and the sweep may both try.
   */
  private async expire(id: string): Promise<boolean> {
    const held = isUuid(id) ? await this.deps.em.findOne(HeldDecisionEntity, { id }) : null;
    if (held?.status !== 'PENDING_APPROVAL' || held.expiresAt > this.now()) return false;
    try {
      await this.end(id, `Expired unapproved at ${held.expiresAt.toISOString()}.`, SYSTEM_REVIEWER, 'SYSTEM');
      return true;
    } catch (err) {
      if (err instanceof ConflictError) return false;
      throw err;
    }
  }

  /**
   * Rejects, as the system, the held decision `id` if it is past its time, or (without an id) every
   * held decision past its time, oldest first, up to 500; returns how many it rejected. Only the
   * ledger service itself may ask (its jobs, hosted by the workers).
   */
  async expireDue(id?: string | null): Promise<number> {
    const { principal } = this.deps;
    if (principal.kind !== 'service' || principal.id !== LEDGER_ITSELF) {
      throw new ForbiddenError('Only the ledger’s own jobs expire held decisions.');
    }
    if (id) return (await this.expire(id)) ? 1 : 0;
    const due = await this.deps.em.find(
      HeldDecisionEntity,
      { status: 'PENDING_APPROVAL', expiresAt: { $lte: this.now() } },
      { orderBy: { expiresAt: 'asc' }, limit: 500, fields: ['id'] },
    );
    let expired = 0;
    for (const { id: due1 } of due) if (await this.expire(due1)) expired++;
    return expired;
  }

  private async end(id: string, reason: string, reviewerId: string, by: 'OPERATOR' | 'SYSTEM') {
    const { em, log, outbox } = this.deps;
    await em.transactional(async (tx) => {
      const held = await this.lockPending(tx, id);
      const hash = proposalSha256(held.id, held.agentId, held.proposal);
      const appended = await log.append({
        kind: decisionRejectionKind,
        entry: (recordedAt) => ({
          kind: decisionRejectionKind.kind,
          entryId: newId(),
          recordedAt,
          recordedBy: LEDGER_ITSELF,
          ...(by === 'OPERATOR' ? { actorId: reviewerId } : {}),
          body: { decisionId: held.id, agentId: held.agentId, proposalSha256: hash, reason, by },
        }),
        idempotency: { owner: LEDGER_ITSELF, key: `rejection/${held.id}` },
        projection: { decisionId: held.id, reviewerId, proposalSha256: hash, reason },
      });
      if (appended.replayed) throw notPending(id, 'REJECTED');
      held.status = 'REJECTED';
      held.decidedAt = this.now();
      const approvals = await tx.count(DecisionReviewEntity, { decisionId: id, verdict: 'APPROVAL' });
      await outbox.write(tx, [statusEvent(held, by === 'SYSTEM' ? 'EXPIRED' : 'REJECTED', approvals)]);
    });
    this.deps.logger.info({ decisionId: id, by }, 'held decision rejected');
  }

  /** The held row, locked for the rest of the transaction; NOT_FOUND or CONFLICT unless pending. */
  private async lockPending(tx: EntityManager, id: string): Promise<HeldDecision> {
    const held = await tx.findOne(
      HeldDecisionEntity,
      { id },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    if (!held) throw new NotFoundError(`No held decision has id ${id}.`);
    if (held.status !== 'PENDING_APPROVAL') throw notPending(id, held.status);
    return held;
  }

  /** The caller as a reviewer: a person with OPERATOR or ADMIN, giving a reason; checked before anything is read. */
  private requireReviewer(id: string, reason: string): Principal {
    const { principal } = this.deps;
    if (principal.kind !== 'agent' || !hasRole(principal, 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError('Approving or rejecting a held decision needs the OPERATOR or ADMIN role.');
    }
    const problems: { path: string; reason: string }[] = [];
    if (!isUuid(id)) problems.push({ path: 'id', reason: 'must be a decision id (UUID)' });
    if (reason.trim().length === 0) problems.push({ path: 'reason', reason: 'must not be blank' });
    if (reason.length > MAX_REASON_LENGTH)
      problems.push({ path: 'reason', reason: `at most ${MAX_REASON_LENGTH} characters` });
    if (problems.length > 0) {
      throw new BadUserInputError(
        `Invalid review: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
        problems,
      );
    }
    return principal;
  }

  private async requireNotProposer(id: string, reviewer: Principal): Promise<void> {
    const held = await this.deps.em.findOne(HeldDecisionEntity, { id });
    if (!held) throw new NotFoundError(`No held decision has id ${id}.`);
    if (held.agentId === reviewer.id) {
      throw new ForbiddenError('The agent that proposed a decision may not review it.');
    }
  }
}

function alreadyApproved(id: string): ConflictError {
  return new ConflictError(`You have already approved decision ${id}; an approval counts once.`, [
    { path: 'id', reason: 'already approved by the caller' },
  ]);
}

function notPending(id: string, status: string): ConflictError {
  return new ConflictError(`Decision ${id} is ${status}, not PENDING_APPROVAL.`, [
    { path: 'id', reason: `the decision is ${status}` },
  ]);
}

function routing(held: HeldDecision) {
  return { agentId: held.agentId, jurisdiction: held.jurisdiction, category: held.category };
}

function statusEvent(
  held: HeldDecision,
  change: 'HELD' | 'APPROVED' | 'COMMITTED' | 'REJECTED' | 'EXPIRED',
  approvals: number,
): OutboxEvent {
  return {
    topic: DECISION_STATUS_CHANGED,
    key: { id: held.id },
    attributes: {
      ...routing(held),
      status: held.status,
      change,
      approvals: String(approvals),
      ...(held.ledgerIndex ? { ledgerIndex: String(held.ledgerIndex) } : {}),
    },
  };
}
