/**
 * The recommendation benchmark's shape: a tree of 10 countries with 9 regions each below `EU`, 10
 * categories of 5 options each — 100 jurisdictions × 10 categories = 1,000 lessons — and the varied
 * lesson queries callers send.
 */
export const COUNTRIES = 10;
export const REGIONS = 9;
export const CATEGORIES = Array.from({ length: 10 }, (_, i) => `cat-${i}`);
export const OPTIONS = ['a', 'b', 'c', 'd', 'e'];

/** The jurisdictions that hold lessons, each with its parent. */
export function jurisdictions(): { code: string; parent: string }[] {
  const out: { code: string; parent: string }[] = [];
  for (let c = 0; c < COUNTRIES; c++) {
    out.push({ code: `EU/C${c}`, parent: 'EU' });
    for (let r = 0; r < REGIONS; r++) out.push({ code: `EU/C${c}/R${r}`, parent: `EU/C${c}` });
  }
  return out;
}

/** A small seeded generator (mulberry32), so runs are comparable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const RECOMMEND = `query ($j: String!, $c: String!, $o: [String!]!) {
  recommendation(jurisdiction: $j, category: $c, options: $o) {
    lessonVersion options { option expectedSuccess interval effectiveSamples priorFrom }
  }
}`;

/** One varied query: a region, a country or a code below a region nobody defined; 2–5 options, sometimes a new one. */
export function query(r: () => number): { j: string; c: string; o: string[] } {
  const country = Math.floor(r() * COUNTRIES);
  const region = Math.floor(r() * REGIONS);
  const pick = r();
  const j =
    pick < 0.6
      ? `EU/C${country}/R${region}`
      : pick < 0.8
        ? `EU/C${country}`
        : `EU/C${country}/R${region}/CITY${Math.floor(r() * 50)}`;
  const c = CATEGORIES[Math.floor(r() * CATEGORIES.length)]!;
  const shuffled = [...OPTIONS].sort(() => r() - 0.5);
  const o = shuffled.slice(0, 2 + Math.floor(r() * 4));
  if (r() < 0.1) o.push(`new-${Math.floor(r() * 5)}`);
  return { j, c, o };
}
