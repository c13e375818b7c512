import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The package as `npm publish packages/agent-sdk/dist` would publish it, built fresh by its own build
 * script: what it contains, that it imports only what it declares, that plain Node runs it (no
 * TypeScript loader between), and that its declarations type-check a consumer on their own.
 */
const run = promisify(execFile);
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO_ROOT = join(PACKAGE_DIR, '..', '..');
const DIST = join(PACKAGE_DIR, 'dist');
const TSC = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');

interface PublishedManifest {
  name: string;
  dependencies: Record<string, string>;
  exports: Record<string, unknown>;
}

let manifest: PublishedManifest;
const temps: string[] = [];

beforeAll(async () => {
  await run('npm', ['run', 'build'], { cwd: PACKAGE_DIR, maxBuffer: 16 * 1024 * 1024 });
  manifest = JSON.parse(readFileSync(join(DIST, 'package.json'), 'utf8')) as PublishedManifest;
}, 120_000);

afterAll(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

const distFiles = () => readdirSync(DIST).sort();
const read = (file: string) => readFileSync(join(DIST, file), 'utf8');

/** Every module specifier a built file imports, statically or dynamically, or re-exports from. */
function importsOf(file: string): string[] {
  return ts.preProcessFile(read(file), true, true).importedFiles.map((f) => f.fileName);
}

/** The files of dist/ that `file` loads, itself included, following its relative imports. */
function moduleGraph(file: string): string[] {
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const spec of importsOf(f)) if (spec.startsWith('./')) visit(spec.slice(2));
  };
  visit(file);
  return [...seen];
}

const isBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!);
const packageName = (spec: string) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

describe('what dist/ holds', () => {
  it('no module or declaration names our unpublished workspace packages', () => {
    const built = distFiles().filter((f) => /\.(js|d\.ts)$/.test(f));
    expect(built).toEqual(expect.arrayContaining(['index.js', 'node.js', 'index.d.ts', 'node.d.ts']));
    const naming = built.filter((f) => read(f).includes('@ecp/'));
    expect(naming).toEqual([]);
  });

  it('the core entry loads no Node built-in, in itself or any chunk it imports', () => {
    const graph = moduleGraph('index.js');
    const builtins = graph.flatMap((f) =>
      importsOf(f)
        .filter(isBuiltin)
        .map((spec) => `${f}: ${spec}`),
    );
    expect(builtins).toEqual([]);
    // The Node entry is the one that may reach for Node's own: it brings `ws`.
    expect(importsOf('node.js')).toContain('ws');
    // The Node entry is the core plus ws: it imports the core beside it, it does not carry a copy.
    expect(importsOf('node.js')).toContain('./index.js');
  });

  it('every package a module imports is a dependency of the published manifest', () => {
    const bare = distFiles()
      .filter((f) => f.endsWith('.js'))
      .flatMap((f) => importsOf(f))
      .filter((spec) => !spec.startsWith('.') && !isBuiltin(spec));
    const imported = [...new Set(bare.map(packageName))];
    expect(imported).toEqual(expect.arrayContaining(['graphql', 'graphql-ws', 'ws', '@noble/curves']));
    expect(imported.filter((name) => !(name in manifest.dependencies))).toEqual([]);
    expect(Object.keys(manifest.dependencies).filter((name) => name.startsWith('@ecp/'))).toEqual([]);
    expect(Object.values(manifest.dependencies).every((v) => /^\d+\.\d+\.\d+$/.test(v))).toBe(true);
  });

  it('npm would pack the modules, declarations, manifest and documents, and nothing else', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json'], { cwd: DIST });
    const [pack] = JSON.parse(stdout) as { name: string; files: { path: string }[] }[];
    expect(pack!.name).toBe('@ecp/agent-sdk');
    expect(pack!.files.map((f) => f.path).sort()).toEqual([
      'CHANGELOG.md',
      'README.md',
      'index.d.ts',
      'index.js',
      'node.d.ts',
      'node.js',
      'package.json',
    ]);
  });

  it('the manifest opens both entries, each with its declarations', () => {
    expect(manifest.exports).toEqual({
      '.': {
        node: { types: './node.d.ts', default: './node.js' },
        types: './index.d.ts',
        default: './index.js',
      },
      './package.json': './package.json',
    });
  });
});

/** Run by plain `node`: loads the built entries by file URL, signs, and fails to reach a closed port. */
const PLAIN_NODE_SCRIPT = `
import { createPublicKey, verify } from 'node:crypto';
const [nodeEntry, coreEntry, seedHex] = process.argv.slice(1);
const sdk = await import(nodeEntry);
const core = await import(coreEntry);
const seed = Uint8Array.from(Buffer.from(seedHex, 'hex'));
const key = new sdk.SigningKey(seed);
const message = new TextEncoder().encode('ecp agent-sdk package test');
const signature = key.sign(message);
const publicKey = createPublicKey({
  key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key.publicKey).toString('base64url') },
  format: 'jwk',
});
const client = sdk.createEcpClient({ url: 'http://127.0.0.1:1', apiKey: 'ecp_x', signingKey: seed, retry: { maxAttempts: 1 } });
let failure;
try {
  await client.me();
} catch (err) {
  failure = { networkError: err instanceof sdk.NetworkError, ecpError: err instanceof sdk.EcpError, name: err.name, code: err.code, attempts: err.attempts };
}
await client.close();
console.log(JSON.stringify({
  execArgv: process.execArgv,
  publicKey: key.publicKeyBase64,
  clientPublicKey: client.publicKey,
  signatureVerifies: verify(null, message, publicKey, Buffer.from(signature, 'base64')),
  failure,
  coreHasClient: typeof core.createEcpClient === 'function' && core.EcpClient !== undefined,
  oneCopy: sdk.NetworkError === core.NetworkError && sdk.EcpClient === core.EcpClient,
}));
`;

/** The seed the plain Node script signs with: bytes 1 to 32. */
const SEED = new Uint8Array(32).map((_, i) => i + 1);

/** The Ed25519 public key of a seed, base64, by Node's own implementation (not the SDK's). */
function ed25519PublicKey(seed: Uint8Array): string {
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const jwk = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({
    format: 'jwk',
  });
  return Buffer.from(jwk.x!, 'base64url').toString('base64');
}

describe('in plain Node', () => {
  it('imports the built entries, signs with a seed, and reports an unreachable gateway as NetworkError', async () => {
    const installed = join(install(temp('ecp-sdk-node-')), 'node_modules/@ecp/agent-sdk');
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '--eval',
        PLAIN_NODE_SCRIPT,
        pathToFileURL(join(installed, 'node.js')).href,
        pathToFileURL(join(installed, 'index.js')).href,
        Buffer.from(SEED).toString('hex'),
      ],
      // Nothing inherited that could put a loader in front of it (NODE_OPTIONS=--import tsx …).
      { env: { PATH: process.env.PATH } },
    );
    const expectedKey = ed25519PublicKey(SEED);
    expect(JSON.parse(stdout)).toEqual({
      execArgv: ['--input-type=module', '--eval', PLAIN_NODE_SCRIPT],
      publicKey: expectedKey,
      clientPublicKey: expectedKey,
      signatureVerifies: true,
      failure: {
        networkError: true,
        ecpError: true,
        name: 'NetworkError',
        code: 'NETWORK_ERROR',
        attempts: 1,
      },
      coreHasClient: true,
      oneCopy: true,
    });
  });
});

/**
 * `@ecp/agent-sdk` installed into `dir` as npm would: a copy of dist/ in node_modules, and beside it
 * the dependencies its manifest declares and nothing more (links to the repository's copies). What the
 * package reaches that it does not declare is not found from there.
 */
function install(dir: string): string {
  cpSync(DIST, join(dir, 'node_modules/@ecp/agent-sdk'), { recursive: true });
  for (const name of Object.keys(manifest.dependencies)) {
    mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
  }
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  return dir;
}

/** A TypeScript project with `files`, the package installed. */
function consumer(files: Record<string, string>): string {
  const dir = install(temp('ecp-sdk-consumer-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The repository's `tsc -p <dir>/<tsconfig> --listFiles`: its exit code, its errors and the files it read. */
async function tsc(
  dir: string,
  tsconfig: string,
): Promise<{ code: number; errors: string[]; files: string[] }> {
  let code = 0;
  let output: string;
  try {
    ({ stdout: output } = await run(process.execPath, [TSC, '-p', join(dir, tsconfig), '--listFiles'], {
      cwd: dir,
    }));
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    code = e.code;
    output = `${e.stdout}${e.stderr}`;
  }
  const lines = output.split('\n').filter(Boolean);
  return {
    code,
    errors: lines.filter((l) => l.includes('error TS')),
    files: lines.filter((l) => !l.includes('error TS')),
  };
}

function tsconfig(resolution: 'nodenext' | 'bundler', files: string[]): string {
  return JSON.stringify({
    compilerOptions: {
      target: 'es2022',
      module: resolution === 'nodenext' ? 'nodenext' : 'esnext',
      moduleResolution: resolution,
      strict: true,
      noEmit: true,
      // The declarations are checked too, and they must need nothing of Node's types.
      skipLibCheck: false,
      lib: ['es2022', 'dom'],
      types: [],
    },
    files,
  });
}

const CONSUMER = `
import {
  createEcpClient,
  type DecisionDraft,
  EcpError,
  NetworkError,
  type RecordedDecision,
  SigningKey,
  type VerifiedInclusion,
} from '@ecp/agent-sdk';

const seed = new Uint8Array(32);
const publicKey: string = new SigningKey(seed).publicKeyBase64;
const client = createEcpClient({
  url: 'https://ecp.example',
  apiKey: 'ecp_x',
  signingKey: seed,
  logPublicKey: publicKey,
  retry: { maxAttempts: 2 },
});

const draft: DecisionDraft = {
  jurisdiction: 'EU/DE',
  category: 'pricing',
  context: { sku: 'A-1' },
  options: [{ id: 'raise' }, { id: 'hold', description: 'Keep the price' }],
  chosenOption: 'raise',
  rationale: 'Demand exceeds supply.',
  confidence: 0.8,
};

export async function decide(): Promise<string> {
  try {
    const recorded: RecordedDecision = await client.recordDecision(draft);
    const proof: VerifiedInclusion = await client.verifyInclusion(recorded.decision);
    for await (const next of client.decisionRecorded({ jurisdiction: 'EU/DE' })) {
      const confidence: number = next.confidence;
      return \`\${recorded.decision.id} \${proof.leafHash} \${confidence}\`;
    }
    return recorded.status;
  } catch (err) {
    if (err instanceof NetworkError) return err.code;
    if (err instanceof EcpError) return err.details.map((d) => d.reason).join();
    throw err;
  }
}
`;

const WRONG_CONSUMER = `
import { createEcpClient } from '@ecp/agent-sdk';

const client = createEcpClient({ url: 'https://ecp.example', apiKey: 'ecp_x' });
await client.recordDecision({
  jurisdiction: 'EU/DE',
  category: 'pricing',
  context: {},
  options: [{ id: 'raise' }, { id: 'hold' }],
  chosenOption: 'raise',
  rationale: 'Demand exceeds supply.',
  confidence: 'high',
});
`;

describe('the declarations, to a TypeScript consumer', () => {
  it('type-check a consumer under nodenext (node.d.ts) and a bundler (index.d.ts)', async () => {
    const dir = consumer({
      'consumer.ts': CONSUMER,
      'tsconfig.node.json': tsconfig('nodenext', ['consumer.ts']),
      'tsconfig.bundler.json': tsconfig('bundler', ['consumer.ts']),
    });
    const node = await tsc(dir, 'tsconfig.node.json');
    expect(node.errors).toEqual([]);
    expect(node.code).toBe(0);
    const installed = join(dir, 'node_modules/@ecp/agent-sdk');
    expect(node.files).toContain(join(installed, 'node.d.ts'));

    const bundler = await tsc(dir, 'tsconfig.bundler.json');
    expect(bundler.errors).toEqual([]);
    expect(bundler.code).toBe(0);
    expect(bundler.files).toContain(join(installed, 'index.d.ts'));
    expect(bundler.files).not.toContain(join(installed, 'node.d.ts'));
  });

  it('refuse a draft whose confidence is not a number', async () => {
    const dir = consumer({
      'wrong.ts': WRONG_CONSUMER,
      'tsconfig.json': tsconfig('nodenext', ['wrong.ts']),
    });
    const { code, errors } = await tsc(dir, 'tsconfig.json');
    expect(code).not.toBe(0);
    expect(errors).toEqual([
      expect.stringMatching(
        /^wrong\.ts\(12,3\): error TS2322: Type 'string' is not assignable to type 'number'/,
      ),
    ]);
  });
});
