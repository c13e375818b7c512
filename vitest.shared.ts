import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * The test configuration every workspace shares.
 *
 * graphql 16 ships both CommonJS and ESM builds. Apollo's packages load the CommonJS one; Vite would
 * hand our own code the ESM one, and the two realms' GraphQLError/GraphQLSchema do not recognise each
 * other. Pointing `graphql` at the CommonJS entry keeps one realm, as in production under Node.
 */
export default defineConfig({
  resolve: {
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
