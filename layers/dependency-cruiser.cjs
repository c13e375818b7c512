/**
 * ECP's layer rules: which workspace may import which. Paths are relative to the repository root, and
 * an import is judged by the file it resolves to, so `@ecp/subgraph-ledger/subgraph` and
 * `../../subgraphs/ledger/src/subgraph` are the same import. Type-only imports count too.
 *
 * Run by `npm run lint:layers` (part of `npm run lint` and `npm test`); `layers/test/` shows that each
 * rule fails a tree that breaks it. ARCHITECTURE.md ("Layers") says why the lines are where they are.
 */
const { workspaces } = require('../package.json');

/** Any workspace, as a regular expression whose group 1 is its directory (`packages/events`, `gateway`). */
const WORKSPACE = `^(${workspaces.map((w) => w.replace('*', '[^/]+')).join('|')})/`;

/** What only a service is: a process of its own, never imported by a library. */
const SERVICE = '^(gateway|workers|subgraphs|dashboard-client)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'subgraph-imports-another-subgraph',
      comment:
        'A subgraph owns its data and its code. Another subgraph is reached by an entity reference, an event, a ledger command or the service client, never by importing it.',
      severity: 'error',
      from: { path: '^subgraphs/([^/]+)/', pathNot: '^subgraphs/[^/]+/test/' },
      to: { path: '^subgraphs/', pathNot: '^subgraphs/$1/' },
    },
    {
      name: 'subgraph-test-imports-another-subgraphs-internals',
      comment:
        "A subgraph's tests may start another subgraph whole (its ./subgraph assembly), as the real peer its service client calls; nothing else of it.",
      severity: 'error',
      from: { path: '^subgraphs/([^/]+)/test/' },
      to: { path: '^subgraphs/', pathNot: '^subgraphs/($1/|[^/]+/src/subgraph\\.ts$)' },
    },
    {
      name: 'subgraph-imports-gateway-or-workers',
      comment:
        'The gateway and the workers call subgraphs (over HTTP, through jobs), never the other way round.',
      severity: 'error',
      from: { path: '^subgraphs/' },
      to: { path: '^(gateway|workers)/' },
    },
    {
      name: 'gateway-imports-a-subgraph',
      comment:
        'The gateway knows subgraphs by the supergraph and their URLs only; it fetches from them, so it runs whatever version of them is deployed.',
      severity: 'error',
      from: { path: '^gateway/' },
      to: { path: '^(subgraphs|workers)/' },
    },
    {
      name: 'workers-import-more-than-jobs',
      comment:
        "The workers host what the subgraphs define: they import a subgraph's ./jobs entry and nothing else of it, and nothing of the gateway.",
      severity: 'error',
      from: { path: '^workers/' },
      to: { path: '^(gateway|subgraphs)/', pathNot: '^subgraphs/[^/]+/src/jobs\\.ts$' },
    },
    {
      name: 'shared-package-imports-a-service',
      comment:
        'Shared libraries (packages/*, and schema/ and migrations/, which they use) sit below every service, so no service can be pulled in through one. The ecp command is the one exception, in the next rule.',
      severity: 'error',
      from: { path: '^(packages/[^/]+|schema|migrations)/', pathNot: '^packages/cli/' },
      to: { path: `${SERVICE}|^(test|bench|layers)/` },
    },
    {
      name: 'cli-imports-more-than-admin',
      comment:
        "The ecp command runs the services as processes. The only service code it calls in-process is a subgraph's deliberate ./admin entry (the ledger's first-admin bootstrap).",
      severity: 'error',
      from: { path: '^packages/cli/' },
      to: { path: `${SERVICE}|^(test|bench|layers)/`, pathNot: '^subgraphs/[^/]+/src/admin\\.ts$' },
    },
    {
      name: 'end-to-end-test-imports-a-service',
      comment:
        'test/ starts the real processes and talks to them as a client would; a service imported in-process would test something that never runs.',
      severity: 'error',
      from: { path: '^test/' },
      to: { path: SERVICE },
    },
    {
      name: 'relative-import-across-workspaces',
      comment:
        'Another workspace is imported by its package name, so that its package.json exports decide what it opens; a relative path would step around them.',
      severity: 'error',
      from: { path: WORKSPACE },
      to: {
        path: WORKSPACE,
        pathNot: '^$1/',
        dependencyTypes: ['local'],
        dependencyTypesNot: ['aliased-workspace'],
      },
    },
    {
      name: 'browser-safe-package-imports-node',
      comment:
        'packages/merkle, packages/jurisdictions, packages/scoring and packages/ledger-format run in the browser too (the dashboard verifies proofs and shows scores; the agent SDK signs with the ledger format), and so does the agent SDK outside its Node entry: their sources import no Node built-in. Their tests may.',
      severity: 'error',
      from: {
        path: '^packages/(merkle|jurisdictions|scoring|ledger-format|agent-sdk)/src/',
        pathNot: '(\\.test\\.ts|^packages/agent-sdk/src/node\\.ts)$',
      },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'import-does-not-resolve',
      comment:
        "An import that resolves to no file: a typo, a missing dependency, or a path that the imported workspace's package.json exports do not open.",
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: '(^|/)node_modules/' },
    exclude: { path: '(^|/)(node_modules|dist|\\.turbo|\\.ecp)/' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
