import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** A key derivation function with scrypt's signature; `Passwords` uses scrypt itself. */
export type PasswordKdf = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) => Promise<Buffer>;

export const scrypt: PasswordKdf = (password, salt, keylen, options) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );

const PARAMS = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_BYTES = 32;
/** Salt for the work done when there is no stored hash to check against (any constant will do). */
const NO_USER_SALT = Buffer.alloc(16);

/** Password hashes: "scrypt$N$r$p$salt$hash" (base64url). */
export class Passwords {
  constructor(private readonly kdf: PasswordKdf = scrypt) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await this.kdf(password, salt, KEY_BYTES, PARAMS);
    return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  /**
   * True when `password` matches `stored`. Without a usable stored hash (unknown e-mail, an
   * account without a password) it still derives one key with the same parameters before
   * answering false, so the time taken does not tell whether an account exists.
   */
  async verify(password: string, stored: string | null): Promise<boolean> {
    const [scheme, n, r, p, salt, hash] = (stored ?? '').split('$');
    if (scheme !== 'scrypt' || !salt || !hash) {
      await this.kdf(password, NO_USER_SALT, KEY_BYTES, PARAMS);
      return false;
    }
    const expected = Buffer.from(hash, 'base64url');
    const key = await this.kdf(password, Buffer.from(salt, 'base64url'), expected.length, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
      maxmem: PARAMS.maxmem,
    });
    return timingSafeEqual(key, expected);
  }
}

const defaultPasswords = new Passwords();

export function hashPassword(password: string): Promise<string> {
  return defaultPasswords.hash(password);
}

export function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  return defaultPasswords.verify(password, stored);
}

export function checkPasswordStrength(password: string): string | null {
  if (password.length < 10) return 'the password must be at least 10 characters long';
  if (password.length > 1024) return 'the password is too long';
  return null;
}
