import { hkdfSync } from 'node:crypto';
import { ValidationError } from '../errors.ts';

/** The key id of HLS content keys derived from the installation secret. */
export const DEFAULT_HLS_KID = 'k1';

const KID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * HLS AES-128 content keys, derived and never stored: key = HKDF-SHA256(secret, salt
 * "vodkit:hls:<kid>", info <video id>), 16 bytes. Anyone holding the secret can derive every key,
 * so the secret must stay out of the media store; the keys themselves exist only in memory.
 */
export class HlsKeys {
  constructor(
    private readonly secret: string,
    readonly kid: string = DEFAULT_HLS_KID,
  ) {
    if (!secret) throw new ValidationError('an HLS key secret is required');
    if (!KID.test(kid)) throw new ValidationError(`HLS key id "${kid}" must be 1 to 32 letters, digits, "_" or "-"`);
  }

  /** The 16-byte key of one video under `kid` (the current kid by default). */
  keyFor(videoId: string, kid: string = this.kid): Buffer {
    if (!videoId) throw new ValidationError('a video id is required');
    return Buffer.from(hkdfSync('sha256', this.secret, `vodkit:hls:${kid}`, videoId, 16));
  }

  /** The key file name a playlist refers to, e.g. "k1.key". */
  fileName(kid: string = this.kid): string {
    return `${kid}.key`;
  }
}
