import { jsonPointer, jsonProfileProblems, numberLiteralProblem } from './json-profile';

/**
 * JSON.parse that refuses what JSON.parse silently accepts: an object with the same key twice.
 * `{"confidence": 0.9, "confidence": 0.1}` means 0.1 to one parser and 0.9 to another; a record of
 * truth must not be ambiguous, so ECP refuses such input everywhere it takes JSON.
 */
export class DuplicateKeyError extends Error {
  constructor(
    /** JSON Pointer (RFC 6901) of the object holding the duplicate. */
    readonly pointer: string,
    readonly key: string,
  ) {
    super(`duplicate key ${JSON.stringify(key)} in the object at ${pointer === '' ? '/' : pointer}`);
    this.name = 'DuplicateKeyError';
  }
}

/**
 * A value JSON.parse accepts but cannot give back as sent, or PostgreSQL cannot store (see
 * json-profile.ts): `1e400` becomes Infinity (and `null` when written again), `9007199254740993` becomes
 * …992, `"\u0000"` and `"\ud800"` are refused by jsonb.
 */
export class JsonProfileError extends Error {
  constructor(
    /** JSON Pointer (RFC 6901) of the value. */
    readonly pointer: string,
    readonly reason: string,
  ) {
    super(`the value at ${pointer === '' ? '/' : pointer} ${reason}`);
    this.name = 'JsonProfileError';
  }
}

/** Text that could hold a string outside the profile: an escape, a raw surrogate pair or noncharacter. */
const MAY_BREAK_STRINGS = /\\u|[\uD800-\uDFFF\uFDD0-\uFDEF\uFFFE\uFFFF]/;
/**
 * Text that could hold a number its canonical form would not give back: 16 or more digits, or an
 * exponent. A decimal of at most 15 significant digits always survives the round trip through a double.
 */
const MAY_BREAK_NUMBERS = /[0-9][0-9.]{15}|[0-9][eE]/;

/**
 * Parses `text` as JSON, throwing SyntaxError for invalid JSON, DuplicateKeyError for repeated keys and
 * JsonProfileError for a string or number the ledger could not keep exactly as sent.
 */
export function parseStrictJson(text: string): unknown {
  const value = JSON.parse(text) as unknown;
  // Only text that could hold an object with two keys, or a number that would change, needs the
  // structural pass; only text that could hold a bad string needs the walk of the value.
  const numbers = MAY_BREAK_NUMBERS.test(text);
  if (numbers || text.indexOf('{') !== -1) scanStructure(text, numbers);
  if (MAY_BREAK_STRINGS.test(text)) {
    const [problem] = jsonProfileProblems(value, 1);
    if (problem) throw new JsonProfileError(jsonPointer(problem.path), problem.reason);
  }
  return value;
}

/**
 * Scans valid JSON text for an object with a repeated key (after unescaping: "a" and "\u0061" are the
 * same key). Assumes the text already parsed, so only structure needs tracking.
 */
export function assertNoDuplicateKeys(text: string): void {
  scanStructure(text, false);
}

/**
 * One pass over valid JSON text: refuses a repeated key (DuplicateKeyError) and, when `numbers` is set,
 * a number its canonical form would not give back (JsonProfileError), each with where it is.
 */
function scanStructure(text: string, numbers: boolean): void {
  // One frame per open container: the keys seen (objects only) and the path segment it sits under.
  const stack: { keys: Set<string> | null; segment: string; nextKey: string | null; index: number }[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      const frame = stack[stack.length - 1];
      if (expectKey && frame?.keys) {
        const raw = text.slice(start + 1, i);
        const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : raw;
        if (frame.keys.has(key)) throw new DuplicateKeyError(pointerOf(stack), key);
        frame.keys.add(key);
        frame.nextKey = key;
        expectKey = false;
      }
    } else if (c === 0x7b /* { */) {
      stack.push({ keys: new Set(), segment: segmentFor(stack), nextKey: null, index: 0 });
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push({ keys: null, segment: segmentFor(stack), nextKey: null, index: 0 });
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      const frame = stack[stack.length - 1];
      if (frame?.keys) expectKey = true;
      else if (frame) frame.index++;
    } else if (numbers && (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39))) {
      let end = i + 1;
      while (end < text.length && /[0-9.eE+-]/.test(text[end]!)) end++;
      const problem = numberLiteralProblem(text.slice(i, end));
      if (problem) throw new JsonProfileError(pointerOf(stack) + segmentFor(stack), problem);
      i = end - 1;
    }
  }
}

function segmentFor(
  stack: readonly { keys: Set<string> | null; nextKey: string | null; index: number }[],
): string {
  const parent = stack[stack.length - 1];
  if (!parent) return '';
  const raw = parent.keys ? (parent.nextKey ?? '') : String(parent.index);
  return `/${raw.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

function pointerOf(stack: readonly { segment: string }[]): string {
  return stack.map((f) => f.segment).join('');
}
