import { z } from 'zod';

/** docker-compose passes every variable, empty when not configured: empty means "not set". */
const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);

const optionalText = z.preprocess(unsetIfEmpty, z.string().optional());
const flag = (byDefault: boolean) => z.preprocess(unsetIfEmpty, z.stringbool().default(byDefault));
const count = (byDefault: number, min: number, max: number) =>
  z.preprocess(unsetIfEmpty, z.coerce.number().int().min(min).max(max).default(byDefault));

/**
 * The delivery part of the operations settings: where mail, Slack posts and GitHub issues go, with
 * which credentials, and how often a failing delivery is tried. The SMTP password and the GitHub token
 * are read here only; a Slack channel's webhook URL is its target, kept in the database.
 */
export const deliverySettingsShape = {
  /** The SMTP server, `smtp://host:port` (STARTTLS when offered) or `smtps://host:port` (TLS at once). */
  SMTP_URL: z.preprocess(
    unsetIfEmpty,
    z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
  ),
  SMTP_USER: optionalText,
  SMTP_PASSWORD: optionalText,
  /** The sender of every mail. */
  SMTP_FROM: z.preprocess(unsetIfEmpty, z.string().min(3).default('ECP operations <ecp@localhost>')),
  /** TLS from the first byte (port 465); `smtps://` implies it. */
  SMTP_SECURE: flag(false),
  /** Refuse to send unless the server upgrades to TLS (STARTTLS). */
  SMTP_REQUIRE_TLS: flag(false),
  /** Check the server's certificate (turn off only for a server with a private certificate). */
  SMTP_TLS_REJECT_UNAUTHORIZED: flag(true),
  /** A token that may open, comment on and close issues in the GITHUB channels' repositories. */
  GITHUB_TOKEN: optionalText,
  /** The REST API: github.com's, or a GitHub Enterprise server's (`https://ghe.example/api/v3`). */
  GITHUB_API_URL: z.preprocess(unsetIfEmpty, z.url().default('https://api.github.com')),
  /** Tries of one delivery before it is recorded FAILED and alerted on. */
  DELIVERY_ATTEMPTS: count(6, 1, 50),
  /** The first retry's wait; each later one waits twice as long. */
  DELIVERY_BACKOFF_MS: count(2_000, 1, 3_600_000),
  /** How long one try may take (SMTP conversation, HTTP request). */
  DELIVERY_TIMEOUT_MS: count(10_000, 100, 300_000),
};
