import { createTransport } from 'nodemailer';
import type { OperationsSettings } from '../../../settings';
import { markdownToHtml } from '../markdown';
import type { Notification } from '../notification.entity';
import { reasonOf, SendFailure, type Sent } from './send-failure';

/**
 * Sends a notification as one mail over the configured SMTP server: the subject, the Markdown as the
 * text part and a simple HTML rendering of it. A 5xx reply (recipient refused, credentials refused)
 * is permanent; a 4xx reply or a connection that fails is tried again.
 */
export async function sendEmail(
  settings: OperationsSettings,
  to: string,
  notification: Pick<Notification, 'subject' | 'markdown'>,
): Promise<Sent> {
  if (!settings.SMTP_URL) throw new SendFailure('SMTP_URL is not configured', true);
  const transport = createTransport({
    url: settings.SMTP_URL,
    secure: settings.SMTP_SECURE || settings.SMTP_URL.startsWith('smtps:'),
    requireTLS: settings.SMTP_REQUIRE_TLS,
    tls: { rejectUnauthorized: settings.SMTP_TLS_REJECT_UNAUTHORIZED },
    auth: settings.SMTP_USER ? { user: settings.SMTP_USER, pass: settings.SMTP_PASSWORD ?? '' } : undefined,
    connectionTimeout: settings.DELIVERY_TIMEOUT_MS,
    greetingTimeout: settings.DELIVERY_TIMEOUT_MS,
    socketTimeout: settings.DELIVERY_TIMEOUT_MS,
    logger: false,
  });
  try {
    const info = await transport.sendMail({
      from: settings.SMTP_FROM,
      to,
      subject: notification.subject,
      text: notification.markdown,
      html: markdownToHtml(notification.markdown),
    });
    const code = Number.parseInt(String(info.response ?? ''), 10);
    return { statusCode: Number.isFinite(code) ? code : null, externalRef: info.messageId ?? null };
  } catch (err) {
    const responseCode = (err as { responseCode?: unknown }).responseCode;
    const code = typeof responseCode === 'number' ? responseCode : null;
    throw new SendFailure(`SMTP: ${reasonOf(err)}`, code !== null && code >= 500 && code < 600, code);
  } finally {
    transport.close();
  }
}
