import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT } from '@ecp/platform/repo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface LintRun {
  exitCode: number;
  output: string;
  /** `rule: from → to`, one per violation, sorted. */
  violations: string[];
}

const rootPackage = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  workspaces: string[];
  scripts: Record<string, string>;
};

/** Runs the repository's own `lint:layers` script (what `npm run lint` and `npm test` run) in `cwd`. */
function lintLayers(cwd: string): Promise<LintRun> {
  return new Promise((resolve) => {
    execFile(
      'sh',
      ['-c', rootPackage.scripts['lint:layers']!],
      {
        cwd,
        env: {
          ...process.env,
          PATH: `${join(REPO_ROOT, 'node_modules/.bin')}:${process.env.PATH}`,
          NO_COLOR: '1',
        },
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        const violations = [...output.matchAll(/^\s*error (\S+): (\S+) → (\S+)$/gm)]
          .map(([, rule, from, to]) => `${rule}: ${from} → ${to}`)
          .sort();
        resolve({ exitCode: err ? Number(err.code ?? 1) : 0, output, violations });
      },
    );
  });
}

/** The workspaces a fixture tree holds, with the real `name` and `exports` of each. */
const FIXTURE_WORKSPACES = [
  'subgraphs/ledger',
  'subgraphs/advisory',
  'gateway',
  'workers',
  'packages/cli',
  'packages/events',
  'packages/merkle',
  'packages/jurisdictions',
  'packages/scoring',
  'test',
  'bench',
];

/**
 * A small copy of the repository's shape in a temporary directory: the root package.json's workspace
 * list, the real rules, each workspace's real name and exports, npm's workspace links, and `files`.
 */
function fixtureTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'ecp-layers-'));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write(
    'package.json',
    JSON.stringify({ name: 'fixture', private: true, workspaces: rootPackage.workspaces }),
  );
  mkdirSync(join(root, 'layers'));
  copyFileSync(join(REPO_ROOT, 'layers/dependency-cruiser.cjs'), join(root, 'layers/dependency-cruiser.cjs'));
  for (const workspace of FIXTURE_WORKSPACES) {
    const real = JSON.parse(readFileSync(join(REPO_ROOT, workspace, 'package.json'), 'utf8'));
    write(
      `${workspace}/package.json`,
      JSON.stringify({ name: real.name, type: 'module', ...(real.exports ? { exports: real.exports } : {}) }),
    );
    const link = join(root, 'node_modules', real.name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(relative(dirname(link), join(root, workspace)), link);
  }
  for (const [path, text] of Object.entries(files)) write(path, text);
  return root;
}

/** What the ledger has that others might import: its entries, and internals behind them. */
const LEDGER = {
  'subgraphs/ledger/src/subgraph.ts': 'export const ledgerSubgraph = () => undefined;\n',
  'subgraphs/ledger/src/jobs.ts': 'export const jobs = [];\n',
  'subgraphs/ledger/src/admin.ts': 'export const ensureFirstAdmin = () => null;\n',
  'subgraphs/ledger/src/modules/agents/agent.entity.ts': 'export const AgentEntity = {};\n',
  'subgraphs/ledger/src/modules/ledger/ledger-log.ts': 'export class LedgerLog {}\n',
  'gateway/src/gateway.ts': 'export const gateway = 1;\n',
};

/** Imports the rules allow: within a subgraph; workers → ./jobs; ecp → ./admin; bench → ./bench/*; Node in tests and in the SDK’s Node entry. */
const ALLOWED = {
  'subgraphs/ledger/src/schema.ts':
    "import { AgentEntity } from './modules/agents/agent.entity';\nexport { AgentEntity };\n",
  'workers/src/host.ts': "import { jobs } from '@ecp/subgraph-ledger/jobs';\nexport const all = [jobs];\n",
  'packages/cli/src/start.ts':
    "import { ensureFirstAdmin } from '@ecp/subgraph-ledger/admin';\nensureFirstAdmin();\n",
  'bench/ledger.ts': "import { LedgerLog } from '@ecp/subgraph-ledger/bench/ledger-log';\nnew LedgerLog();\n",
  'packages/merkle/src/hash.test.ts': "import { readFileSync } from 'node:fs';\nreadFileSync;\n",
  'packages/agent-sdk/src/node.ts': "import { createRequire } from 'node:module';\ncreateRequire;\n",
  'subgraphs/advisory/test/peer.test.ts':
    "import { ledgerSubgraph } from '@ecp/subgraph-ledger/subgraph';\nledgerSubgraph();\n",
};

describe('the layer rules on a tree that breaks each of them', () => {
  let root: string;
  let run: LintRun;

  beforeAll(async () => {
    root = fixtureTree({
      ...LEDGER,
      ...ALLOWED,
      // One file per breach.
      'subgraphs/advisory/src/by-name.ts':
        "import { ledgerSubgraph } from '@ecp/subgraph-ledger/subgraph';\nledgerSubgraph();\n",
      'subgraphs/advisory/src/by-path.ts':
        "import type { AgentEntity } from '../../ledger/src/modules/agents/agent.entity';\nexport type A = typeof AgentEntity;\n",
      'subgraphs/advisory/test/internals.test.ts':
        "import { LedgerLog } from '@ecp/subgraph-ledger/bench/ledger-log';\nnew LedgerLog();\n",
      'subgraphs/ledger/src/up.ts': "import { gateway } from '@ecp/gateway/src/gateway';\ngateway;\n",
      'gateway/src/plan.ts':
        "import { ledgerSubgraph } from '@ecp/subgraph-ledger/subgraph';\nledgerSubgraph();\n",
      'workers/src/reach.ts':
        "import { ledgerSubgraph } from '@ecp/subgraph-ledger/subgraph';\nledgerSubgraph();\n",
      'packages/events/src/outbox.ts': "import { jobs } from '@ecp/subgraph-ledger/jobs';\njobs;\n",
      'packages/cli/src/peek.ts':
        "import { ledgerSubgraph } from '@ecp/subgraph-ledger/subgraph';\nledgerSubgraph();\n",
      'test/src/in-process.e2e.test.ts':
        "import { ledgerSubgraph } from '@ecp/subgraph-ledger/subgraph';\nledgerSubgraph();\n",
      'bench/deep.ts':
        "import { AgentEntity } from '@ecp/subgraph-ledger/modules/agents/agent.entity';\nAgentEntity;\n",
      'bench/around.ts':
        "import { AgentEntity } from '../subgraphs/ledger/src/modules/agents/agent.entity';\nAgentEntity;\n",
      'packages/merkle/src/hash.ts': "import { readFileSync } from 'node:fs';\nreadFileSync;\n",
      'packages/jurisdictions/src/jurisdiction.ts': "import { isIP } from 'node:net';\nisIP;\n",
      'packages/scoring/src/consensus.ts': "import { randomInt } from 'node:crypto';\nrandomInt;\n",
      'packages/ledger-format/src/canonical-json.ts': "import { Buffer } from 'node:buffer';\nBuffer;\n",
      'packages/agent-sdk/src/client.ts': "import { request } from 'node:http';\nrequest;\n",
    });
    run = await lintLayers(root);
  });

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('fails the lint, naming every rule broken and where', () => {
    expect(run.exitCode, run.output).not.toBe(0);
    expect(run.violations).toEqual(
      [
        'subgraph-imports-another-subgraph: subgraphs/advisory/src/by-name.ts → subgraphs/ledger/src/subgraph.ts',
        'subgraph-imports-another-subgraph: subgraphs/advisory/src/by-path.ts → subgraphs/ledger/src/modules/agents/agent.entity.ts',
        'relative-import-across-workspaces: subgraphs/advisory/src/by-path.ts → subgraphs/ledger/src/modules/agents/agent.entity.ts',
        'subgraph-imports-gateway-or-workers: subgraphs/ledger/src/up.ts → gateway/src/gateway.ts',
        'subgraph-test-imports-another-subgraphs-internals: subgraphs/advisory/test/internals.test.ts → subgraphs/ledger/src/modules/ledger/ledger-log.ts',
        'gateway-imports-a-subgraph: gateway/src/plan.ts → subgraphs/ledger/src/subgraph.ts',
        'workers-import-more-than-jobs: workers/src/reach.ts → subgraphs/ledger/src/subgraph.ts',
        'shared-package-imports-a-service: packages/events/src/outbox.ts → subgraphs/ledger/src/jobs.ts',
        'cli-imports-more-than-admin: packages/cli/src/peek.ts → subgraphs/ledger/src/subgraph.ts',
        'end-to-end-test-imports-a-service: test/src/in-process.e2e.test.ts → subgraphs/ledger/src/subgraph.ts',
        'import-does-not-resolve: bench/deep.ts → @ecp/subgraph-ledger/modules/agents/agent.entity',
        'relative-import-across-workspaces: bench/around.ts → subgraphs/ledger/src/modules/agents/agent.entity.ts',
        'browser-safe-package-imports-node: packages/merkle/src/hash.ts → fs',
        'browser-safe-package-imports-node: packages/jurisdictions/src/jurisdiction.ts → net',
        'browser-safe-package-imports-node: packages/scoring/src/consensus.ts → crypto',
        'browser-safe-package-imports-node: packages/ledger-format/src/canonical-json.ts → buffer',
        'browser-safe-package-imports-node: packages/agent-sdk/src/client.ts → http',
      ].sort(),
    );
  });

  it('passes the same tree without the breaches', async () => {
    const tree = fixtureTree({ ...LEDGER, ...ALLOWED });
    try {
      const { exitCode, output } = await lintLayers(tree);
      expect(exitCode, output).toBe(0);
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });
});

describe('the layer rules on the repository', () => {
  it('find no violation in the real tree', async () => {
    const { exitCode, output, violations } = await lintLayers(REPO_ROOT);
    expect(violations).toEqual([]);
    expect(exitCode, output).toBe(0);
    const [, modules] = /(\d+) modules, \d+ dependencies cruised/.exec(output) ?? [];
    expect(Number(modules)).toBeGreaterThan(250);
  });
});
