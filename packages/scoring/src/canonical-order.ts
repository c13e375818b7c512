/**
 * The one ordering of strings the package sorts by. Scores must not depend on the order their input came
 * in, so inputs are put in this order before anything is summed or resampled.
 */

/**
 * Compares two strings by UTF-16 code units, as `Array.prototype.sort` does by default. Unlike
 * `localeCompare` it gives the same order on every machine, whatever its locale.
 */
export function compareCodeUnits(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

/** Compares two string lists element by element with {@link compareCodeUnits}; a prefix sorts first. */
export function compareStringLists(a: readonly string[], b: readonly string[]): number {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) {
    const order = compareCodeUnits(a[i] as string, b[i] as string);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}
