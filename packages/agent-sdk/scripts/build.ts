/**
 * Builds `@ecp/agent-sdk` as it is published (`npm publish packages/agent-sdk/dist`), with tsup 8.5:
 *
 * - `index.js`, the core for browsers and every runtime with `fetch` and a WebSocket (platform
 *   neutral), and `node.js`, the Node entry that adds `ws` and imports `index.js` beside it (platform
 *   node); ESM, ES2022;
 * - our own workspace code they import (`@ecp/ledger-format`, `@ecp/merkle`: TypeScript sources that
 *   are never published) bundled in, every third-party dependency left to the consumer's install;
 * - `index.d.ts` and `node.d.ts`, with the types of that workspace code inlined as well;
 * - `package.json`: the published manifest, whose dependencies are the third-party ones only;
 * - `README.md` and `CHANGELOG.md` from this package.
 *
 * It fails, writing why, when one of those is missing or a declaration or module still names `@ecp/`.
 */
import {
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Options } from 'tsup';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO_ROOT = join(PACKAGE_DIR, '..', '..');
const OUT_DIR = join(PACKAGE_DIR, 'dist');
const TSCONFIG = join(PACKAGE_DIR, 'tsconfig.json');
const ENTRIES = { index: join(PACKAGE_DIR, 'src/index.ts'), node: join(PACKAGE_DIR, 'src/node.ts') };
/** Shipped beside the code: npm shows the README as the package's page. */
const DOCUMENTS = ['README.md', 'CHANGELOG.md'];
/** Our workspace packages: bundled, never a dependency of the published package. */
const WORKSPACE = /^@ecp\//;

interface Manifest {
  name: string;
  version: string;
  description?: string;
  license?: string;
  dependencies?: Record<string, string>;
  exports?: Record<string, unknown>;
}

function fail(message: string): never {
  console.error(`@ecp/agent-sdk build: ${message}`);
  process.exit(1);
}

const source = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as Manifest;

const missing = DOCUMENTS.filter((f) => !existsSync(join(PACKAGE_DIR, f)));
if (missing.length > 0)
  fail(
    `${missing.map((f) => `packages/agent-sdk/${f}`).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing: the published package ships ${DOCUMENTS.join(' and ')}, so write them first.`,
  );

const thirdParty = Object.entries(source.dependencies ?? {}).filter(([name]) => !WORKSPACE.test(name));
const unpinned = thirdParty.filter(([, version]) => !/^\d+\.\d+\.\d+$/.test(version));
if (unpinned.length > 0)
  fail(
    `dependencies must be pinned to exact versions, as they are published: ${unpinned.map(([n, v]) => `${n}@${v}`).join(', ')}.`,
  );

/**
 * TypeScript `paths` sending each `@ecp/…` specifier the package reaches, directly or through another
 * workspace package, to its source file by that package's `exports` (`./*` → `./src/*.ts`). Resolved
 * this way rather than through node_modules, the declaration bundler inlines their types instead of
 * leaving imports of packages no one can install.
 */
function workspacePaths(): Record<string, string[]> {
  const paths: Record<string, string[]> = {};
  const queue = Object.keys(source.dependencies ?? {}).filter((n) => WORKSPACE.test(n));
  const seen = new Set<string>();
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (seen.has(name)) continue;
    seen.add(name);
    const dir = realpathSync(join(REPO_ROOT, 'node_modules', name));
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      if (typeof target === 'string') paths[`${name}${subpath.slice(1)}`] = [join(dir, target)];
    }
    queue.push(...Object.keys(manifest.dependencies ?? {}).filter((n) => WORKSPACE.test(n)));
  }
  return paths;
}

const common: Options = {
  config: false,
  format: ['esm'],
  target: 'es2022',
  outDir: OUT_DIR,
  tsconfig: TSCONFIG,
  noExternal: [WORKSPACE],
  external: thirdParty.map(([name]) => new RegExp(`^${name}(/|$)`)),
  sourcemap: false,
  splitting: false,
  dts: false,
};

rmSync(OUT_DIR, { recursive: true, force: true });
await build({ ...common, entry: { index: ENTRIES.index }, platform: 'neutral' });
// The Node entry imports the core as the module beside it, so the two entries share one copy of every
// class (an error thrown by one is `instanceof` the other's) and the package ships the client once.
await build({
  ...common,
  entry: { node: ENTRIES.node },
  platform: 'node',
  esbuildPlugins: [
    {
      name: 'core-beside',
      setup(b) {
        b.onResolve({ filter: /^\.\/index$/ }, () => ({ path: './index.js', external: true }));
      },
    },
  ],
});

const manifest = {
  name: source.name,
  version: source.version,
  description: source.description,
  license: source.license,
  type: 'module',
  sideEffects: false,
  engines: { node: '>=20' },
  exports: {
    '.': {
      node: { types: './node.d.ts', default: './node.js' },
      types: './index.d.ts',
      default: './index.js',
    },
    './package.json': './package.json',
  },
  dependencies: Object.fromEntries(thirdParty),
};
writeFileSync(join(OUT_DIR, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

// tsup leaves external every dependency of the package.json in its working directory, and the source
// one names @ecp/ledger-format and @ecp/merkle. From dist/, the externals are exactly what the
// published manifest lists.
const cwd = process.cwd();
process.chdir(OUT_DIR);
try {
  await build({
    ...common,
    entry: ENTRIES,
    dts: { only: true, compilerOptions: { paths: workspacePaths() } },
  });
} finally {
  process.chdir(cwd);
}

for (const file of DOCUMENTS) copyFileSync(join(PACKAGE_DIR, file), join(OUT_DIR, file));

const built = readdirSync(OUT_DIR);
for (const expected of ['index.js', 'node.js', 'index.d.ts', 'node.d.ts'])
  if (!built.includes(expected)) fail(`dist/${expected} was not written.`);
for (const file of built.filter((f) => /\.(js|d\.ts)$/.test(f))) {
  if (readFileSync(join(OUT_DIR, file), 'utf8').includes('@ecp/'))
    fail(
      `${relative(PACKAGE_DIR, join(OUT_DIR, file))} still names @ecp/: it would not resolve once published.`,
    );
}
console.log(
  `@ecp/agent-sdk ${source.version}: ${built.sort().join(', ')} in ${relative(REPO_ROOT, OUT_DIR)}/`,
);
