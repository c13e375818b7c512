import { BadUserInputError } from '@ecp/errors/errors';
import type { z } from 'zod';

/** Parses with zod, or refuses (BAD_USER_INPUT) naming every problem's path from `root` (e.g. `input.title`): nothing is changed. */
export function parseOrRefuse<S extends z.ZodType>(
  what: string,
  schema: S,
  value: unknown,
  root: string,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => ({
    path: [root, ...i.path.map(String)].filter(Boolean).join('.'),
    reason: i.message,
  }));
  throw new BadUserInputError(
    `${what}: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
    problems,
  );
}
