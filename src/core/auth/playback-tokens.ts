import { SignJWT, jwtVerify, decodeProtectedHeader } from 'jose';
import type { Clock } from '../ports/clock.ts';
import { deriveKey, type SigningKey } from './signed-tokens.ts';

export const PLAYBACK_AUDIENCE = 'vodkit:playback';

/** Longer strings are refused before any parsing (a real token is about 250 characters). */
const MAX_TOKEN_LENGTH = 2048;
/** Tokens already verified, remembered until they expire (a player presents one per segment). */
const MAX_REMEMBERED = 10_000;

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
  /** Valid tokens seen before: their claims (the keys never change for an instance). */
  private readonly verified = new Map<string, PlaybackClaims>();

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

  /**
   * The claims when this instance verified `token` before and it is still valid for `videoId`
   * (the same subject and expiry checks as verify()); else null, and verify() decides. Never waits.
   */
  remembered(token: string, videoId: string): PlaybackClaims | null {
    const seen = this.verified.get(token);
    if (!seen || seen.videoId !== videoId) return null;
    return seen.expiresAt > Math.floor(this.clock.now().getTime() / 1000) ? seen : null;
  }

  /** The claims when the token is valid for `videoId`, else null. */
  async verify(token: string, videoId: string): Promise<PlaybackClaims | null> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const seen = this.verified.get(token);
    if (seen) {
      // The same checks as below, on claims this instance already verified: the subject, and expiry.
      if (seen.expiresAt > now) return seen.videoId === videoId ? seen : null;
      this.verified.delete(token);
      return null;
    }
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
      const claims = { videoId, expiresAt: payload.exp };
      if (this.verified.size >= MAX_REMEMBERED) this.verified.clear();
      this.verified.set(token, claims);
      return claims;
    } catch {
      return null;
    }
  }
}
