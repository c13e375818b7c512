/** What a caller may be allowed to do. People hold ANALYST, OPERATOR or ADMIN; software agents hold AGENT. */
export const ROLES = ['AGENT', 'ANALYST', 'OPERATOR', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Who is calling. `agent` principals are registered identities (software agents and people alike);
 * `service` principals are ECP's own processes (the gateway resolving a key, a worker, a benchmark).
 */
export interface Principal {
  kind: 'agent' | 'service';
  id: string;
  name: string;
  roles: readonly Role[];
  jurisdictions: readonly string[];
  /** What the caller authenticated with; absent for ECP's own services. */
  credential?: Credential;
  /**
   * For a `service` principal calling on someone's behalf, the agent or person it acts for. It grants
   * the service nothing: the service's own roles still decide what it may do, and the receiving
   * subgraph decides what, if anything, the actor's roles add. Never set on an `agent` principal.
   */
  actor?: Actor;
}

/**
 * The agent or person on whose behalf a service calls another subgraph: as the gateway verified them
 * for the request that led to the call, so the receiving side can authorize and log them.
 */
export interface Actor {
  id: string;
  name: string;
  roles: readonly Role[];
  jurisdictions: readonly string[];
}

/**
 * The credential behind a request: an API key, used directly or through an access token minted from
 * it, or a person's sign-in session (the gateway's session cookie). Whatever a request may mint
 * (another token) is bound by it: the same key, and no later expiry than `expiresAt`; a session
 * mints no tokens.
 */
export type Credential = ApiKeyCredential | SessionCredential;

export interface ApiKeyCredential {
  /** The API key the request was authenticated with, directly or through a token. */
  apiKeyId: string;
  /** When the access token used expires (seconds since the epoch); absent when the key was used directly. */
  expiresAt?: number;
  sessionId?: undefined;
}

export interface SessionCredential {
  /** The person's sign-in session the request came with. */
  sessionId: string;
  apiKeyId?: undefined;
  expiresAt?: undefined;
}

export function hasRole(principal: Principal | undefined, ...roles: Role[]): boolean {
  return principal?.roles.some((r) => roles.includes(r)) ?? false;
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The identity ECP's own processes use when they call each other. */
export function servicePrincipal(service: string, roles: readonly Role[] = []): Principal {
  return { kind: 'service', id: `service:${service}`, name: service, roles, jurisdictions: [] };
}

/**
 * Whom a request acts for: an agent principal is its own actor; a service principal acts for the actor
 * it carries, or for no one. A service handling a request passes this on when it calls another
 * subgraph, so the actor survives any number of hops.
 */
export function actorOf(principal: Principal): Actor | undefined {
  if (principal.kind === 'service') return principal.actor;
  return {
    id: principal.id,
    name: principal.name,
    roles: principal.roles,
    jurisdictions: principal.jurisdictions,
  };
}

/** `service` acting for `actor` (no one when undefined). */
export function actingFor(service: Principal, actor: Actor | undefined): Principal {
  if (service.kind !== 'service') throw new TypeError('only a service principal acts for someone');
  const { actor: _previous, ...rest } = service;
  return actor ? { ...rest, actor } : rest;
}
