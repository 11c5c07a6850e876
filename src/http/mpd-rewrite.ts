/**
 * The DASH counterpart of playlist-rewrite.ts: a player resolves the manifest's segment URLs
 * against the manifest's URL without its query string, so a token on the manifest URL would not
 * reach the init segments and segments. At serve time every relative URL of a `sourceURL`, `media`
 * or `initialization` attribute gets the token appended (the manifest is XML: `&` is written `&amp;`).
 */
export function addTokenToMpd(text: string, token: string): string {
  const param = `token=${encodeURIComponent(token)}`;
  return text.replace(/\b(sourceURL|media|initialization)="([^"]*)"/g, (whole, name: string, uri: string) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('/') || uri === '') return whole; // absolute: not ours to sign
    return `${name}="${uri}${uri.includes('?') ? '&amp;' : '?'}${param}"`;
  });
}
