import type { Authenticator } from '@ecp/identity/authenticator';
import type { Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import { CloseCode } from 'graphql-ws';
import type { WebSocket } from 'ws';

export interface CredentialRecheckOptions {
  authenticator: Authenticator;
  logger: Logger;
  /** How often every open connection's credential is checked again: the auth cache's TTL. */
  intervalMs: number;
  /** Counts connections closed because their credential stopped working. */
  onRevoked?: () => void;
}

/** What a connection authenticated with: `connection_init`'s authorization, or the handshake's session cookie. */
export interface ConnectionCredential {
  authorization?: string | undefined;
  sessionToken?: string | undefined;
}

interface Watched {
  credential: ConnectionCredential;
  principal: Principal;
}

const keyOf = (c: ConnectionCredential) => c.authorization ?? `session:${c.sessionToken}`;

/**
 * Connections outlive the credential check they opened with. Every `intervalMs` this asks the ledger
 * afresh (one lookup per distinct credential, not per socket) whether each open connection's API key —
 * or the key its access token was minted from — is still live, and closes those that are not with 4401,
 * so a revocation reaches open subscriptions within the same period as new requests. A connection
 * whose holder's roles or jurisdictions changed is closed too: its subscriptions were authorised for
 * the old ones. When the ledger cannot answer, connections stay open and are checked again next time.
 */
export class CredentialRecheck {
  private readonly watched = new Map<WebSocket, Watched>();
  private readonly timer: NodeJS.Timeout;
  private running = false;

  constructor(private readonly options: CredentialRecheckOptions) {
    this.timer = setInterval(() => void this.checkAll(), options.intervalMs);
    this.timer.unref();
  }

  /** Watches a socket that authenticated with `credential` as `principal`, until it closes. */
  watch(socket: WebSocket, credential: ConnectionCredential, principal: Principal): void {
    this.watched.set(socket, { credential, principal });
    socket.once('close', () => this.watched.delete(socket));
  }

  stop(): void {
    clearInterval(this.timer);
    this.watched.clear();
  }

  /** One round: every distinct credential checked afresh, every socket holding a dead one closed. */
  async checkAll(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const byCredential = new Map<string, [WebSocket, Watched][]>();
      for (const entry of this.watched) {
        const key = keyOf(entry[1].credential);
        const list = byCredential.get(key) ?? [];
        list.push(entry);
        byCredential.set(key, list);
      }
      for (const sockets of byCredential.values()) {
        const verdict = await this.check(sockets[0]![1].credential);
        if (verdict === 'unknown') continue;
        for (const [socket, { principal }] of sockets) {
          const reason = verdict instanceof Error ? verdict.message : changed(principal, verdict);
          if (!reason) continue;
          this.watched.delete(socket);
          this.options.onRevoked?.();
          this.options.logger.info(
            { actor: principal.id, reason },
            'closing a connection whose credential no longer holds',
          );
          socket.close(CloseCode.Unauthorized, reason.slice(0, 120));
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async check(credential: ConnectionCredential): Promise<Principal | Error | 'unknown'> {
    try {
      return (
        await this.options.authenticator.authenticate(credential.authorization, undefined, {
          fresh: true,
          sessionToken: credential.sessionToken,
        })
      ).principal;
    } catch (err) {
      if ((err as { code?: string }).code === 'UNAUTHENTICATED') return err as Error;
      this.options.logger.warn({ err }, 'cannot re-check connection credentials now; keeping them open');
      return 'unknown';
    }
  }
}

function changed(before: Principal, now: Principal): string | undefined {
  const same = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
  if (
    before.id !== now.id ||
    !same(before.roles, now.roles) ||
    !same(before.jurisdictions, now.jurisdictions)
  ) {
    return 'Your roles or jurisdictions changed: reconnect';
  }
  return undefined;
}
