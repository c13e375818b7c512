import { BadUserInputError, type ErrorDetail, ForbiddenError } from '@ecp/errors/errors';
import { hasRole, type Principal } from '@ecp/identity/principal';
import { ancestors, isJurisdiction, readJurisdiction } from '@ecp/jurisdictions/jurisdiction';
import { CATEGORY_PATTERN } from '@ecp/ledger-format/decision-entry';
import type { Logger } from '@ecp/logging/logger';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { LearningSettings } from '../../settings';
import { type JurisdictionVersion, JurisdictionVersionEntity } from './jurisdiction.entity';
import {
  type ApprovalRule,
  effectivePolicy,
  type JurisdictionDefinition,
  type JurisdictionPolicy,
  pathOf,
  wouldCycle,
} from './jurisdiction-policy';

export interface DefineJurisdictionInput {
  code: string;
  parent?: string | null;
  riskWeight?: number | null;
  frictionThreshold?: number | null;
  divergenceThreshold?: number | null;
  categoriesRequiringApproval?: readonly string[] | null;
  approvalRules?: readonly ApprovalRule[] | null;
}

/** The most categories one list names. */
const MAX_CATEGORIES = 100;

/** The LSP tree: jurisdictions defined by operators, versioned, and the policy each code has. */
export class JurisdictionService {
  private current: Promise<Map<string, JurisdictionDefinition>> | undefined;

  constructor(
    private readonly deps: {
      em: EntityManager;
      principal: Principal;
      logger: Logger;
      settings: LearningSettings;
    },
  ) {}

  /** The current version of every defined jurisdiction, read once per request. */
  definitions(): Promise<Map<string, JurisdictionDefinition>> {
    this.current ??= currentDefinitions(this.deps.em);
    return this.current;
  }

  /** A defined jurisdiction's current version; null when the code was never defined. */
  async get(code: string): Promise<JurisdictionVersion | null> {
    return ((await this.definitions()).get(code) as JurisdictionVersion | undefined) ?? null;
  }

  /** Every version of a code, newest first. */
  history(code: string): Promise<JurisdictionVersion[]> {
    return this.deps.em.find(JurisdictionVersionEntity, { code }, { orderBy: { version: 'desc' } });
  }

  /** The defined jurisdictions whose parent is `code`, by code. */
  async children(code: string): Promise<JurisdictionVersion[]> {
    const all = [...(await this.definitions()).values()] as JurisdictionVersion[];
    return all.filter((d) => d.parent === code).sort((a, b) => (a.code < b.code ? -1 : 1));
  }

  /** The effective policy of any code (readable by every authenticated caller). */
  async policy(code: string): Promise<JurisdictionPolicy> {
    if (!isJurisdiction(code)) {
      throw new BadUserInputError(`"${code}" is not a jurisdiction.`, [
        { path: 'code', reason: 'must be a jurisdiction path such as EU/DE' },
      ]);
    }
    return effectivePolicy(code, await this.definitions(), this.deps.settings.policyDefaults);
  }

  /** The path a code's lessons and policy follow, nearest first (`pathOf`). */
  async path(code: string): Promise<string[]> {
    return pathOf(code, await this.definitions());
  }

  /**
   * Defines a jurisdiction or redefines it as a new version (OPERATOR or ADMIN). Its parent must be
   * defined and must not lie below it; without one, it hangs below the nearest defined prefix.
   * Unset settings are inherited.
   */
  async define(input: DefineJurisdictionInput): Promise<JurisdictionVersion> {
    const { principal, em, logger } = this.deps;
    if (!hasRole(principal, 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError('Defining jurisdictions needs the OPERATOR or ADMIN role.');
    }
    const problems = inputProblems(input);
    if (problems.length > 0) throw invalid(problems);
    return em.transactional(async (tx) => {
      // One definer at a time: a cycle is a property of the whole tree.
      await tx.getConnection().execute("select pg_advisory_xact_lock(hashtext('learning:jurisdictions'))");
      const defined = await currentDefinitions(tx);
      const parent =
        input.parent === undefined || input.parent === null
          ? (ancestors(input.code).find((a) => defined.has(a)) ?? null)
          : input.parent;
      if (parent !== null) {
        if (!defined.has(parent)) {
          throw invalid([{ path: 'input.parent', reason: `${parent} is not a defined jurisdiction` }]);
        }
        if (parent === input.code || wouldCycle(input.code, parent, defined)) {
          throw invalid([
            { path: 'input.parent', reason: `${parent} lies below ${input.code}: that would make a cycle` },
          ]);
        }
      }
      const latest = defined.get(input.code);
      const row = tx.create(JurisdictionVersionEntity, {
        code: input.code,
        version: (latest?.version ?? 0) + 1,
        parent,
        riskWeight: input.riskWeight ?? null,
        frictionThreshold: input.frictionThreshold ?? null,
        divergenceThreshold: input.divergenceThreshold ?? null,
        categoriesRequiringApproval: input.categoriesRequiringApproval
          ? [...input.categoriesRequiringApproval]
          : null,
        approvalRules: input.approvalRules ? input.approvalRules.map((r) => ({ ...r })) : null,
        definedBy: principal.id,
        definedAt: new Date(),
      });
      await tx.flush();
      logger.info({ jurisdiction: row.code, version: row.version, parent }, 'jurisdiction defined');
      this.current = undefined;
      return row;
    });
  }
}

/**
 * The current version of every defined jurisdiction. Read on every recommendation and policy, so
 * straight from SQL (few rows; no entities to hydrate).
 */
export async function currentDefinitions(em: EntityManager): Promise<Map<string, JurisdictionDefinition>> {
  const rows = await em.getConnection().execute<
    {
      code: string;
      version: number;
      parent: string | null;
      risk_weight: number | null;
      friction_threshold: number | null;
      divergence_threshold: number | null;
      categories_requiring_approval: string[] | null;
      approval_rules: ApprovalRule[] | null;
      defined_by: string;
      defined_at: string;
    }[]
  >(
    `select distinct on (code) code, version, parent, risk_weight, friction_threshold, divergence_threshold,
            categories_requiring_approval, approval_rules, defined_by,
            to_char(defined_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as defined_at
       from learning.jurisdiction_version
      order by code, version desc`,
    [],
    'all',
    em.getTransactionContext(),
  );
  const current = new Map<string, JurisdictionDefinition>();
  for (const r of rows) {
    const definition: JurisdictionVersion = {
      code: r.code,
      version: r.version,
      parent: r.parent,
      riskWeight: r.risk_weight,
      frictionThreshold: r.friction_threshold,
      divergenceThreshold: r.divergence_threshold,
      categoriesRequiringApproval: r.categories_requiring_approval,
      approvalRules: r.approval_rules,
      definedBy: r.defined_by,
      definedAt: new Date(r.defined_at),
    };
    current.set(r.code, definition as JurisdictionDefinition);
  }
  return current;
}

function invalid(problems: ErrorDetail[]): BadUserInputError {
  return new BadUserInputError(
    `Invalid jurisdiction: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
    problems,
  );
}

function inputProblems(input: DefineJurisdictionInput): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const code = readJurisdiction(input.code);
  if (!code.ok) problems.push({ path: 'input.code', reason: code.problem });
  if (input.parent !== undefined && input.parent !== null) {
    const parent = readJurisdiction(input.parent);
    if (!parent.ok) problems.push({ path: 'input.parent', reason: parent.problem });
  }
  if (input.riskWeight != null && !(input.riskWeight >= 0 && input.riskWeight <= 1)) {
    problems.push({ path: 'input.riskWeight', reason: 'must be in [0, 1]' });
  }
  for (const name of ['frictionThreshold', 'divergenceThreshold'] as const) {
    const value = input[name];
    if (value != null && !(value > 0 && value <= 1)) {
      problems.push({ path: `input.${name}`, reason: 'must be in (0, 1]' });
    }
  }
  const categories = input.categoriesRequiringApproval;
  if (categories) {
    if (categories.length > MAX_CATEGORIES)
      problems.push({ path: 'input.categoriesRequiringApproval', reason: `at most ${MAX_CATEGORIES}` });
    categories.forEach((c, i) => {
      if (!CATEGORY_PATTERN.test(c))
        problems.push({
          path: `input.categoriesRequiringApproval.${i}`,
          reason: `must match ${CATEGORY_PATTERN.source}`,
        });
      else if (categories.indexOf(c) !== i)
        problems.push({ path: `input.categoriesRequiringApproval.${i}`, reason: `${c} is named twice` });
    });
  }
  const rules = input.approvalRules;
  if (rules) {
    if (rules.length > MAX_CATEGORIES)
      problems.push({ path: 'input.approvalRules', reason: `at most ${MAX_CATEGORIES}` });
    rules.forEach((r, i) => {
      if (!CATEGORY_PATTERN.test(r.category))
        problems.push({
          path: `input.approvalRules.${i}.category`,
          reason: `must match ${CATEGORY_PATTERN.source}`,
        });
      else if (rules.findIndex((o) => o.category === r.category) !== i)
        problems.push({ path: `input.approvalRules.${i}.category`, reason: `${r.category} has two rules` });
      if (!Number.isInteger(r.approvers) || r.approvers < 1 || r.approvers > 10)
        problems.push({ path: `input.approvalRules.${i}.approvers`, reason: 'must be an integer in 1..10' });
    });
  }
  return problems;
}
