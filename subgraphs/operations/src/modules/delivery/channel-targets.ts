import { z } from 'zod';
import type { ChannelKind } from './channel.entity';

/** A problem with an input, where it is and what is wrong (a BadUserInputError detail). */
export interface Problem {
  path: string;
  reason: string;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const emailAddress = z.email();

/**
 * What is wrong with a channel's target for its kind: EMAIL an address, SLACK an https webhook URL
 * (plain http only on loopback, for local peers in development and tests), GITHUB `owner/repo`.
 */
export function channelTargetProblems(kind: ChannelKind, target: string, path = 'input.target'): Problem[] {
  switch (kind) {
    case 'EMAIL':
      return target.length <= 254 && emailAddress.safeParse(target).success
        ? []
        : [{ path, reason: 'must be an email address' }];
    case 'SLACK': {
      const url = URL.canParse(target) ? new URL(target) : null;
      if (!url || target.length > 2000) return [{ path, reason: 'must be a Slack webhook URL' }];
      if (url.protocol === 'https:') return [];
      if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return [];
      return [{ path, reason: 'must be an https URL (http only on loopback)' }];
    }
    case 'GITHUB':
      return GITHUB_REPOSITORY.test(target) && !target.endsWith('.git')
        ? []
        : [{ path, reason: 'must be a GitHub repository, owner/repo' }];
  }
}

/**
 * A channel's target as the graph shows it. A Slack webhook URL is a credential (whoever has it can
 * post): only its scheme and host are shown.
 */
export function shownTarget(channel: { kind: ChannelKind; target: string }): string {
  if (channel.kind !== 'SLACK') return channel.target;
  return redactedUrl(channel.target);
}

/** Scheme and host of a URL, the rest elided: `https://hooks.slack.com/…`. */
export function redactedUrl(url: string): string {
  if (!URL.canParse(url)) return '…';
  const { protocol, host } = new URL(url);
  return `${protocol}//${host}/…`;
}

/** The GitHub owner and repository of a GITHUB channel's target. */
export function githubRepository(target: string): { owner: string; repo: string } {
  const [owner = '', repo = ''] = target.split('/');
  return { owner, repo };
}
