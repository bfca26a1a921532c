/**
 * Password hashing with node:crypto scrypt, stored as a self-describing string
 * `scrypt$N$r$p$salt$hash` (base64url) so parameters can be raised later.
 */
import crypto from 'node:crypto';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** 128·N·r = 128 MB of memory per hash: see HashGate.ts for how many run at once. */
export const SCRYPT_PARAMS: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const MAX_N = 2 ** 20;

function scrypt(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; leave headroom over that.
  const maxmem = 256 * N * r;
  return new Promise((resolve, reject) => {
    crypto.scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { N, r, p, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** `params`: lower only in tests (stored hashes say their own parameters). */
export async function hashPassword(password: string, params: ScryptParams = SCRYPT_PARAMS): Promise<string> {
  const { N, r, p } = params;
  const salt = crypto.randomBytes(SALT_LENGTH);
  const key = await scrypt(password, salt, N, r, p);
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** False for a wrong password or an unreadable hash; never throws on bad input. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || N > MAX_N || r > 32 || p > 16)
    return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length !== KEY_LENGTH) return false;
  const key = await scrypt(password, salt, N, r, p);
  return crypto.timingSafeEqual(key, expected);
}

/** Burns the same time as a real verification, for unknown e-mail addresses. */
export async function verifyAgainstNothing(
  password: string,
  params: ScryptParams = SCRYPT_PARAMS,
): Promise<false> {
  const { N, r, p } = params;
  await scrypt(password, Buffer.alloc(SALT_LENGTH), N, r, p);
  return false;
}

/** A random password for generated accounts: 24 base64url characters (144 bits). */
export function randomPassword(): string {
  return crypto.randomBytes(18).toString('base64url');
}
