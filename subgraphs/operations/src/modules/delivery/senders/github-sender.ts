import { Octokit } from '@octokit/rest';
import type { OperationsSettings } from '../../../settings';
import { githubRepository } from '../channel-targets';
import type { Notification } from '../notification.entity';
import { isPermanentHttpStatus, reasonOf, SendFailure } from './send-failure';

/** Labels every issue ECP opens carries, so that they can be found and filtered. */
export const GITHUB_ISSUE_LABELS = ['ecp-alert'];

/** What a try did to the thread's issue. */
export interface GithubSent {
  statusCode: number;
  issueNumber: number;
  /** A new issue was opened (the thread's first notification, or an OPEN). */
  opened: boolean;
  closed: boolean;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A client for the configured API (github.com or GitHub Enterprise), authenticated by the token. */
export function githubClient(settings: OperationsSettings): Octokit {
  if (!settings.GITHUB_TOKEN) throw new SendFailure('GITHUB_TOKEN is not configured', true);
  const timeoutMs = settings.DELIVERY_TIMEOUT_MS;
  return new Octokit({
    auth: settings.GITHUB_TOKEN,
    baseUrl: settings.GITHUB_API_URL.replace(/\/+$/, ''),
    userAgent: 'ecp-operations',
    // Octokit's request log would write each request's URL to the console: nothing is logged there.
    log: silent,
    request: {
      fetch: (url: string | URL, init?: RequestInit) =>
        fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
    },
  });
}

/**
 * Tells a repository about a notification through issues: OPEN (or a thread that has no issue yet, or
 * no thread at all) opens an issue titled with the subject; UPDATE comments on the thread's issue;
 * CLOSE comments and closes it. `issueNumber` is the thread's issue so far, if it has one.
 */
export async function sendGithub(
  client: Octokit,
  target: string,
  notification: Pick<Notification, 'subject' | 'markdown' | 'action'>,
  issueNumber: number | null,
): Promise<GithubSent> {
  const { owner, repo } = githubRepository(target);
  try {
    if (notification.action === 'OPEN' || issueNumber === null) {
      const created = await client.rest.issues.create({
        owner,
        repo,
        title: notification.subject.slice(0, 256),
        body: notification.markdown,
        labels: GITHUB_ISSUE_LABELS,
      });
      const sent = {
        statusCode: created.status,
        issueNumber: created.data.number,
        opened: true,
        closed: false,
      };
      if (notification.action !== 'CLOSE') return sent;
      const closed = await client.rest.issues.update({
        owner,
        repo,
        issue_number: sent.issueNumber,
        state: 'closed',
        state_reason: 'completed',
      });
      return { ...sent, statusCode: closed.status, closed: true };
    }
    const commented = await client.rest.issues.createComment({
      owner,
      repo,
      issue_number: issueNumber,
      body: `**${notification.subject}**\n\n${notification.markdown}`,
    });
    if (notification.action !== 'CLOSE') {
      return { statusCode: commented.status, issueNumber, opened: false, closed: false };
    }
    const closed = await client.rest.issues.update({
      owner,
      repo,
      issue_number: issueNumber,
      state: 'closed',
      state_reason: 'completed',
    });
    return { statusCode: closed.status, issueNumber, opened: false, closed: true };
  } catch (err) {
    throw githubFailure(err);
  }
}

/** A failed API call: 4xx permanent (but 408, 429 and a 403 for an exhausted rate limit), others retried. */
function githubFailure(err: unknown): SendFailure {
  const status = (err as { status?: unknown }).status;
  if (typeof status !== 'number' || status < 100) {
    return new SendFailure(`GitHub API not reached: ${reasonOf(err)}`, false);
  }
  const headers = (err as { response?: { headers?: Record<string, unknown> } }).response?.headers ?? {};
  const rateLimited = status === 403 && String(headers['x-ratelimit-remaining']) === '0';
  const message = err instanceof Error ? err.message : String(err);
  return new SendFailure(
    `GitHub API answered ${status}: ${message}`,
    isPermanentHttpStatus(status) && !rateLimited,
    status,
  );
}
