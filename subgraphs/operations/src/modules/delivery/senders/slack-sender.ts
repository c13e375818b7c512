import { markdownToSlack } from '../markdown';
import type { Notification } from '../notification.entity';
import { isPermanentHttpStatus, reasonOf, SendFailure, type Sent } from './send-failure';

/** The message Slack is sent: the subject in bold on the first line, the body in mrkdwn. */
export function slackMessage(notification: Pick<Notification, 'subject' | 'markdown'>): { text: string } {
  const subject = notification.subject
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
  return { text: `*${subject.replaceAll('*', '')}*\n${markdownToSlack(notification.markdown)}` };
}

/**
 * Posts a notification to a Slack incoming webhook. Any answer but 2xx is a failure; the webhook's
 * URL is a credential and never goes into a message.
 */
export async function sendSlack(
  webhookUrl: string,
  notification: Pick<Notification, 'subject' | 'markdown'>,
  timeoutMs: number,
): Promise<Sent> {
  let response: Response;
  try {
    response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(slackMessage(notification)),
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new SendFailure(`Slack webhook not reached: ${reasonOf(err)}`, false);
  }
  const body = (await response.text().catch(() => '')).slice(0, 200);
  if (!response.ok) {
    throw new SendFailure(
      `Slack webhook answered ${response.status}${body ? `: ${body}` : ''}`,
      isPermanentHttpStatus(response.status),
      response.status,
    );
  }
  return { statusCode: response.status, externalRef: null };
}
