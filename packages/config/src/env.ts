import type { z } from 'zod';

/** Raised when the environment does not describe a runnable configuration; lists every problem at once. */
export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: readonly string[],
  ) {
    super(`${service}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type EnvSource = Record<string, string | undefined>;

/**
 * Parses `source` (the process environment by default) with `schema`.
 * Throws a ConfigError naming every offending variable, never just the first.
 */
export function parseEnv<S extends z.ZodType>(
  service: string,
  schema: S,
  source: EnvSource = process.env,
): z.output<S> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.length > 0 ? issue.path.join('.') : '(environment)';
    const received = issue.path.length === 1 ? source[String(issue.path[0])] : undefined;
    return received === undefined
      ? `${name}: ${issue.message}`
      : `${name}=${JSON.stringify(received)}: ${issue.message}`;
  });
  throw new ConfigError(service, problems);
}

/**
 * Parses the environment at boot and exits the process with every problem listed when it is invalid.
 * The one place a service turns environment variables into typed configuration.
 */
export function loadEnvOrExit<S extends z.ZodType>(
  service: string,
  schema: S,
  source: EnvSource = process.env,
): z.output<S> {
  try {
    return parseEnv(service, schema, source);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** True in continuous integration, where generated files are checked rather than rewritten. */
export function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}
