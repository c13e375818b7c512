/**
 * ECP's JSON profile: what a JSON value must be for the ledger to keep exactly what was sent.
 *
 * - RFC 8785 (canonical JSON) is defined over I-JSON (RFC 7493): strings must be Unicode text, so no
 *   lone surrogate and no noncharacter (RFC 7493 §2.1).
 * - U+0000 is valid JSON and valid I-JSON, but PostgreSQL's `text` and `jsonb` cannot hold it.
 * - Numbers are IEEE doubles (RFC 7493 §2.2, RFC 8785 §3.2.2.3), and the canonical form writes each as
 *   the shortest decimal that denotes its double. A number is kept only when that gives back the value
 *   that was written: `1e400` (Infinity, written back as `null`), `12345678901234567890` (kept as
 *   12345678901234567000), `9007199254740993` (…992) and `0.10000000000000001` (0.1) are refused rather
 *   than silently changed, while `0.1`, `2.5e300` and `9007199254740991` are kept. Whether a number
 *   changes shows only in how it was written, so this is checked where the text is
 *   (`numberLiteralProblem`); a parsed value can only be checked for being finite.
 *
 * Browser-safe: no Node-only API.
 */
export interface JsonProfileProblem {
  /** Where the value sits: object keys and array indexes from the root. */
  path: readonly (string | number)[];
  reason: string;
}

/** Code units worth a closer look: NUL, any surrogate, the BMP noncharacters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is one of the things this looks for.
const SUSPECT = /[\u0000\uD800-\uDFFF\uFDD0-\uFDEF\uFFFE\uFFFF]/;

/** The first way `text` falls outside the profile, or undefined when it is Unicode text PostgreSQL can store. */
export function stringProblem(text: string): string | undefined {
  if (!SUSPECT.test(text)) return undefined;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0) return 'contains U+0000, which the ledger cannot store';
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (low < 0xdc00 || low > 0xdfff)
        return `contains a lone surrogate (\\u${hex(unit)}): not Unicode text`;
      const codePoint = ((unit - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
      if ((codePoint & 0xfffe) === 0xfffe) return `contains the noncharacter U+${hex(codePoint)}`;
      i++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return `contains a lone surrogate (\\u${hex(unit)}): not Unicode text`;
    } else if ((unit >= 0xfdd0 && unit <= 0xfdef) || unit === 0xfffe || unit === 0xffff) {
      return `contains the noncharacter U+${hex(unit)}`;
    }
  }
  return undefined;
}

/** Why a parsed number falls outside the profile, or undefined when it is a finite double. */
export function numberProblem(value: number): string | undefined {
  return Number.isFinite(value) ? undefined : 'is not a finite number (JSON has no infinity)';
}

const NUMBER_LITERAL = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;

/**
 * Why a number as written (a JSON or GraphQL number literal) would not be kept as written, or undefined
 * when its value is that of the shortest decimal of the double it denotes, which is what the
 * canonical form writes.
 */
export function numberLiteralProblem(literal: string): string | undefined {
  const value = Number(literal);
  if (!Number.isFinite(value)) return numberProblem(value);
  const written = decimalOf(literal);
  const kept = decimalOf(String(value));
  if (!written || !kept) return undefined; // not a number literal: the parser's business
  if (
    written.digits === kept.digits &&
    written.exponent === kept.exponent &&
    written.negative === kept.negative
  ) {
    return undefined;
  }
  const shown = JSON.stringify(value);
  return `cannot be carried exactly by a JSON number (a double): it would be kept as ${shown}; send ${shown}, or the exact value as a string`;
}

/** A decimal literal as sign, significant digits and power of ten: `-1.50e2` → (true, "15", 1). */
function decimalOf(text: string): { negative: boolean; digits: string; exponent: number } | undefined {
  const match = NUMBER_LITERAL.exec(text.replace('e+', 'e'));
  if (!match) return undefined;
  const fraction = match[3] ?? '';
  const all = `${match[2]}${fraction}`.replace(/^0+/, '');
  const digits = all.replace(/0+$/, '');
  // Zero has no sign in the canonical form (-0 is written 0), and none here.
  if (digits === '') return { negative: false, digits: '', exponent: 0 };
  return {
    negative: match[1] === '-',
    digits,
    exponent: Number(match[4] ?? 0) - fraction.length + (all.length - digits.length),
  };
}

/**
 * Every place in `value` (a parsed JSON value: objects, arrays, strings, numbers, booleans, null) that
 * falls outside the profile, keys included; at most `limit` of them. Numbers as written are checked
 * where the text is (`numberLiteralProblem`).
 */
export function jsonProfileProblems(value: unknown, limit = 20): JsonProfileProblem[] {
  const problems: JsonProfileProblem[] = [];
  const visit = (node: unknown, path: (string | number)[]): void => {
    if (problems.length >= limit) return;
    if (typeof node === 'string') {
      const reason = stringProblem(node);
      if (reason) problems.push({ path: [...path], reason });
    } else if (typeof node === 'number') {
      const reason = numberProblem(node);
      if (reason) problems.push({ path: [...path], reason });
    } else if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) visit(node[i], [...path, i]);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        const reason = stringProblem(key);
        if (reason) problems.push({ path: [...path, key], reason: `its key ${reason}` });
        visit(child, [...path, key]);
      }
    }
  };
  visit(value, []);
  return problems.slice(0, limit);
}

/** A path as a JSON Pointer (RFC 6901): `/context/items/0`. */
export function jsonPointer(path: readonly (string | number)[]): string {
  return path.map((p) => `/${String(p).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}
