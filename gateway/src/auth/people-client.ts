import { EcpError, type ErrorCode, ServiceUnavailableError } from '@ecp/errors/errors';
import { IDENTITY_HEADER, signIdentity } from '@ecp/identity/identity-header';
import { servicePrincipal } from '@ecp/identity/principal';
import { request } from 'undici';

/** The person as sign-in answers: who they are, what they hold. */
export interface SignedInPerson {
  id: string;
  name: string;
  roles: string[];
  jurisdictions: string[];
  email: string;
}

export interface OpenedSession {
  token: string;
  sessionId: string;
  expiresAt: string;
  person: SignedInPerson;
}

/** A refusal the ledger answered with its code, passed on to the browser as it is. */
class LedgerRefusal extends EcpError {}

/**
 * The ledger's internal people routes, asked as the gateway's own signed service identity: sign in,
 * sign out and set a password. The ledger's coded refusals (UNAUTHENTICATED, BAD_USER_INPUT) come back
 * as errors with the same code; an unreachable ledger is SERVICE_UNAVAILABLE.
 */
export class PeopleClient {
  constructor(
    private readonly ledgerUrl: string,
    private readonly identitySecret: string,
    private readonly timeoutMs: number,
  ) {}

  signIn(body: { email: unknown; password: unknown; address: string; userAgent: string | undefined }) {
    return this.post<OpenedSession>('/internal/people/sign-in', body);
  }

  async signOut(tokenHash: string): Promise<void> {
    await this.post('/internal/people/sign-out', { tokenHash });
  }

  setPassword(body: { token: unknown; password: unknown }) {
    return this.post<{ email: string }>('/internal/people/set-password', body);
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(new URL(path, this.ledgerUrl), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [IDENTITY_HEADER]: signIdentity(servicePrincipal('gateway'), this.identitySecret),
        },
        body: JSON.stringify(body),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (err) {
      throw new ServiceUnavailableError(
        `Cannot sign in right now: the ledger subgraph did not answer (${(err as Error).message}).`,
      );
    }
    const answer = (await res.body.json().catch(() => ({}))) as {
      errors?: { message: string; extensions?: { code?: ErrorCode; details?: [] } }[];
    };
    const refusal = answer.errors?.[0];
    if (res.statusCode >= 400 && refusal?.extensions?.code && res.statusCode < 500) {
      throw new LedgerRefusal(
        refusal.extensions.code,
        refusal.message,
        res.statusCode,
        refusal.extensions.details ?? [],
      );
    }
    if (res.statusCode !== 200) throw new ServiceUnavailableError(`The ledger answered ${res.statusCode}.`);
    return answer as T;
  }
}
