import { randomBytes } from 'node:crypto';
import { graphql } from './http';
import type { Stack } from './stack';

/** A person an admin created, who set a password and signed in. */
export interface SignedInPerson {
  id: string;
  email: string;
  password: string;
  /** `ecp_session=<token>`, as a browser would send it back in `Cookie`. */
  cookie: string;
}

/**
 * Creates a person as the stack's admin (`createPerson`), sets their password with the one-time setup
 * token (`POST /auth/set-password`) and signs them in (`POST /auth/sign-in`), the way a person would.
 */
export async function createPerson(
  stack: Stack,
  { name = 'Pat Person', roles = ['ANALYST'] }: { name?: string; roles?: string[] } = {},
): Promise<Omit<SignedInPerson, 'cookie'>> {
  const email = `${name.toLowerCase().replace(/[^a-z]+/g, '.')}.${randomBytes(4).toString('hex')}@example.test`;
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  const created = await graphql<{ createPerson: { person: { id: string }; setupToken: string } }>(
    stack.graphqlUrl,
    `mutation ($input: CreatePersonInput!) { createPerson(input: $input) { person { id } setupToken } }`,
    { input: { name, email, roles } },
    { headers: { authorization: `Bearer ${stack.adminKey}` } },
  );
  if (created.body.errors) throw new Error(`createPerson failed: ${JSON.stringify(created.body.errors)}`);
  const { person, setupToken } = created.body.data!.createPerson;
  const set = await fetch(`${stack.gatewayUrl}/auth/set-password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: setupToken, password }),
  });
  if (!set.ok) throw new Error(`set-password answered ${set.status}: ${await set.text()}`);
  return { id: person.id, email, password };
}

/** Signs `email` in through the gateway and returns the session cookie to send back. */
export async function signIn(stack: Stack, email: string, password: string): Promise<string> {
  const res = await fetch(`${stack.gatewayUrl}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(`sign-in answered ${res.status}: ${await res.text()}`);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('ecp_session='));
  if (!cookie) throw new Error('sign-in set no ecp_session cookie');
  return cookie.split(';')[0]!;
}

/** A person with the given roles, created and signed in. */
export async function signedInPerson(
  stack: Stack,
  options: { name?: string; roles?: string[] } = {},
): Promise<SignedInPerson> {
  const person = await createPerson(stack, options);
  return { ...person, cookie: await signIn(stack, person.email, person.password) };
}
