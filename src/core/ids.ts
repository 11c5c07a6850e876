import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

/** A random, URL-safe, lower-case id: 16 characters = 80 bits. */
export function newId(length = 16): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i] & 31];
  return out;
}

const ID_PATTERN = /^[0-9a-z]{8,40}$/;

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}
