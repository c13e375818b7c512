import { resolve } from 'node:path';
import { parseEnv } from '@ecp/config/env';
import { describe, expect, it } from 'vitest';
import { cliEnvSchema } from '../src/env';

describe("the ecp command's configuration", () => {
  it('takes relative directories from where ecp was started, since the servers it runs work from /', () => {
    const config = parseEnv('ecp', cliEnvSchema, { ECP_HOME: 'local/.ecp', ECP_SYSTEM_DIR: 'system' });
    expect(config.ECP_HOME).toBe(resolve('local/.ecp'));
    expect(config.ECP_SYSTEM_DIR).toBe(resolve('system'));
  });

  it('leaves REDIS_URL unset unless given, so ecp start can find or run a Redis', () => {
    const config = parseEnv('ecp', cliEnvSchema, {});
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.ECP_LOCAL_REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.ECP_EMBEDDED_REDIS_PORT).toBe(63799);
  });
});
