import type { OperationsSettings } from '../../settings';
import { redactedUrl } from './channel-targets';

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>)]+/gi;

/**
 * An error message fit to store, log and show: every URL cut to its scheme and host (a Slack webhook's
 * path is its credential, an SMTP URL may carry a password) and every known secret replaced, wherever
 * it appears. Long messages are cut.
 */
export function scrubbed(message: string, secrets: readonly (string | undefined | null)[]): string {
  let text = message;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) text = text.split(secret).join('[redacted]');
  }
  text = text.replace(URL_IN_TEXT, (url) => redactedUrl(url));
  return text.length > 1000 ? `${text.slice(0, 999)}…` : text;
}

/** Every secret a delivery to this channel may meet: the SMTP credentials, the token, the webhook URL. */
export function secretsOf(
  settings: Pick<OperationsSettings, 'SMTP_URL' | 'SMTP_PASSWORD' | 'GITHUB_TOKEN'>,
  channel?: { kind: string; target: string },
): string[] {
  const secrets = [settings.SMTP_PASSWORD, settings.GITHUB_TOKEN];
  if (settings.SMTP_URL && URL.canParse(settings.SMTP_URL)) {
    const { password } = new URL(settings.SMTP_URL);
    if (password) secrets.push(password, decodeURIComponent(password));
  }
  if (channel?.kind === 'SLACK') secrets.push(channel.target);
  return secrets.filter((s): s is string => typeof s === 'string' && s.length > 0);
}
