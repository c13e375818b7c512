/**
 * Jurisdictions are paths in one tree, written from the root down and separated by `/`: `EU`, `EU/DE`,
 * `EU/DE/BY`, `US/CA/SF`. Where an agent may act, where a decision applies, and (next) where advice and
 * lessons hold are all said with them, and "acts within" means "at that node or below it".
 *
 * The grammar is the one the decision entry schemas publish (`schema/ledger/`): one to eight
 * levels; each level one to 32 characters of `A–Z`, `0–9`, `_` and `-`; the first level starts with a
 * letter and every other level with a letter or a digit. It is strict on purpose: one spelling per
 * jurisdiction (no lower case, no spaces, no empty levels), so that comparing paths is comparing text.
 *
 * No Node-only API here: the dashboard uses the same functions in the browser.
 */

/** The most levels a jurisdiction path has (`A/B/C/D/E/F/G/H`). */
export const MAX_JURISDICTION_LEVELS = 8;

/** The most characters one level has. */
export const MAX_LEVEL_LENGTH = 32;

/** The grammar as one regular expression, for JSON Schema `pattern` and other validators. */
export const JURISDICTION_PATTERN = /^[A-Z][A-Z0-9_-]{0,31}(\/[A-Z0-9][A-Z0-9_-]{0,31}){0,7}$/;

const SEPARATOR = '/';
const LEVEL_CHARACTERS = /^[A-Z0-9_-]*$/;
const LETTER = /^[A-Z]$/;
const LETTER_OR_DIGIT = /^[A-Z0-9]$/;

/** The result of reading a path: its levels from the root down, or why it is not a jurisdiction. */
export type JurisdictionReading = { ok: true; levels: string[] } | { ok: false; problem: string };

/**
 * Reads `text` as a jurisdiction path. On failure `problem` says, in words a caller can show as is,
 * what is wrong and where (`level 2 ("de") may hold only A–Z, 0–9, "_" and "-"`).
 */
export function readJurisdiction(text: string): JurisdictionReading {
  if (text.length === 0) return { ok: false, problem: 'it is empty' };
  const levels = text.split(SEPARATOR);
  if (levels.length > MAX_JURISDICTION_LEVELS) {
    return {
      ok: false,
      problem: `it has ${levels.length} levels; a jurisdiction has at most ${MAX_JURISDICTION_LEVELS}`,
    };
  }
  for (const [i, level] of levels.entries()) {
    const problem = levelProblem(level, i === 0);
    if (problem) return { ok: false, problem: `level ${i + 1} ${problem}` };
  }
  return { ok: true, levels };
}

function levelProblem(level: string, first: boolean): string | null {
  if (level.length === 0) return 'is empty (no leading, trailing or doubled "/")';
  const shown = JSON.stringify(level.length > 40 ? `${level.slice(0, 40)}…` : level);
  if (level.length > MAX_LEVEL_LENGTH) {
    return `(${shown}) has ${level.length} characters; at most ${MAX_LEVEL_LENGTH}`;
  }
  if (!LEVEL_CHARACTERS.test(level)) return `(${shown}) may hold only A–Z, 0–9, "_" and "-"`;
  const start = level[0]!;
  if (first && !LETTER.test(start)) return `(${shown}) must start with a letter A–Z`;
  if (!first && !LETTER_OR_DIGIT.test(start)) return `(${shown}) must start with a letter A–Z or a digit`;
  return null;
}

/** Whether `text` is a jurisdiction path (the pattern agrees with `readJurisdiction`, without its reasons). */
export function isJurisdiction(text: unknown): text is string {
  return typeof text === 'string' && JURISDICTION_PATTERN.test(text);
}

/** The levels of a jurisdiction path from the root down (`EU/DE` → `EU`, `DE`); throws on anything else. */
export function parseJurisdiction(text: string): string[] {
  const reading = readJurisdiction(text);
  if (!reading.ok) throw new InvalidJurisdictionError(text, reading.problem);
  return reading.levels;
}

/** A string that is not a jurisdiction path, with the reason. */
export class InvalidJurisdictionError extends Error {
  constructor(
    readonly text: string,
    readonly problem: string,
  ) {
    super(`${JSON.stringify(text)} is not a jurisdiction path such as EU or EU/DE: ${problem}`);
    this.name = 'InvalidJurisdictionError';
  }
}

/**
 * The jurisdictions above `path`, nearest first: `EU/DE/BY` → `EU/DE`, `EU`; a root such as `EU` has
 * none. Throws when `path` is not a jurisdiction.
 */
export function ancestors(path: string): string[] {
  const levels = parseJurisdiction(path);
  const above: string[] = [];
  for (let depth = levels.length - 1; depth > 0; depth--) above.push(levels.slice(0, depth).join(SEPARATOR));
  return above;
}

/**
 * Whether `child` lies within `parent`: at it, or anywhere below it. `EU/DE` is within `EU` and
 * within itself; `EUX` is not within `EU`, nor `EU` within `EU/DE`. Fails closed: a string that is not
 * a jurisdiction is within nothing and contains nothing.
 */
export function within(child: string, parent: string): boolean {
  if (!isJurisdiction(child) || !isJurisdiction(parent)) return false;
  return child === parent || child.startsWith(`${parent}${SEPARATOR}`);
}

/** Whether `child` lies within at least one of `parents`; never within an empty list. */
export function withinAny(child: string, parents: readonly string[]): boolean {
  if (!isJurisdiction(child)) return false;
  return parents.some(
    (parent) => isJurisdiction(parent) && (child === parent || child.startsWith(`${parent}${SEPARATOR}`)),
  );
}
