import { ValidationError } from '../errors.ts';
import type { SigningKey } from './signed-tokens.ts';

/** The key id used when no playback keys are configured (the key is derived from VODKIT_SECRET). */
export const DEFAULT_PLAYBACK_KID = 'k1';

const KID = /^[A-Za-z0-9_-]{1,32}$/;
const MIN_SECRET_LENGTH = 32;

/**
 * Parses VODKIT_PLAYBACK_KEYS: "kid1:secret1,kid2:secret2". The first key signs new playback
 * tokens; every listed key verifies. Rotating is: put a new key first, wait one token lifetime,
 * then remove the old one. Throws ValidationError with a reason a person can act on.
 */
export function parsePlaybackKeys(text: string): SigningKey[] {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new ValidationError('list at least one key as "kid:secret"');
  const keys: SigningKey[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new ValidationError('each key must be written "kid:secret"');
    const kid = entry.slice(0, colon);
    const secret = entry.slice(colon + 1);
    if (!KID.test(kid)) throw new ValidationError(`key id "${kid}" must be 1 to 32 letters, digits, "_" or "-"`);
    if (seen.has(kid)) throw new ValidationError(`key id "${kid}" is listed twice`);
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new ValidationError(`the secret of key "${kid}" must be at least ${MIN_SECRET_LENGTH} characters`);
    }
    seen.add(kid);
    keys.push({ kid, secret });
  }
  return keys;
}

/** The configured keys, or the one key derived from the installation secret. */
export function playbackSigningKeys(configured: SigningKey[] | undefined, installationSecret: string): SigningKey[] {
  return configured && configured.length > 0 ? configured : [{ kid: DEFAULT_PLAYBACK_KID, secret: installationSecret }];
}
