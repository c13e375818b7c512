import { newId } from '@ecp/db/ids';
import { BadUserInputError, ForbiddenError, PayloadTooLargeError } from '@ecp/errors/errors';
import { hasRole, type Principal } from '@ecp/identity/principal';
import { isJurisdiction } from '@ecp/jurisdictions/jurisdiction';
import { canonicalBytes } from '@ecp/ledger-format/canonical-json';
import { validateEntry } from '@ecp/ledger-format/entry-schemas';
import type { Logger } from '@ecp/logging/logger';
import { decodeCursor, encodeCursor } from '@ecp/service-kit/cursor';
import type { KeysetPage } from '@ecp/service-kit/keyset';
import type { EntityManager } from '@mikro-orm/postgresql';
import { liabilityRulesKind } from '../entries/liability-rules.kind';
import type { LedgerLog } from '../ledger/ledger-log';
import { allocateLiability, type LiabilityAllocation, type LiabilityParties } from './liability-allocation';
import {
  canonicalTerms,
  DEFAULT_LIABILITY_RULES,
  type LiabilityRules,
  type LiabilityRuleTerms,
  liabilityRulesLookupOrder,
  liabilityRulesVersion,
  nearestRules,
  readLiabilityRules,
} from './liability-rules';
import { LiabilityRulesEntity, type LiabilityRulesRow } from './liability-rules.entity';

/** A new version of a jurisdiction's liability rules, as the GraphQL input gives it (unvalidated). */
export interface DefineLiabilityRulesInput extends LiabilityRuleTerms {
  jurisdiction: string;
  note?: string | null;
}

/** A what-if allocation: who would take part in a decision in `jurisdiction`. */
export interface LiabilityPreviewInput {
  jurisdiction: string;
  organisation?: string | null;
  approvers?: number | null;
  consortiumFollowed?: boolean | null;
  breakGlass?: boolean | null;
}

interface Deps {
  em: EntityManager;
  principal: Principal;
  logger: Logger;
  log: LedgerLog;
  maxEntryBytes: number;
}

/** Who records liability-rules entries: the ledger itself, for the person who defined them. */
const LEDGER_SERVICE = 'service:ledger';

const MAX_NOTE = 1000;

function jurisdictionProblem(path: string) {
  return { path, reason: 'must be a jurisdiction path such as EU or EU/DE' };
}

/**
 * Liability rules as data: per jurisdiction, versioned, inherited by code prefix (docs/liability.md).
 * Defining them is for operators and admins, and records an `ecp.liability-rules/v1` ledger entry;
 * reading the effective rules is for any authenticated caller, and for the firewall at commit.
 */
export class LiabilityRulesService {
  /** Effective rules by jurisdiction, for this request (the service lives one request). */
  private readonly effective = new Map<string, Promise<LiabilityRules>>();

  constructor(private readonly deps: Deps) {}

  /**
   * The rules that apply in `jurisdiction` now: the latest version defined for the code itself, else
   * for the nearest code above it (`EU/DE/BY` → `EU/DE` → `EU`), else the built-in `default@1`. One
   * indexed query per jurisdiction per request. A version never changes once defined, so callers may
   * cache rules by `version` for as long as they like; only which version is the latest can change.
   * BAD_USER_INPUT when `jurisdiction` is not a jurisdiction path.
   */
  effectiveFor(jurisdiction: string): Promise<LiabilityRules> {
    if (!isJurisdiction(jurisdiction)) {
      return Promise.reject(
        new BadUserInputError(`"${jurisdiction}" is not a jurisdiction.`, [
          jurisdictionProblem('jurisdiction'),
        ]),
      );
    }
    let found = this.effective.get(jurisdiction);
    if (!found) {
      found = this.lookUp(jurisdiction);
      this.effective.set(jurisdiction, found);
    }
    return found;
  }

  private async lookUp(jurisdiction: string): Promise<LiabilityRules> {
    const rows = await this.deps.em.find(LiabilityRulesEntity, {
      jurisdiction: { $in: liabilityRulesLookupOrder(jurisdiction) },
    });
    const nearest = nearestRules(rows, jurisdiction);
    return nearest ? rulesOf(nearest) : DEFAULT_LIABILITY_RULES;
  }

  /**
   * The versions defined for `jurisdiction` itself, newest first, one page of a Relay connection
   * (none for a code that never defined rules: its effective rules come from above it).
   */
  async history(jurisdiction: string, page: KeysetPage): Promise<LiabilityRules[]> {
    if (!isJurisdiction(jurisdiction)) {
      throw new BadUserInputError(`"${jurisdiction}" is not a jurisdiction.`, [
        jurisdictionProblem('jurisdiction'),
      ]);
    }
    const bound = (cursor: string, path: string) => {
      const [revision] = decodeCursor(cursor, 1);
      if (!Number.isSafeInteger(revision)) {
        throw new BadUserInputError('Invalid pagination cursor: pass a cursor returned by this connection.', [
          { path, reason: 'not a cursor of this connection' },
        ]);
      }
      return revision as number;
    };
    const revision: Record<string, number> = {};
    // Newest first: "after" a cursor means older revisions.
    if (page.after) revision.$lt = bound(page.after, 'after');
    if (page.before) revision.$gt = bound(page.before, 'before');
    const rows = await this.deps.em.find(
      LiabilityRulesEntity,
      { jurisdiction, ...(Object.keys(revision).length > 0 ? { revision } : {}) },
      { orderBy: { revision: page.inverted ? 'asc' : 'desc' }, limit: page.limit },
    );
    return rows.map(rulesOf);
  }

  static cursorOf(rules: LiabilityRules): string {
    return encodeCursor([rules.revision]);
  }

  /**
   * Defines a new version of a jurisdiction's rules (OPERATOR or ADMIN): validated — base shares
   * summing to exactly 1, takes to less than 1 — and recorded as an `ecp.liability-rules/v1` ledger
   * entry, whose append writes the version's row in the same transaction. Invalid rules are
   * BAD_USER_INPUT with every problem's path, and nothing is stored.
   */
  async define(input: DefineLiabilityRulesInput): Promise<LiabilityRules> {
    const { principal, em, log } = this.deps;
    if (!hasRole(principal, 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError('Defining liability rules needs the OPERATOR or ADMIN role.');
    }
    // The person who defined them: the caller, or the person an ECP service acts for.
    const definedBy = principal.kind === 'agent' ? principal.id : principal.actor?.id;
    if (!definedBy) throw new ForbiddenError('Liability rules are defined by a person (OPERATOR or ADMIN).');

    const { ppm, problems: ruleProblems } = readLiabilityRules({
      base: input.base,
      takes: input.takes,
      withoutOrganisation: input.withoutOrganisation,
    });
    const problems = ruleProblems.map((p) => ({ path: `input.${p.path}`, reason: p.reason }));
    if (!isJurisdiction(input.jurisdiction)) problems.unshift(jurisdictionProblem('input.jurisdiction'));
    const note = input.note ?? '';
    if (note.length > MAX_NOTE)
      problems.push({ path: 'input.note', reason: `at most ${MAX_NOTE} characters` });
    if (problems.length > 0 || !ppm) {
      throw new BadUserInputError(
        `Invalid liability rules: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
        problems,
      );
    }
    const jurisdiction = input.jurisdiction;
    const terms = canonicalTerms(ppm);

    return em.transactional(async (tx) => {
      // One definer per jurisdiction at a time, so revisions are gapless; the lock is held until the
      // entry (and with it the row) is committed, so the next definer sees this revision.
      await tx
        .getConnection()
        .execute(
          'select pg_advisory_xact_lock(hashtext(?))',
          [`ecp:liability-rules:${jurisdiction}`],
          'all',
          tx.getTransactionContext(),
        );
      const latest = await tx.findOne(
        LiabilityRulesEntity,
        { jurisdiction },
        { orderBy: { revision: 'desc' } },
      );
      const revision = (latest?.revision ?? 0) + 1;
      const rulesVersion = liabilityRulesVersion(jurisdiction, revision);
      const entryId = newId();
      const entryAt = (recordedAt: string) => ({
        kind: liabilityRulesKind.kind,
        entryId,
        recordedAt,
        recordedBy: LEDGER_SERVICE,
        actorId: definedBy,
        body: { jurisdiction, revision, rulesVersion, ...terms, note },
      });
      const draft = entryAt(new Date().toISOString());
      const invalid = validateEntry(draft);
      // The input was validated above; a schema problem here is the code's, not the caller's.
      if (invalid.length > 0)
        throw new Error(`liability-rules entry does not match its schema: ${JSON.stringify(invalid)}`);
      const size = canonicalBytes(draft).length;
      if (size > this.deps.maxEntryBytes) {
        throw new PayloadTooLargeError(
          `The rules' entry is ${size} bytes; the ledger accepts at most ${this.deps.maxEntryBytes}.`,
          [
            {
              path: 'input.note',
              reason: `the entry's canonical form is ${size} bytes, limit ${this.deps.maxEntryBytes}`,
            },
          ],
        );
      }
      const appended = await log.append({
        kind: liabilityRulesKind,
        entry: entryAt,
        projection: { jurisdiction, revision, rules: terms, note, createdBy: definedBy },
      });
      // What this request looked up before may no longer be the latest.
      this.effective.clear();
      this.deps.logger.info(
        { jurisdiction, rulesVersion, ledgerIndex: appended.index.toString() },
        'liability rules defined',
      );
      const recorded = JSON.parse(appended.canonicalJson ?? '{}') as { recordedAt?: string };
      return {
        ...terms,
        version: rulesVersion,
        jurisdiction,
        revision,
        note,
        createdBy: definedBy,
        createdAt: new Date(recorded.recordedAt ?? Date.now()),
        ledgerIndex: appended.index.toString(),
      };
    });
  }

  /**
   * What a decision in `jurisdiction` would be allocated under its effective rules, with these
   * parties: for operators checking rules before or after defining them. Any authenticated caller.
   */
  async preview(input: LiabilityPreviewInput): Promise<LiabilityAllocation> {
    const approvers = input.approvers ?? 0;
    if (!Number.isInteger(approvers) || approvers < 0 || approvers > 10) {
      throw new BadUserInputError('approvers must be between 0 and 10.', [
        { path: 'approvers', reason: 'must be an integer in [0, 10]' },
      ]);
    }
    const organisation = input.organisation?.trim() || null;
    const rules = await this.effectiveFor(input.jurisdiction);
    const parties: LiabilityParties = {
      agentId: 'agent',
      organisation,
      approverIds: Array.from({ length: approvers }, (_, i) => `approver ${i + 1}`),
      consortiumFollowed: input.consortiumFollowed ?? false,
      breakGlassUserId: input.breakGlass ? 'break-glass user' : null,
    };
    const allocation = allocateLiability(rules, parties);
    // Hypothetical parties have no ids; the organisation is named as given.
    return {
      ...allocation,
      shares: allocation.shares.map((s) => ({
        ...s,
        partyId: s.party === 'organisation' ? organisation : null,
      })),
    };
  }
}

function rulesOf(row: LiabilityRulesRow): LiabilityRules {
  return {
    base: row.rules.base,
    takes: row.rules.takes,
    withoutOrganisation: row.rules.withoutOrganisation,
    version: liabilityRulesVersion(row.jurisdiction, row.revision),
    jurisdiction: row.jurisdiction,
    revision: row.revision,
    note: row.note,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    ledgerIndex: row.entryIndex,
  };
}
