import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * Two pages, one build: the dashboard (`/`) and the playground (`/playground`), written to `dist/`
 * with every script, style and font inside it — the gateway serves that folder and nothing is ever
 * loaded from elsewhere.
 */
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    rolldownOptions: {
      input: {
        dashboard: resolve(import.meta.dirname, 'index.html'),
        playground: resolve(import.meta.dirname, 'playground.html'),
      },
    },
  },
  optimizeDeps: {
    // GraphiQL's worker setup imports Monaco's workers with Vite's `?worker` suffix, which the dev
    // server's dependency pre-bundling cannot load: served as they are, Vite's worker transform builds
    // them. (The production build handles them either way.)
    exclude: ['graphiql/setup-workers/vite', '@graphiql/react/setup-workers/vite'],
  },
  server: {
    // `npm run dev` beside a running gateway: the API and its sockets are the gateway's.
    proxy: {
      '/graphql': { target: 'http://127.0.0.1:4000', ws: true },
      '/auth': 'http://127.0.0.1:4000',
      '/ledger': 'http://127.0.0.1:4000',
    },
  },
});
