/** Where tests find the services they run against; CI and the machine provide these. */
export const testEnv = {
  /** An existing database the test kit connects to in order to create and drop per-test databases. */
  adminDatabaseUrl: process.env.ECP_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  /** Set to keep test databases after a run, for inspection. */
  keepDatabases: process.env.ECP_TEST_KEEP_DATABASES === '1',
  /** Log level of in-process services under test (silent unless debugging). */
  logLevel: process.env.ECP_TEST_LOG_LEVEL ?? 'silent',
};

/** What child processes started by tests inherit: enough to find node and tsx, nothing else. */
export function childEnv(): Record<string, string | undefined> {
  return { PATH: process.env.PATH, HOME: process.env.HOME, NODE_OPTIONS: '' };
}
