import { credibleInterval, type OptionData, posteriorAlong, posteriorMean } from './beta-posterior';

/**
 * A recommendation (LSP v0.1 lesson query answer) from the lesson versions along a path, and the
 * version string that names exactly those versions: `lsp1:<category>:k=<K>;<J>@<v>,<parent>@<v>,…`
 * (version 0: no lesson yet). Asking with that string gives the same answer, whatever was learned
 * since.
 */

export interface PathVersion {
  jurisdiction: string;
  version: number;
}

export interface RankedOption {
  option: string;
  expectedSuccess: number;
  interval: [number, number];
  effectiveSamples: number;
  priorFrom: string;
  alpha: number;
  beta: number;
}

export interface Recommendation {
  lessonVersion: string;
  jurisdiction: string;
  category: string;
  options: RankedOption[];
}

export function recommendationVersion(
  category: string,
  pseudoCount: number,
  path: readonly PathVersion[],
): string {
  return `lsp1:${category}:k=${pseudoCount};${path.map((p) => `${p.jurisdiction}@${p.version}`).join(',')}`;
}

const VERSION = /^lsp1:([a-z0-9][a-z0-9._-]{0,63}):k=([0-9]+(?:\.[0-9]+)?);(.+)$/;
const STEP = /^([A-Z][A-Z0-9_/-]*)@(0|[1-9][0-9]{0,9})$/;

export function parseRecommendationVersion(
  text: string,
): { category: string; pseudoCount: number; path: PathVersion[] } | null {
  const match = VERSION.exec(text);
  if (!match) return null;
  const path: PathVersion[] = [];
  for (const step of match[3]!.split(',')) {
    const m = STEP.exec(step);
    if (!m) return null;
    path.push({ jurisdiction: m[1]!, version: Number(m[2]) });
  }
  return { category: match[1]!, pseudoCount: Number(match[2]), path };
}

/**
 * Ranks `options` by posterior mean (ties: the order asked), each along the path with the data each
 * level holds for it.
 */
export function recommend(
  input: { jurisdiction: string; category: string; options: readonly string[]; pseudoCount: number },
  path: readonly { jurisdiction: string; version: number; options: Record<string, OptionData> | undefined }[],
): Recommendation {
  const ranked = input.options.map((option, asked) => {
    const { posterior, priorFrom } = posteriorAlong(
      path.map((level) => ({ jurisdiction: level.jurisdiction, data: level.options?.[option] })),
      input.pseudoCount,
    );
    return {
      asked,
      option,
      expectedSuccess: posteriorMean(posterior),
      interval: credibleInterval(posterior),
      effectiveSamples: posterior.alpha + posterior.beta,
      priorFrom,
      alpha: posterior.alpha,
      beta: posterior.beta,
    };
  });
  ranked.sort((a, b) => b.expectedSuccess - a.expectedSuccess || a.asked - b.asked);
  return {
    lessonVersion: recommendationVersion(input.category, input.pseudoCount, path),
    jurisdiction: input.jurisdiction,
    category: input.category,
    options: ranked.map(({ asked: _asked, ...o }) => o),
  };
}
