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

/** Parses `text` as JSON, throwing SyntaxError for invalid JSON and DuplicateKeyError for repeated keys. */
export function parseStrictJson(text: string): unknown {
  const value = JSON.parse(text) as unknown;
  // Only text that could hold an object with two keys needs the second pass.
  if (text.indexOf('{') !== -1) assertNoDuplicateKeys(text);
  return value;
}

/**
 * Scans valid JSON text for an object with a repeated key (after unescaping: "a" and "\u0061" are the
 * same key). Assumes the text already parsed, so only structure needs tracking.
 */
export function assertNoDuplicateKeys(text: string): void {
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
