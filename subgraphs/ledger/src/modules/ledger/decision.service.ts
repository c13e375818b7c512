import { isUuid, newId } from '@ecp/db/ids';
import {
  BadUserInputError,
  ConflictError,
  ForbiddenError,
  InvalidAdviceError,
  InvalidSignatureError,
  NotFoundError,
  PayloadTooLargeError,
  UnknownPrecedentError,
} from '@ecp/errors/errors';
import type { Principal } from '@ecp/identity/principal';
import { hasRole } from '@ecp/identity/principal';
import { withinAny } from '@ecp/jurisdictions/jurisdiction';
import { canonicalBytes, canonicalJson } from '@ecp/ledger-format/canonical-json';
import {
  DECISION_KIND,
  DECISION_KIND_V1,
  type DecisionBody,
  type DecisionEntry,
  type DecisionEntryV3,
  type DecisionFirewallPart,
  decisionSigningMessage,
} from '@ecp/ledger-format/decision-entry';
import { type DecisionInput, decisionBodyOf } from '@ecp/ledger-format/decision-input';
import { validateEntry } from '@ecp/ledger-format/entry-schemas';
import { signatureRefusal } from '@ecp/ledger-format/signature-check';
import type { Logger } from '@ecp/logging/logger';
import { equalBytes, fromHex, toHex } from '@ecp/merkle/hash';
import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { AgentEntity } from '../agents/agent.entity';
import type { FirewallService } from '../firewall/firewall.service';
import type { FirewallGate } from '../firewall/firewall-gate';
import type { HoldReason } from '../firewall/gate';
import type { DecisionStatus, HeldDecision } from '../firewall/held-decision.entity';
import { allocateLiability } from '../liability/liability-allocation';
import type { LiabilityRulesService } from '../liability/liability-rules.service';
import { type AdviceChecker, type ConfirmedAdvice, namedAdvice } from './advice-checker';
import { decisionKind } from './decision.kind';
import { AgentKeyEntity, DecisionEntity, type DecisionRecord, EntryEntity } from './ledger.entities';
import type { LedgerLog } from './ledger-log';
import { ledgerStore } from './ledger-store';
import { MAX_LEDGER_NUMBER, parseLedgerNumber } from './numbers';
import { withPgClient } from './pg-client';

/** What an agent sends to record a decision (the GraphQL input, unvalidated). */
export interface RecordDecisionInput extends DecisionInput {
  signature?: { keyId: string; value: string } | null;
}

/**
 * A decision as read back: its queryable row, its entry (the record itself) and where it sits in the
 * tree. A decision the firewall holds (or rejected) has no place in the tree: `index`, `leafHash`,
 * `treeSize` and `canonicalJson` are null, and `entry` is the entry it would be written as.
 */
export interface DecisionView {
  id: string;
  agentId: string;
  index: bigint | null;
  leafHash: Uint8Array | null;
  treeSize: bigint | null;
  /** When the ledger appended it; for a decision not committed, when it was proposed. */
  recordedAt: Date;
  /** The entry of either decision kind: read `tagsAndAdvice` rather than v2's fields. */
  entry: DecisionEntry;
  canonicalJson: string | null;
  signingKeyId: string | null;
  status: DecisionStatus;
  /** What the firewall kept of it when it held it; null for a decision that committed at once. */
  held: HeldDecision | null;
}

/** A committed decision's view: its place in the tree is known. */
export type CommittedView = DecisionView & { index: bigint; leafHash: Uint8Array; treeSize: bigint };

export interface RecordedDecision {
  decision: DecisionView;
  replayed: boolean;
}

/** The hold reasons of a decision, `[]` when it committed at once. */
export function holdReasonsOf(view: DecisionView): HoldReason[] {
  return view.held?.holdReasons ?? [];
}

export interface DecisionFilter {
  agentId?: string | null;
  jurisdiction?: string | null;
  category?: string | null;
  recordedAfter?: Date | null;
  recordedBefore?: Date | null;
}

interface Deps {
  em: EntityManager;
  principal: Principal;
  requestId: string;
  logger: Logger;
  log: LedgerLog;
  /** Confirms the advice a decision names with the subgraph that gave it. */
  advice: AdviceChecker;
  maxEntryBytes: number;
  /** The Liability Firewall's gate; null when it is off (every decision commits at once). */
  gate: FirewallGate | null;
  /** Keeps what the gate holds (built after this service, which it uses to commit). */
  firewall: () => FirewallService;
  /** The liability rules a commit allocates by. */
  liabilityRules: LiabilityRulesService;
}

/** The firewall part of a decision that was never held. */
const NOT_HELD: DecisionFirewallPart = {
  holdReasons: [],
  proposalSha256: null,
  approvals: [],
  frictionAssessmentId: null,
  liability: null,
};

/**
 * Recording and reading decisions. A decision is validated (its kind's JSON Schema, its chosen option,
 * the agent's jurisdictions, its signature, its precedents, its size, the advice it names) before it is
 * appended; anything refused leaves the ledger unchanged. Decisions are written as `ecp.decision/v2`;
 * those written as v1 are read alongside.
 */
export class DecisionService {
  private readonly byId: DataLoader<string, DecisionView | null>;

  constructor(private readonly deps: Deps) {
    this.byId = new DataLoader(async (ids) => {
      const views: DecisionView[] = await this.viewsOf(
        await deps.em.find(DecisionEntity, { id: { $in: [...ids] } }),
      );
      const found = new Map(views.map((v) => [v.id, v]));
      // A decision not committed is the firewall's: its agent and people may read it, nobody else.
      const missing = ids.filter((id) => !found.has(id));
      for (const held of await deps.firewall().heldByIds(missing)) {
        if (mayReadHeld(deps.principal, held)) found.set(held.id, heldView(held));
      }
      return ids.map((id) => found.get(id) ?? null);
    });
  }

  /** Records a decision for the calling agent (role AGENT). A retry with the same idempotency key returns the first. */
  async record(input: RecordDecisionInput): Promise<RecordedDecision> {
    const { principal, em } = this.deps;
    if (principal.kind !== 'agent' || !hasRole(principal, 'AGENT')) {
      throw new ForbiddenError('Recording decisions needs the AGENT role.');
    }
    const body = decisionBodyOf(input);
    const decisionId = newId();
    const signature = input.signature
      ? { keyId: input.signature.keyId, algorithm: 'ed25519' as const, value: input.signature.value }
      : undefined;
    const entryAt = (recordedAt: string): DecisionEntryV3 => ({
      kind: DECISION_KIND,
      decisionId,
      agentId: principal.id,
      recordedAt,
      body,
      ...(signature ? { signature } : {}),
      firewall: NOT_HELD,
    });

    // Validate the exact entry that will be written; only the time differs, and its length is fixed.
    const draft = entryAt(new Date().toISOString());
    const problems = validateEntry(draft).map((p) => ({
      path: `input${p.path.replace(/^\/body/, '').replaceAll('/', '.')}`,
      reason: p.reason,
    }));
    problems.push(...semanticProblems(body, principal));
    if (problems.length > 0) {
      throw new BadUserInputError(
        `Invalid decision: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
        problems,
      );
    }
    const size = canonicalBytes(draft).length;
    if (size > this.deps.maxEntryBytes) {
      throw new PayloadTooLargeError(
        `The decision's record is ${size} bytes; the ledger accepts at most ${this.deps.maxEntryBytes}.`,
        [{ path: 'input', reason: `canonical form is ${size} bytes, limit ${this.deps.maxEntryBytes}` }],
      );
    }
    // A retry is answered with the first record only when it is the same decision; checked after
    // validation, so an invalid body is refused as invalid whatever its key.
    // Committed or held, a decision may already answer to this key: both are looked up at once.
    const [earlier, heldEarlier] = await Promise.all([
      em.findOne(DecisionEntity, { agentId: principal.id, idempotencyKey: input.idempotencyKey }),
      this.deps.firewall().heldByKey(principal.id, input.idempotencyKey),
    ]);
    if (earlier) {
      const view = (await this.viewsOf([earlier]))[0]!;
      assertSameDecision(view, body, signature);
      return { decision: view, replayed: true };
    }
    if (heldEarlier) {
      const view = heldView(heldEarlier);
      assertSameDecision(view, body, signature);
      return { decision: view, replayed: true };
    }
    const signingKeyId = signature ? await this.checkSignature(body, signature) : null;
    const cites = await this.checkPrecedents(body);
    // Last, since it asks another subgraph: only a decision valid in every other way is shown to it.
    const confirmed: ConfirmedAdvice = {};
    await this.checkAdvice(body, confirmed);
    const consortiumFollowed = await this.checkLesson(body);

    // The firewall decides before anything binds: a held decision is kept, not appended.
    if (this.deps.gate) {
      const { requestId, logger } = this.deps;
      const gated = await this.deps.gate.evaluate(body, confirmed, { principal, requestId, logger });
      if (gated.verdict.outcome === 'HOLD') {
        const held = await this.keepHeld({
          decisionId,
          agentId: principal.id,
          proposal: { body, signature: signature ?? null },
          signingKeyId,
          cites,
          verdict: gated.verdict,
          frictionAssessmentId: gated.frictionAssessmentId,
          policyVersion: gated.policyVersion,
          consortiumFollowed,
        });
        if (held) return held;
      }
      const firewall: DecisionFirewallPart = {
        ...NOT_HELD,
        frictionAssessmentId: gated.frictionAssessmentId,
        liability: await this.liabilityOf(body, principal.id, [], consortiumFollowed),
      };
      return this.append(decisionId, principal.id, body, signature, signingKeyId, cites, null, firewall);
    }
    return this.append(decisionId, principal.id, body, signature, signingKeyId, cites, null, NOT_HELD);
  }

  /**
   * The liability allocation of a decision at commit: the effective rules of its jurisdiction, with
   * the agent, its organisation, the approvers (in approval order) and the consortium when followed.
   */
  private async liabilityOf(
    body: DecisionBody,
    agentId: string,
    approverIds: readonly string[],
    consortiumFollowed: boolean,
    breakGlassUserId: string | null = null,
  ): Promise<DecisionFirewallPart['liability']> {
    const [rules, agent] = await Promise.all([
      this.deps.liabilityRules.effectiveFor(body.jurisdiction),
      this.deps.em.findOne(AgentEntity, { id: agentId }),
    ]);
    return allocateLiability(rules, {
      agentId,
      organisation: agent?.organisation ?? null,
      approverIds,
      consortiumFollowed,
      breakGlassUserId,
    });
  }

  /**
   * A lesson version the decision names must be one the learning consortium gave for this draft: it is
   * asked for that version's recommendation (an unknown version refuses the decision, INVALID_ADVICE).
   * Returns whether the consortium was followed: the chosen option is that recommendation's best.
   */
  private async checkLesson(body: DecisionBody): Promise<boolean> {
    const version = body.advice.lessonVersion;
    if (version === undefined) return false;
    const refuse = (reason: string) =>
      new InvalidAdviceError(`The lesson version the decision names is not confirmed: ${reason}.`, [
        { path: 'input.advice.lessonVersion', reason },
      ]);
    if (!this.deps.gate) throw refuse('no learning consortium is configured to check it');
    const { principal, requestId, logger } = this.deps;
    const best = await this.deps.gate.bestOption(body, version, { principal, requestId, logger });
    if (best === undefined)
      throw refuse(`the learning consortium has no lesson version ${version} for this draft`);
    return best === body.chosenOption;
  }

  /**
   * Commits a held decision exactly as it was proposed (its id, body and signature), once the firewall
   * has its approvals, or an operator commits it with the glass broken (`breakGlassUserId`, who then
   * takes the break-glass liability share). Its entry is appended like any other; a second commit of
   * it is a replay.
   */
  async commitHeld(
    held: HeldDecision,
    approvals: readonly { entryIndex: string; reviewerId: string }[],
    breakGlassUserId: string | null = null,
  ): Promise<CommittedView> {
    const { body, signature } = held.proposal;
    const firewall: DecisionFirewallPart = {
      holdReasons: held.holdReasons.map((r) => r.code),
      proposalSha256: held.proposalSha256,
      approvals: approvals.map((a) => a.entryIndex),
      frictionAssessmentId: held.frictionAssessmentId ?? null,
      liability: await this.liabilityOf(
        body,
        held.agentId,
        approvals.map((a) => a.reviewerId),
        held.consortiumFollowed,
        breakGlassUserId,
      ),
    };
    const recorded = await this.append(
      held.id,
      held.agentId,
      body,
      signature ?? undefined,
      held.signingKeyId ?? null,
      held.cites.map((c) => BigInt(c)),
      held,
      firewall,
    );
    return recorded.decision as CommittedView;
  }

  private async keepHeld(request: Parameters<FirewallService['hold']>[0]): Promise<RecordedDecision | null> {
    try {
      return { decision: heldView(await this.deps.firewall().hold(request)), replayed: false };
    } catch (err) {
      // Another request with the same key was held first: answer as a retry of it.
      if ((err as { code?: unknown })?.code !== '23505' && !/unique/i.test(String(err))) throw err;
      const { principal } = this.deps;
      this.deps.em.clear();
      const earlier = await this.deps
        .firewall()
        .heldByKey(principal.id, request.proposal.body.idempotencyKey);
      if (!earlier) throw err;
      const view = heldView(earlier);
      assertSameDecision(view, request.proposal.body, request.proposal.signature ?? undefined);
      return { decision: view, replayed: true };
    }
  }

  private async append(
    decisionId: string,
    agentId: string,
    body: DecisionBody,
    signature: DecisionEntryV3['signature'] | undefined,
    signingKeyId: string | null,
    cites: bigint[],
    held: HeldDecision | null,
    firewall: DecisionFirewallPart,
  ): Promise<RecordedDecision> {
    const entryAt = (recordedAt: string): DecisionEntryV3 => ({
      kind: DECISION_KIND,
      decisionId,
      agentId,
      recordedAt,
      body,
      ...(signature ? { signature } : {}),
      firewall,
    });
    let written: DecisionEntryV3 | undefined;
    const appended = await this.deps.log.append({
      kind: decisionKind,
      entry: (recordedAt) => {
        written = entryAt(recordedAt);
        return written;
      },
      idempotency: { owner: agentId, key: body.idempotencyKey },
      recordId: decisionId,
      projection: {
        row: {
          id: decisionId,
          agentId,
          jurisdiction: body.jurisdiction,
          category: body.category,
          chosenOption: body.chosenOption,
          confidence: body.confidence,
          idempotencyKey: body.idempotencyKey,
          signingKeyId,
          tags: body.tags,
          rationale: body.rationale,
          context: body.context,
        },
        cites,
      },
    });
    if (appended.replayed) {
      // Another request with the same key won the race: answer with what it recorded, if it is this decision.
      const view = await this.get(appended.recordId ?? decisionId);
      assertSameDecision(view, body, signature);
      return { decision: view, replayed: true };
    }
    this.deps.logger.info({ decisionId, ledgerIndex: appended.index.toString() }, 'decision recorded');
    // The view comes from what was just written, not from reading it back.
    return {
      decision: {
        id: decisionId,
        agentId,
        index: appended.index,
        leafHash: appended.leafHash,
        treeSize: appended.treeSize,
        recordedAt: new Date(written!.recordedAt),
        entry: written!,
        canonicalJson: appended.canonicalJson!,
        signingKeyId,
        status: 'COMMITTED',
        held,
      },
      replayed: false,
    };
  }

  /** A decision by id; NOT_FOUND when there is none. */
  async get(id: string): Promise<DecisionView> {
    if (!isUuid(id))
      throw new BadUserInputError(`"${id}" is not a decision id.`, [
        { path: 'id', reason: 'must be a UUID' },
      ]);
    const view = await this.byId.load(id);
    if (!view) throw new NotFoundError(`No decision has id ${id}.`);
    return view;
  }

  async findForReference(id: string): Promise<DecisionView | null> {
    return isUuid(id) ? this.byId.load(id) : null;
  }

  /**
   * Whether the caller may read decisions narrowed by `filter`: the one rule of the `decisions` query
   * and of the `decisionRecorded` subscription, which the gateway asks at subscribe time. Following
   * another agent, a jurisdiction or a category is what the ledger is for (SECURITY.md, "What an agent
   * sees of another agent's decisions"), so every authenticated caller may narrow by anything; what each
   * decision then shows is `visibility.ts`'s rule, applied on its fields. A filter that cannot match
   * what it names is refused (BAD_USER_INPUT), so a mistake is not read as "no decisions".
   */
  checkFilter(filter: DecisionFilter): void {
    if (filter.agentId && !isUuid(filter.agentId)) {
      throw new BadUserInputError('filter.agentId must be an agent id.', [
        { path: 'filter.agentId', reason: 'must be a UUID' },
      ]);
    }
  }

  /** Decisions matching `filter` (see `checkFilter`), newest first, by keyset on the ledger index. */
  async list(
    filter: DecisionFilter,
    page: { after?: string; before?: string; limit: number; inverted: boolean },
  ): Promise<CommittedView[]> {
    this.checkFilter(filter);
    const where: Record<string, unknown>[] = [];
    if (filter.agentId) where.push({ agentId: filter.agentId });
    if (filter.jurisdiction) where.push({ jurisdiction: filter.jurisdiction });
    if (filter.category) where.push({ category: filter.category });
    if (filter.recordedAfter) where.push({ recordedAt: { $gte: filter.recordedAfter } });
    if (filter.recordedBefore) where.push({ recordedAt: { $lt: filter.recordedBefore } });
    // Newest first: "after" a cursor means a smaller index.
    if (page.after) where.push({ ledgerIndex: { $lt: parseLedgerNumber(page.after, 'after').toString() } });
    if (page.before)
      where.push({ ledgerIndex: { $gt: parseLedgerNumber(page.before, 'before').toString() } });
    const rows = await this.deps.em.find(DecisionEntity, where.length ? { $and: where } : {}, {
      orderBy: { ledgerIndex: page.inverted ? 'asc' : 'desc' },
      limit: page.limit,
    });
    return this.viewsOf(rows);
  }

  /** The decisions a decision cites, in the order it cites them. */
  async precedentsOf(view: DecisionView): Promise<CommittedView[]> {
    const indexes = view.entry.body.precedents.map((p) => p.index);
    if (indexes.length === 0) return [];
    const rows = await this.deps.em.find(DecisionEntity, { ledgerIndex: { $in: indexes } });
    const byIndex = new Map((await this.viewsOf(rows)).map((v) => [v.index.toString(), v]));
    return indexes.flatMap((i) => byIndex.get(i) ?? []);
  }

  /** The decisions that cite this one, newest first. */
  async citedBy(
    view: DecisionView,
    page: { after?: string; before?: string; limit: number; inverted: boolean },
  ): Promise<CommittedView[]> {
    // Nothing cites a decision that is not in the ledger.
    if (view.index === null) return [];
    const bounds: string[] = [];
    const params: unknown[] = [view.index.toString()];
    if (page.after) {
      params.push(parseLedgerNumber(page.after, 'after').toString());
      bounds.push(`and citing_index < $${params.length}`);
    }
    if (page.before) {
      params.push(parseLedgerNumber(page.before, 'before').toString());
      bounds.push(`and citing_index > $${params.length}`);
    }
    params.push(page.limit);
    const citing = await withPgClient(this.deps.em, async (db) => {
      const { rows } = await db.query<{ citing_index: string }>(
        `select c.citing_index::text as citing_index from ledger.citation c where c.cited_index = $1 ${bounds.join(' ')}
          order by c.citing_index ${page.inverted ? 'asc' : 'desc'} limit $${params.length}`,
        params,
      );
      return rows.map((r) => r.citing_index);
    });
    if (citing.length === 0) return [];
    const rows = await this.deps.em.find(DecisionEntity, { ledgerIndex: { $in: citing } });
    const byIndex = new Map((await this.viewsOf(rows)).map((v) => [v.index.toString(), v]));
    return citing.flatMap((i) => byIndex.get(i) ?? []);
  }

  private async checkSignature(
    body: DecisionBody,
    signature: { keyId: string; value: string },
  ): Promise<string> {
    const { principal, em } = this.deps;
    const key = isUuid(signature.keyId) ? await em.findOne(AgentKeyEntity, { id: signature.keyId }) : null;
    const owned = key && key.agentId === principal.id ? key : null;
    const refusal = signatureRefusal(
      owned && { publicKey: new Uint8Array(owned.publicKey), revoked: Boolean(owned.revokedAt) },
      signature.value,
      decisionSigningMessage(principal.id, body),
      'sign the RFC 8785 canonical form of {kind, agentId, body} with the named key.',
    );
    if (refusal) throw new InvalidSignatureError(refusal.message, refusal.details);
    return owned!.id;
  }

  /**
   * Advice a decision names must be confirmed by the subgraph that gave it: it exists and is about this
   * agent's draft. Asked only when an id is named; any problem refuses the decision (INVALID_ADVICE).
   */
  private async checkAdvice(body: DecisionBody, confirmed: ConfirmedAdvice): Promise<void> {
    if (namedAdvice(body.advice).length === 0) return;
    const { principal, requestId, logger } = this.deps;
    const problems = await this.deps.advice.check({
      agentId: principal.id,
      body,
      principal,
      requestId,
      logger,
      confirmed,
    });
    if (problems.length > 0) {
      throw new InvalidAdviceError(
        `The advice the decision names is not confirmed: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
        problems,
      );
    }
  }

  /** Every citation must name an existing entry by index and its exact leaf hash. */
  private async checkPrecedents(body: DecisionBody): Promise<bigint[]> {
    const cited = body.precedents.map((p) => BigInt(p.index));
    if (cited.length === 0) return [];
    // An index past what a bigint holds names no entry; it must not reach SQL.
    const lookup = cited.filter((i) => i <= MAX_LEDGER_NUMBER);
    const stored = await withPgClient(this.deps.em, (db) => ledgerStore.leafHashes(db, lookup));
    const problems = body.precedents.flatMap((p, i) => {
      const leaf = stored.get(BigInt(p.index));
      if (!leaf) return [{ path: `input.precedents.${i}`, reason: `no ledger entry has index ${p.index}` }];
      if (!equalBytes(leaf, fromHex(p.leafHash, 32))) {
        return [
          { path: `input.precedents.${i}.leafHash`, reason: `entry ${p.index} has leaf hash ${toHex(leaf)}` },
        ];
      }
      return [];
    });
    if (problems.length > 0) {
      throw new UnknownPrecedentError(
        `Unknown precedent: ${problems.map((p) => p.reason).join('; ')}.`,
        problems,
      );
    }
    return [...new Set(cited)];
  }

  private async viewsOf(rows: DecisionRecord[]): Promise<CommittedView[]> {
    if (rows.length === 0) return [];
    const [entries, heldRows] = await Promise.all([
      this.deps.em.find(EntryEntity, { index: { $in: rows.map((r) => r.ledgerIndex) } }),
      this.deps.firewall().heldByIds(rows.map((r) => r.id)),
    ]);
    const byIndex = new Map(entries.map((e) => [e.index, e]));
    const held = new Map(heldRows.map((h) => [h.id, h]));
    return rows.flatMap((row) => {
      const entry = byIndex.get(row.ledgerIndex);
      if (!entry) return [];
      const canonicalJson = Buffer.from(entry.canonical).toString('utf8');
      return [
        {
          id: row.id,
          agentId: row.agentId,
          index: BigInt(row.ledgerIndex),
          leafHash: new Uint8Array(entry.leafHash),
          treeSize: BigInt(entry.treeSize),
          recordedAt: row.recordedAt,
          entry: JSON.parse(canonicalJson) as DecisionEntry,
          canonicalJson,
          signingKeyId: row.signingKeyId ?? null,
          status: 'COMMITTED' as const,
          held: held.get(row.id) ?? null,
        },
      ];
    });
  }
}

/**
 * An idempotency key names one decision: a retry must send the same body and signature as the record
 * it would be answered with, or it is a CONFLICT naming the key (never the old record, silently).
 */
function assertSameDecision(
  earlier: DecisionView,
  body: DecisionBody,
  signature: DecisionEntry['signature'] | undefined,
): void {
  // A v1 record said nothing of tags and advice: a retry sending none of either is the same decision.
  const recordedBody =
    earlier.entry.kind === DECISION_KIND_V1
      ? { ...earlier.entry.body, tags: [], advice: {} }
      : earlier.entry.body;
  const recorded = canonicalJson({ body: recordedBody, signature: earlier.entry.signature ?? null });
  const sent = canonicalJson({ body, signature: signature ?? null });
  if (recorded === sent) return;
  const key = body.idempotencyKey;
  const what =
    earlier.index !== null ? `ledger entry ${earlier.index}` : `decision ${earlier.id} (${earlier.status})`;
  throw new ConflictError(
    `The idempotency key ${JSON.stringify(key)} already names a different decision of this agent (${what}). Send the same decision to get its record again, or use a new key for a new decision.`,
    [
      {
        path: 'input.idempotencyKey',
        reason: `already used for ${what}, whose record differs`,
      },
    ],
  );
}

/** The advice as the entry keeps it: only the ids named, so that none named is `{}`. */
/** What JSON Schema cannot say: the chosen option is one of the options, ids are unique, the agent may act there. */
function semanticProblems(body: DecisionBody, principal: Principal): { path: string; reason: string }[] {
  const problems: { path: string; reason: string }[] = [];
  const ids = body.options.map((o) => o.id);
  if (new Set(ids).size !== ids.length)
    problems.push({ path: 'input.options', reason: 'option ids must be unique' });
  if (!ids.includes(body.chosenOption)) {
    problems.push({
      path: 'input.chosenOption',
      reason: `must be one of the option ids (${ids.join(', ')})`,
    });
  }
  // No jurisdictions means none: an agent acts only where it was registered to, and below.
  const allowed = principal.jurisdictions;
  if (!withinAny(body.jurisdiction, allowed)) {
    problems.push({
      path: 'input.jurisdiction',
      reason:
        allowed.length > 0
          ? `the agent acts in ${allowed.join(', ')} and their sub-jurisdictions only`
          : 'the agent is registered in no jurisdiction, so it may record decisions in none',
    });
  }
  return problems;
}

/** A decision the firewall kept, as read: the entry it would be written as, with no place in the tree. */
export function heldView(held: HeldDecision): DecisionView {
  const { body, signature } = held.proposal;
  return {
    id: held.id,
    agentId: held.agentId,
    index: held.ledgerIndex !== null && held.ledgerIndex !== undefined ? BigInt(held.ledgerIndex) : null,
    leafHash: null,
    treeSize: null,
    recordedAt: held.createdAt,
    entry: {
      kind: DECISION_KIND,
      decisionId: held.id,
      agentId: held.agentId,
      recordedAt: held.createdAt.toISOString(),
      body,
      ...(signature ? { signature } : {}),
      firewall: {
        holdReasons: held.holdReasons.map((r) => r.code),
        proposalSha256: held.proposalSha256,
        approvals: [],
        frictionAssessmentId: held.frictionAssessmentId ?? null,
        liability: null,
      },
    },
    canonicalJson: null,
    signingKeyId: held.signingKeyId ?? null,
    status: held.status,
    held,
  };
}

/** Who may read a decision that is not committed: the agent that proposed it, and people. */
function mayReadHeld(principal: Principal, held: HeldDecision): boolean {
  return (
    held.agentId === principal.id ||
    principal.kind === 'service' ||
    hasRole(principal, 'ANALYST', 'OPERATOR', 'ADMIN')
  );
}
