/**
 * How both pages talk to the gateway on their own origin. A person signed in holds an httpOnly
 * session cookie the page never sees: same-origin requests and the graphql-ws handshake carry it by
 * themselves. Someone who signs in with an API key instead has it kept in this tab's session storage
 * only (gone when the tab closes) and sent as `Authorization: Bearer` and in `connection_init`.
 */
import { type Client, createClient } from 'graphql-ws';

const API_KEY_STORAGE = 'ecp.apiKey';

/** Who the page acts as, from `me`. */
export interface Me {
  id: string;
  name: string;
  roles: string[];
  email?: string | null;
}

/** A GraphQL or HTTP error with the `extensions.code` the gateway gave it. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status?: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function storedApiKey(): string | null {
  return sessionStorage.getItem(API_KEY_STORAGE);
}

export function rememberApiKey(key: string): void {
  sessionStorage.setItem(API_KEY_STORAGE, key.trim());
}

export function forgetApiKey(): void {
  sessionStorage.removeItem(API_KEY_STORAGE);
}

/** `Authorization` when an API key is held; nothing when the session cookie speaks for the page. */
export function authHeaders(): Record<string, string> {
  const key = storedApiKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** One query or mutation over HTTP; the first error, if any, is thrown as an ApiError. */
export async function graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...authHeaders() },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError('The gateway cannot be reached.', 'NETWORK_ERROR');
  }
  const body = (await res.json().catch(() => ({}))) as GraphQLAnswer<T>;
  const first = body.errors?.[0];
  if (first) throw new ApiError(first.message, first.extensions?.code ?? 'INTERNAL_SERVER_ERROR', res.status);
  if (!res.ok || body.data == null)
    throw new ApiError(`The gateway answered ${res.status}.`, 'HTTP_ERROR', res.status);
  return body.data;
}

/** The gateway's graphql-ws endpoint on this page's origin. */
export function websocketUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/graphql`;
}

/**
 * A graphql-ws client that reconnects by itself, forever, with backoff (the gateway restarting is
 * a pause, not an end). Subscriptions resume from their cursor when the caller passes it again.
 */
export function createSocket(options: { onConnected?: () => void; onClosed?: () => void } = {}): Client {
  return createClient({
    url: websocketUrl(),
    lazy: true,
    connectionParams: () => {
      const key = storedApiKey();
      return key ? { authorization: `Bearer ${key}` } : {};
    },
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: async (retries) => {
      const ms = Math.min(10_000, 500 * 2 ** Math.min(retries, 5)) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, ms));
    },
    on: {
      connected: () => options.onConnected?.(),
      closed: () => options.onClosed?.(),
    },
  });
}

async function postAuth<T>(path: string, body: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError('The gateway cannot be reached.', 'NETWORK_ERROR');
  }
  const answer = (await res.json().catch(() => ({}))) as GraphQLAnswer<never> & T;
  const first = answer.errors?.[0];
  if (!res.ok || first) {
    const retryAfter = Number(res.headers.get('retry-after'));
    throw new ApiError(
      first?.message ?? `The gateway answered ${res.status}.`,
      first?.extensions?.code ?? 'HTTP_ERROR',
      res.status,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    );
  }
  return answer;
}

/** Signs a person in: the gateway sets the session cookie. Wrong credentials throw UNAUTHENTICATED, too many tries RATE_LIMITED. */
export async function signIn(email: string, password: string): Promise<{ person: Me; expiresAt: string }> {
  forgetApiKey();
  return postAuth('/auth/sign-in', { email, password });
}

/** Ends the person's session (and forgets any API key held by this tab). */
export async function signOut(): Promise<void> {
  forgetApiKey();
  await postAuth('/auth/sign-out', {}).catch(() => undefined);
}

/** Sets a new person's password with the one-time setup token an admin handed them. */
export async function setPassword(token: string, password: string): Promise<{ email: string }> {
  return postAuth('/auth/set-password', { token, password });
}

/** Who the page acts as now, or null when nobody is signed in (or the key or session stopped working). */
export async function whoAmI(): Promise<Me | null> {
  try {
    const data = await graphql<{ me: Me | null }>('{ me { id name roles email } }');
    return data.me;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') return null;
    throw err;
  }
}
