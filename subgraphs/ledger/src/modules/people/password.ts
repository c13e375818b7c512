import { BadUserInputError } from '@ecp/errors/errors';
import { hash, verify } from '@node-rs/argon2';

/**
 * Passwords are kept as argon2id hashes with OWASP's recommended minimum (19 MiB of memory, two
 * passes, one lane): slow enough to make a stolen table expensive to guess through, quick enough
 * (~20 ms here) to sign people in without a queue.
 */
/** `algorithm` 2 is Argon2id (the package's const enum cannot be imported under isolated modules). */
const ARGON2ID = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** A hash of a password nobody has, verified against when the email is unknown, so timing tells nothing. */
let decoy: Promise<string> | undefined;

/** Refuses a password too short or too long to be one (BAD_USER_INPUT on `password`). */
export function assertAcceptablePassword(password: unknown): asserts password is string {
  if (typeof password !== 'string' || [...password].length < PASSWORD_MIN_LENGTH) {
    throw new BadUserInputError(`A password must have at least ${PASSWORD_MIN_LENGTH} characters.`, [
      { path: 'password', reason: `at least ${PASSWORD_MIN_LENGTH} characters` },
    ]);
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw new BadUserInputError(`A password must have at most ${PASSWORD_MAX_LENGTH} characters.`, [
      { path: 'password', reason: `at most ${PASSWORD_MAX_LENGTH} characters` },
    ]);
  }
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID);
}

/** Whether `password` matches `stored`; with no stored hash, checks against a decoy and answers false. */
export async function passwordMatches(stored: string | null, password: string): Promise<boolean> {
  if (!stored) {
    decoy ??= hash('not a password anyone has', ARGON2ID);
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}
