import { SignJWT, jwtVerify, decodeProtectedHeader } from 'jose';
import type { Clock } from '../ports/clock.ts';
import { deriveKey, type SigningKey } from './signed-tokens.ts';

export const PLAYBACK_AUDIENCE = 'vodkit:playback';

/** Longer strings are refused before any parsing (a real token is about 250 characters). */
const MAX_TOKEN_LENGTH = 2048;

export interface PlaybackClaims {
  videoId: string;
  /** Unix seconds. */
  expiresAt: number;
}

/**
 * Short-lived playback tokens: HS256 JWTs with `kid` (rotation), `sub` = video id, `aud` = what they
 * unlock, `exp`. The first key signs; every listed key verifies, so keys rotate by adding a new one first.
 */
export class PlaybackTokens {
  private readonly keys: Map<string, Uint8Array>;
  private readonly current: string;

  /** Key ids that verify, the signing one first. */
  get kids(): string[] {
    return [...this.keys.keys()];
  }

  constructor(
    keys: SigningKey[],
    private readonly clock: Clock,
    private readonly ttlSec: number,
  ) {
    if (keys.length === 0) throw new Error('PlaybackTokens needs at least one key');
    this.keys = new Map(keys.map((k) => [k.kid, new Uint8Array(deriveKey(k.secret, 'playback', k.kid))]));
    this.current = keys[0].kid;
  }

  async issue(videoId: string): Promise<{ token: string; expiresAt: number }> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const expiresAt = now + this.ttlSec;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: this.current, typ: 'JWT' })
      .setSubject(videoId)
      .setAudience(PLAYBACK_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(expiresAt)
      .sign(this.keys.get(this.current)!);
    return { token, expiresAt };
  }

  /** The claims when the token is valid for `videoId`, else null. */
  async verify(token: string, videoId: string): Promise<PlaybackClaims | null> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
    try {
      const { kid, alg, crit } = decodeProtectedHeader(token);
      // Only the header this class writes: a listed kid, HS256, no critical extensions.
      const key = typeof kid === 'string' && this.keys.has(kid) ? this.keys.get(kid) : undefined;
      if (!key || alg !== 'HS256' || crit !== undefined) return null;
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        audience: PLAYBACK_AUDIENCE,
        subject: videoId,
        requiredClaims: ['exp', 'sub', 'aud'],
        currentDate: this.clock.now(),
      });
      if (typeof payload.exp !== 'number') return null;
      return { videoId, expiresAt: payload.exp };
    } catch {
      return null;
    }
  }
}
