/**
 * A try that did not deliver. Permanent failures (the server refused this message for good: an
 * unknown repository, a recipient refused, a bad credential) are not tried again; the others are.
 * Its message is written by the senders from what they know is safe (never a URL's path or a
 * credential), and is scrubbed again before it is stored.
 */
export class SendFailure extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    /** The HTTP status or SMTP reply code, when the peer answered. */
    readonly statusCode: number | null = null,
  ) {
    super(message);
    this.name = 'SendFailure';
  }
}

/** What a delivered try reports. */
export interface Sent {
  statusCode: number | null;
  /** What the channel calls the message: the GitHub issue number, the mail's Message-ID. */
  externalRef: string | null;
}

/** A 4xx answer will be the same next time, except a timeout (408) or being rate limited (429). */
export function isPermanentHttpStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** The reason of an error from a library, with its code when it has one (ECONNREFUSED, ETIMEDOUT). */
export function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  const code = (err as { code?: unknown }).code ?? cause?.code;
  const detail =
    typeof cause?.message === 'string' && cause.message !== err.message ? `: ${cause.message}` : '';
  return `${err.message}${detail}${typeof code === 'string' ? ` (${code})` : ''}`;
}
