import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, parseEnv } from './env';
import { flag, port, postgresUrl, secret } from './schemas';

const schema = z.object({
  PORT: port(4000),
  DATABASE_URL: postgresUrl,
  SECRET: secret('SECRET'),
  VERBOSE: flag(false),
});

describe('parseEnv', () => {
  it('coerces and defaults values', () => {
    const env = parseEnv('svc', schema, {
      DATABASE_URL: 'postgres://x@localhost/db',
      SECRET: 'a'.repeat(32),
    });
    expect(env).toEqual({
      PORT: 4000,
      DATABASE_URL: 'postgres://x@localhost/db',
      SECRET: 'a'.repeat(32),
      VERBOSE: false,
    });
    expect(
      parseEnv('svc', schema, {
        DATABASE_URL: 'postgres://h/d',
        SECRET: 'b'.repeat(40),
        PORT: '4100',
        VERBOSE: 'true',
      }),
    ).toMatchObject({ PORT: 4100, VERBOSE: true });
  });

  it('lists every problem, not only the first', () => {
    let error: unknown;
    try {
      parseEnv('svc', schema, {
        PORT: '70000',
        DATABASE_URL: 'mysql://h/d',
        SECRET: 'short',
        VERBOSE: 'maybe',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/PORT="70000"/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL="mysql:\/\/h\/d": must be a postgres/);
    expect(problems.join('\n')).toMatch(/SECRET="short": SECRET must be at least 32 characters/);
    expect(problems.join('\n')).toMatch(/VERBOSE="maybe"/);
  });

  it('reports a missing required variable', () => {
    expect(() => parseEnv('svc', schema, { SECRET: 'c'.repeat(32) })).toThrow(/DATABASE_URL: /);
  });
});
