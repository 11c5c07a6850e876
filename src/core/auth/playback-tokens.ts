import { SignJWT, jwtVerify, decodeProtectedHeader } from 'jose';
import type { Clock } from '../ports/clock.ts';
import { deriveKey, type SigningKey } from './signed-tokens.ts';

export const PLAYBACK_AUDIENCE = 'vodkit:playback';

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
    try {
      const { kid, alg } = decodeProtectedHeader(token);
      const key = typeof kid === 'string' ? this.keys.get(kid) : undefined;
      if (!key || alg !== 'HS256') return null;
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        audience: PLAYBACK_AUDIENCE,
        subject: videoId,
        currentDate: this.clock.now(),
      });
      return { videoId, expiresAt: payload.exp! };
    } catch {
      return null;
    }
  }
}
