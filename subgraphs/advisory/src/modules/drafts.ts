import type { Principal } from '@ecp/identity/principal';
import { isJurisdiction, withinAny } from '@ecp/jurisdictions/jurisdiction';

export interface Problem {
  path: string;
  reason: string;
}

/** What a decision's category looks like (as in the decision entry's schema). */
const CATEGORY = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** The jurisdiction an agent names must be one it acts in (or below one). */
export function jurisdictionProblems(
  jurisdiction: string,
  principal: Principal,
  path = 'input.jurisdiction',
): Problem[] {
  if (!isJurisdiction(jurisdiction)) return [{ path, reason: 'must be a jurisdiction path such as EU/DE' }];
  if (!withinAny(jurisdiction, principal.jurisdictions)) {
    return [
      {
        path,
        reason:
          principal.jurisdictions.length > 0
            ? `the agent acts in ${principal.jurisdictions.join(', ')} and their sub-jurisdictions only`
            : 'the agent is registered in no jurisdiction',
      },
    ];
  }
  return [];
}

export function categoryProblems(category: string, path = 'input.category'): Problem[] {
  return CATEGORY.test(category) ? [] : [{ path, reason: 'must be lowercase, e.g. pricing or credit.limit' }];
}

/** Options of a draft or a poll: 1–64 (2–64 for a poll), ids of 1–128 characters, each once. */
export function optionProblems(ids: readonly string[], minimum: number, path = 'input.options'): Problem[] {
  const problems: Problem[] = [];
  if (ids.length < minimum || ids.length > 64) {
    problems.push({ path, reason: `must hold ${minimum} to 64 options, not ${ids.length}` });
  }
  ids.forEach((id, i) => {
    if (id.length < 1 || id.length > 128)
      problems.push({ path: `${path}.${i}.id`, reason: 'must be 1 to 128 characters' });
  });
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (repeated.length > 0) {
    problems.push({
      path,
      reason: `option ids must be unique; repeated: ${[...new Set(repeated)].join(', ')}`,
    });
  }
  return problems;
}

export function unitIntervalProblems(value: number | null | undefined, path: string): Problem[] {
  if (value === null || value === undefined) return [];
  return Number.isFinite(value) && value >= 0 && value <= 1 ? [] : [{ path, reason: 'must be in [0, 1]' }];
}

/** Whether two lists of option ids name the same options, in any order. */
export function sameOptions(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((id) => set.has(id));
}
