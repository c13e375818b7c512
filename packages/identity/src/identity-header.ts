import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { type Credential, type Principal, ROLES } from './principal';

/**
 * The gateway authenticates callers once and forwards who they are to subgraphs in this header,
 * HMAC-SHA256-signed with a secret only ECP's processes share. Subgraphs refuse any request whose
 * header is missing, malformed, forged or expired, so nothing reaches them except through the gateway.
 *
 * Wire form: `v1.<base64url(JSON claims)>.<base64url(HMAC(secret, "v1." + claims))>`.
 *
 * A service calling another subgraph on someone's behalf adds the `actor` claim (the agent or person,
 * as the gateway verified them), signed with the rest. Claims are only ever added, optionally: a
 * verifier that predates one ignores it, so the service is then taken for itself alone.
 */
export const IDENTITY_HEADER = 'ecp-identity';

const VERSION = 'v1';

const actorClaimSchema = z.object({
  sub: z.string().min(1),
  name: z.string(),
  roles: z.array(z.enum(ROLES)),
  jur: z.array(z.string()),
});

const claimsSchema = z.object({
  kind: z.enum(['agent', 'service']),
  sub: z.string().min(1),
  name: z.string(),
  roles: z.array(z.enum(ROLES)),
  jur: z.array(z.string()),
  iat: z.number().int(),
  exp: z.number().int(),
  /**
   * The caller's credential: the API key id, and the access token's expiry when one was used; or the
   * person's sign-in session. Exactly one of `key` and `ses`.
   */
  cred: z
    .union([
      z.object({ key: z.string().min(1), exp: z.number().int().optional() }).strict(),
      z.object({ ses: z.string().min(1) }).strict(),
    ])
    .optional(),
  /** Whom a service acts for. Only a service acts for someone, and only for one: actors do not nest. */
  actor: actorClaimSchema.optional(),
});

export type IdentityFailure =
  | 'missing'
  | 'malformed'
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'too-long-lived';

/** Clocks of ECP's processes may differ by this much; a header issued further in the future is refused. */
export const IDENTITY_CLOCK_SKEW_SECONDS = 30;
/** The longest lifetime a header may claim: it is minted per request, so a minute or two is plenty. */
export const IDENTITY_MAX_LIFETIME_SECONDS = 120;

export class IdentityHeaderError extends Error {
  constructor(readonly failure: IdentityFailure) {
    super(`identity header ${failure.replaceAll('-', ' ')}`);
    this.name = 'IdentityHeaderError';
  }
}

function mac(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

/** Signs `principal` for `ttlSeconds` (short: the header is minted per request). */
export function signIdentity(
  principal: Principal,
  secret: string,
  ttlSeconds = 60,
  now = Date.now(),
): string {
  if (ttlSeconds > IDENTITY_MAX_LIFETIME_SECONDS) {
    throw new RangeError(`an identity header lives at most ${IDENTITY_MAX_LIFETIME_SECONDS} s`);
  }
  if (principal.actor && principal.kind !== 'service') {
    throw new TypeError('only a service principal acts for someone');
  }
  const iat = Math.floor(now / 1000);
  const claims = {
    kind: principal.kind,
    sub: principal.id,
    name: principal.name,
    roles: principal.roles,
    jur: principal.jurisdictions,
    iat,
    exp: iat + ttlSeconds,
    ...(principal.credential ? { cred: credentialClaim(principal.credential) } : {}),
    ...(principal.actor
      ? {
          actor: {
            sub: principal.actor.id,
            name: principal.actor.name,
            roles: principal.actor.roles,
            jur: principal.actor.jurisdictions,
          },
        }
      : {}),
  };
  const body = `${VERSION}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${mac(secret, body).toString('base64url')}`;
}

/**
 * Verifies a header against any of `secrets` (the current one first, then ones being rotated out).
 * Throws IdentityHeaderError saying why it was refused.
 */
export function verifyIdentity(
  header: string | undefined,
  secrets: readonly string[],
  now = Date.now(),
): Principal {
  if (!header) throw new IdentityHeaderError('missing');
  const parts = header.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION || !parts[1] || !parts[2])
    throw new IdentityHeaderError('malformed');
  const body = `${parts[0]}.${parts[1]}`;
  const given = Buffer.from(parts[2], 'base64url');
  const valid = secrets.some((secret) => {
    const expected = mac(secret, body);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!valid) throw new IdentityHeaderError('bad-signature');
  let claims: z.infer<typeof claimsSchema>;
  try {
    claims = claimsSchema.parse(JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')));
  } catch {
    throw new IdentityHeaderError('malformed');
  }
  // However well signed, an agent acting for someone else is nothing ECP mints: refuse it outright.
  if (claims.actor && claims.kind !== 'service') throw new IdentityHeaderError('malformed');
  if (claims.exp * 1000 < now) throw new IdentityHeaderError('expired');
  // A leaked or replayed header must not be usable for long: refuse one minted in the future, or one
  // whose signer gave it a longer life than any ECP process does.
  if (claims.iat * 1000 > now + IDENTITY_CLOCK_SKEW_SECONDS * 1000)
    throw new IdentityHeaderError('not-yet-valid');
  if (claims.exp - claims.iat > IDENTITY_MAX_LIFETIME_SECONDS || claims.exp < claims.iat) {
    throw new IdentityHeaderError('too-long-lived');
  }
  return {
    kind: claims.kind,
    id: claims.sub,
    name: claims.name,
    roles: claims.roles,
    jurisdictions: claims.jur,
    ...(claims.cred ? { credential: credentialOf(claims.cred) } : {}),
    ...(claims.actor
      ? {
          actor: {
            id: claims.actor.sub,
            name: claims.actor.name,
            roles: claims.actor.roles,
            jurisdictions: claims.actor.jur,
          },
        }
      : {}),
  };
}

function credentialClaim(credential: Credential): NonNullable<z.infer<typeof claimsSchema>['cred']> {
  if (credential.sessionId !== undefined) return { ses: credential.sessionId };
  return {
    key: credential.apiKeyId,
    ...(credential.expiresAt === undefined ? {} : { exp: credential.expiresAt }),
  };
}

function credentialOf(claim: NonNullable<z.infer<typeof claimsSchema>['cred']>): Credential {
  if ('ses' in claim) return { sessionId: claim.ses };
  return { apiKeyId: claim.key, ...(claim.exp === undefined ? {} : { expiresAt: claim.exp }) };
}
