import { Octokit } from '@octokit/rest';
import type { CliConfig } from '../env';

export interface ProtectBranchOptions {
  repo: string;
  branch?: string;
  dryRun?: boolean;
  linearHistory?: boolean;
  /** Status checks that must pass before merging; none required when empty. */
  statusCheck?: string[];
}

/** The protection ECP asks for: what the body of PUT …/branches/{branch}/protection says. */
export interface BranchProtection {
  required_status_checks: { strict: boolean; contexts: string[] } | null;
  enforce_admins: boolean;
  required_pull_request_reviews: {
    dismiss_stale_reviews: boolean;
    require_code_owner_reviews: boolean;
    required_approving_review_count: number;
  };
  restrictions: null;
  required_linear_history: boolean;
  allow_force_pushes: boolean;
  allow_deletions: boolean;
}

/** The exact request `ecp protect-branch` sends. */
export interface ProtectionRequest {
  method: 'PUT';
  url: string;
  owner: string;
  repo: string;
  branch: string;
  body: BranchProtection;
}

const REPO = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;

/**
 * The branch protection of a repository whose changes need two people: two approvals including a
 * code owner's, stale approvals dismissed on new pushes, no force pushes, no deletion, admins bound
 * too; linear history when asked for, and the status checks given.
 */
export function protectionRequest(apiUrl: string, options: ProtectBranchOptions): ProtectionRequest {
  const match = REPO.exec(options.repo);
  if (!match) throw new Error(`--repo must be owner/name, not "${options.repo}"`);
  const [, owner, repo] = match as unknown as [string, string, string];
  const branch = options.branch ?? 'main';
  const checks = options.statusCheck ?? [];
  return {
    method: 'PUT',
    url: `${apiUrl.replace(/\/+$/, '')}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/branches/${encodeURIComponent(branch)}/protection`,
    owner,
    repo,
    branch,
    body: {
      required_status_checks: checks.length ? { strict: true, contexts: checks } : null,
      enforce_admins: true,
      required_pull_request_reviews: {
        dismiss_stale_reviews: true,
        require_code_owner_reviews: true,
        required_approving_review_count: 2,
      },
      restrictions: null,
      required_linear_history: options.linearHistory ?? false,
      allow_force_pushes: false,
      allow_deletions: false,
    },
  };
}

function explain(status: number, request: ProtectionRequest, message: string): string {
  const where = `${request.owner}/${request.repo} branch ${request.branch}`;
  if (status === 401) return `GitHub refused the token (401): check GITHUB_TOKEN. ${message}`;
  if (status === 403)
    return `GitHub refused to protect ${where} (403): the token needs admin rights on the repository (and branch protection needs a plan that has it). ${message}`;
  if (status === 404) return `GitHub found no ${where} (404), or the token may not see it. ${message}`;
  return `GitHub answered ${status} for ${where}: ${message}`;
}

/**
 * `ecp protect-branch --repo owner/name [--branch main] [--dry-run] [--linear-history]`: applies the
 * protection through the GitHub REST API (GITHUB_API_URL, for GitHub Enterprise too), with the token
 * from GITHUB_TOKEN. `--dry-run` prints the exact request, its Authorization redacted, and sends nothing.
 */
export async function protectBranch(
  config: Pick<CliConfig, 'GITHUB_TOKEN' | 'GITHUB_API_URL'>,
  options: ProtectBranchOptions,
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<void> {
  const request = protectionRequest(config.GITHUB_API_URL, options);
  if (options.dryRun) {
    out(`${request.method} ${request.url}`);
    out('Authorization: token [redacted]');
    out('Accept: application/vnd.github+json');
    out('');
    out(JSON.stringify(request.body, null, 2));
    return;
  }
  if (!config.GITHUB_TOKEN)
    throw new Error('GITHUB_TOKEN is not set: a token with admin rights on the repository is needed');
  const octokit = new Octokit({ auth: config.GITHUB_TOKEN, baseUrl: config.GITHUB_API_URL, log: silent });
  try {
    await octokit.rest.repos.updateBranchProtection({
      owner: request.owner,
      repo: request.repo,
      branch: request.branch,
      ...request.body,
    });
  } catch (err) {
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number') {
      const message = (err as { response?: { data?: { message?: string } } }).response?.data?.message ?? '';
      throw new Error(explain(status, request, message));
    }
    throw err;
  }
  out(
    `Protected ${request.owner}/${request.repo} ${request.branch}: 2 approvals with a code owner's, stale reviews dismissed, no force pushes, no deletion, admins included${request.body.required_linear_history ? ', linear history' : ''}.`,
  );
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };
