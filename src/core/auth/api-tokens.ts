import { createHash, randomBytes } from 'node:crypto';

/** A new API token secret, "vk_" + 43 base64url characters (256 bits). */
export function newApiTokenSecret(): string {
  return `vk_${randomBytes(32).toString('base64url')}`;
}

/** Tokens are stored as SHA-256 hex: a leaked database does not leak usable tokens. */
export function hashApiToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
