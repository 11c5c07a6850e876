import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Keys for vodkit's own stateless tokens (sessions, playback), derived from the installation secret
 * per purpose and key id, so that rotating is adding a new secret with a new `kid`.
 */
export interface SigningKey {
  kid: string;
  secret: string;
}

export function deriveKey(secret: string, purpose: string, kid: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, `vodkit:${kid}`, purpose, 32));
}

/** Compact "payload.signature" token with an HMAC-SHA256 signature; payload is base64url JSON. */
export function signToken(key: Buffer, payload: object): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const sig = createHmac('sha256', key).update(body).digest('base64url');
  return `${body}.${sig}`;
}

export function verifyToken<T>(key: Buffer, token: string): T | null {
  const dot = token.indexOf('.');
  if (dot <= 0) return null;
  const body = token.slice(0, dot);
  const sig = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = createHmac('sha256', key).update(body).digest();
  if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) return null;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T;
  } catch {
    return null;
  }
}
