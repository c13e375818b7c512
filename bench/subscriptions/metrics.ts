/** Reading the gateway's Prometheus `/metrics`: sums of samples by name, and histogram quantiles. */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Every sample of a Prometheus text exposition (comments skipped). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** A snapshot of the gateway's metrics. */
export class Metrics {
  constructor(
    readonly samples: readonly Sample[],
    /** When it was taken (ms, this process's wall clock). */
    readonly atMs: number,
  ) {}

  /** The sum of every sample of `name` (over all label sets); 0 when there is none. */
  sum(name: string): number {
    let total = 0;
    for (const s of this.samples) if (s.name === name) total += s.value;
    return total;
  }

  /** Cumulative bucket counts of a histogram by upper bound, summed over its other labels. */
  buckets(name: string): Map<number, number> {
    const counts = new Map<number, number>();
    for (const s of this.samples) {
      if (s.name !== `${name}_bucket` || s.labels.le === undefined) continue;
      const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
      counts.set(le, (counts.get(le) ?? 0) + s.value);
    }
    return counts;
  }
}

export async function scrape(origin: string): Promise<Metrics> {
  const res = await fetch(`${origin}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`${origin}/metrics answered ${res.status}`);
  const text = await res.text();
  return new Metrics(parseMetrics(text), Date.now());
}

/**
 * The q-quantile (0..1) of what a histogram observed between two snapshots, interpolated linearly
 * within the bucket as Prometheus' `histogram_quantile` does (the lowest bucket starts at 0; a
 * quantile in the +Inf bucket is reported as the highest finite bound). NaN with no observations.
 */
export function histogramQuantile(
  q: number,
  before: Map<number, number>,
  after: Map<number, number>,
): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const cumulative = bounds.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const total = cumulative[cumulative.length - 1] ?? 0;
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (cumulative[i]! < rank) continue;
    const upper = bounds[i]!;
    const lower = i === 0 ? 0 : bounds[i - 1]!;
    if (!Number.isFinite(upper)) return lower;
    const below = i === 0 ? 0 : cumulative[i - 1]!;
    const inBucket = cumulative[i]! - below;
    return inBucket <= 0 ? upper : lower + ((upper - lower) * (rank - below)) / inBucket;
  }
  return bounds[bounds.length - 2] ?? Number.NaN;
}

/** The share of a histogram's observations between two snapshots that fell at or below bucket bound `le`. */
export function shareWithin(le: number, before: Map<number, number>, after: Map<number, number>): number {
  const delta = (bound: number) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0);
  const total = delta(Number.POSITIVE_INFINITY);
  return total > 0 ? delta(le) / total : Number.NaN;
}
