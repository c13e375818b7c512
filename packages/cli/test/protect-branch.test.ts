import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { protectBranch } from '../src/commands/protect-branch';

/** A GitHub on loopback: records each request, answers as GitHub does for the repository it knows. */
let server: Server;
let apiUrl: string;
let received: { method: string; url: string; authorization: string | undefined; body: unknown }[] = [];
let answer: { status: number; body: unknown } = { status: 200, body: {} };
const TOKEN = 'ghp_test-token-never-printed';

async function read(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const text = await read(req);
    received.push({
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
      body: text ? JSON.parse(text) : null,
    });
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  received = [];
  answer = { status: 200, body: { url: 'x' } };
});

const EXPECTED_BODY = {
  required_status_checks: null,
  enforce_admins: true,
  required_pull_request_reviews: {
    dismiss_stale_reviews: true,
    require_code_owner_reviews: true,
    required_approving_review_count: 2,
  },
  restrictions: null,
  required_linear_history: true,
  allow_force_pushes: false,
  allow_deletions: false,
};

describe('ecp protect-branch', () => {
  it('PUTs the protection to the branch with the token', async () => {
    const lines: string[] = [];
    await protectBranch(
      { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: apiUrl },
      { repo: 'acme/ecp', branch: 'main', linearHistory: true },
      (l) => lines.push(l),
    );
    expect(received).toEqual([
      {
        method: 'PUT',
        url: '/api/v3/repos/acme/ecp/branches/main/protection',
        authorization: `token ${TOKEN}`,
        body: EXPECTED_BODY,
      },
    ]);
    expect(lines.join('\n')).toContain('Protected acme/ecp main');
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('requires the status checks given', async () => {
    await protectBranch(
      { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: apiUrl },
      { repo: 'acme/ecp', statusCheck: ['ci'] },
      () => {},
    );
    expect(received[0]!.body).toMatchObject({
      required_status_checks: { strict: true, contexts: ['ci'] },
      required_linear_history: false,
    });
  });

  it('--dry-run prints the exact request, token redacted, and sends nothing', async () => {
    const lines: string[] = [];
    await protectBranch(
      { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: apiUrl },
      { repo: 'acme/ecp', branch: 'release', dryRun: true, linearHistory: true },
      (l) => lines.push(l),
    );
    expect(received).toEqual([]);
    expect(lines[0]).toBe(`PUT ${apiUrl}/repos/acme/ecp/branches/release/protection`);
    expect(lines).toContain('Authorization: token [redacted]');
    expect(JSON.parse(lines.slice(lines.indexOf('') + 1).join('\n'))).toEqual(EXPECTED_BODY);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('explains a refusal (403) and an unknown repository (404)', async () => {
    answer = { status: 403, body: { message: 'Resource not accessible by integration' } };
    await expect(
      protectBranch({ GITHUB_TOKEN: TOKEN, GITHUB_API_URL: apiUrl }, { repo: 'acme/ecp' }, () => {}),
    ).rejects.toThrow(/refused to protect acme\/ecp branch main \(403\).*admin rights/);
    answer = { status: 404, body: { message: 'Not Found' } };
    await expect(
      protectBranch({ GITHUB_TOKEN: TOKEN, GITHUB_API_URL: apiUrl }, { repo: 'acme/none' }, () => {}),
    ).rejects.toThrow(/found no acme\/none branch main \(404\)/);
  });

  it('refuses a repository that is not owner/name, and a missing token, before sending anything', async () => {
    await expect(
      protectBranch({ GITHUB_TOKEN: TOKEN, GITHUB_API_URL: apiUrl }, { repo: 'acme' }, () => {}),
    ).rejects.toThrow(/owner\/name/);
    await expect(
      protectBranch({ GITHUB_TOKEN: undefined, GITHUB_API_URL: apiUrl }, { repo: 'acme/ecp' }, () => {}),
    ).rejects.toThrow(/GITHUB_TOKEN/);
    expect(received).toEqual([]);
  });

  it('as a command: exits non-zero with the reason on 403, and never prints the token', async () => {
    answer = { status: 403, body: { message: 'Must have admin rights to Repository.' } };
    const bin = join(import.meta.dirname, '..', 'bin', 'ecp.js');
    const run = promisify(execFile)(process.execPath, [bin, 'protect-branch', '--repo', 'acme/ecp'], {
      env: { ...process.env, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: apiUrl },
    });
    const failure = (await run.then(
      () => null,
      (err: unknown) => err,
    )) as { code: number; stderr: string; stdout: string } | null;
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('(403)');
    expect(`${failure?.stderr}${failure?.stdout}`).not.toContain(TOKEN);
    expect(received).toHaveLength(1);
  }, 30_000);
});
