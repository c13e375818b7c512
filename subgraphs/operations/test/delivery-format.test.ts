import { describe, expect, it } from 'vitest';
import { channelTargetProblems, shownTarget } from '../src/modules/delivery/channel-targets';
import { markdownToHtml, markdownToSlack } from '../src/modules/delivery/markdown';
import { scrubbed, secretsOf } from '../src/modules/delivery/secret-scrubbing';
import { isPermanentHttpStatus } from '../src/modules/delivery/senders/send-failure';
import { slackMessage } from '../src/modules/delivery/senders/slack-sender';
import { operationsSettings } from '../src/settings';

/** The pure parts of delivery: targets, redaction, scrubbing, Markdown per channel, what is permanent. */
describe('channel targets', () => {
  it('accepts an address, an https webhook (http on loopback only) and owner/repo', () => {
    expect(channelTargetProblems('EMAIL', 'oncall@ecp.test')).toEqual([]);
    expect(channelTargetProblems('EMAIL', 'oncall')).toHaveLength(1);
    expect(channelTargetProblems('SLACK', 'https://hooks.slack.com/services/a')).toEqual([]);
    expect(channelTargetProblems('SLACK', 'http://localhost:8080/hook')).toEqual([]);
    expect(channelTargetProblems('SLACK', 'http://[::1]:8080/hook')).toEqual([]);
    expect(channelTargetProblems('SLACK', 'http://10.0.0.1/hook')).toHaveLength(1);
    expect(channelTargetProblems('GITHUB', 'octo-org/repo.name_1')).toEqual([]);
    expect(channelTargetProblems('GITHUB', 'o/r/x')).toHaveLength(1);
    expect(channelTargetProblems('GITHUB', '-o/r')).toHaveLength(1);
  });

  it('shows a Slack webhook by its scheme and host only', () => {
    expect(shownTarget({ kind: 'SLACK', target: 'https://hooks.slack.com/services/T/B/secret' })).toBe(
      'https://hooks.slack.com/…',
    );
    expect(shownTarget({ kind: 'GITHUB', target: 'o/r' })).toBe('o/r');
  });
});

describe('scrubbed', () => {
  it('removes known secrets and cuts every URL to its host', () => {
    const settings = {
      SMTP_URL: 'smtp://u:p%40ss@mail:25',
      SMTP_PASSWORD: 'pw-secret',
      GITHUB_TOKEN: 'ghp_abcdef',
    };
    const secrets = secretsOf(settings, { kind: 'SLACK', target: 'https://hooks.slack.com/services/T/B/x' });
    const text = scrubbed(
      'auth pw-secret p@ss failed with ghp_abcdef at https://hooks.slack.com/services/T/B/x and https://api.example/x?token=1',
      secrets,
    );
    expect(text).toBe(
      'auth [redacted] [redacted] failed with [redacted] at [redacted] and https://api.example/…',
    );
  });
});

describe('Markdown per channel', () => {
  const md =
    '# Down\n**prod** is _down_, see [runbook](https://ecp.test/r) <now>\n\n- one\n- two\n\n```\na < b\n```';
  it('renders simple HTML for mail, escaping the rest', () => {
    expect(markdownToHtml(md)).toBe(
      [
        '<h1>Down</h1>',
        '<p><strong>prod</strong> is <em>down</em>, see <a href="https://ecp.test/r">runbook</a> &lt;now&gt;</p>',
        '<ul><li>one</li><li>two</li></ul>',
        '<pre><code>a &lt; b</code></pre>',
      ].join('\n'),
    );
    expect(markdownToHtml('[x](javascript:alert(1))')).not.toContain('href');
  });

  it('converts to Slack mrkdwn, the subject in bold first', () => {
    expect(markdownToSlack(md)).toBe(
      '*Down*\n*prod* is _down_, see <https://ecp.test/r|runbook> &lt;now&gt;\n\n• one\n• two\n\n```\na &lt; b\n```',
    );
    expect(slackMessage({ subject: 'A <b> & c', markdown: 'x' })).toEqual({
      text: '*A &lt;b&gt; &amp; c*\nx',
    });
  });
});

describe('failures', () => {
  it('treats 4xx as permanent except 408 and 429', () => {
    expect([400, 401, 403, 404, 422].every(isPermanentHttpStatus)).toBe(true);
    expect([408, 429, 500, 502, 503].some(isPermanentHttpStatus)).toBe(false);
  });
});

describe('delivery settings', () => {
  it('defaults what is unset or empty and refuses a wrong value, naming it', () => {
    const settings = operationsSettings({ SMTP_URL: '', GITHUB_API_URL: '', DELIVERY_ATTEMPTS: '' });
    expect(settings).toMatchObject({
      SMTP_URL: undefined,
      GITHUB_API_URL: 'https://api.github.com',
      DELIVERY_ATTEMPTS: 6,
      DELIVERY_BACKOFF_MS: 2000,
      SMTP_SECURE: false,
      SMTP_TLS_REJECT_UNAUTHORIZED: true,
    });
    expect(() => operationsSettings({ SMTP_URL: 'http://mail' })).toThrow(/SMTP_URL/);
    expect(() => operationsSettings({ DELIVERY_ATTEMPTS: '0' })).toThrow(/DELIVERY_ATTEMPTS/);
  });
});
