/**
 * The token with one bit of its signature flipped: the same header and claims, a signature that is
 * surely wrong. (Replacing the last characters is not enough: the last base64url character of a
 * 32-byte signature carries two bits that decoding ignores, so some replacements decode to the same bytes.)
 */
export function forgeSignature(token: string): string {
  const dot = token.lastIndexOf('.');
  const sig = Buffer.from(token.slice(dot + 1), 'base64url');
  sig[0] ^= 1;
  return `${token.slice(0, dot + 1)}${sig.toString('base64url')}`;
}
