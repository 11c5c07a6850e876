/**
 * Players resolve playlist entries relative to the playlist URL and drop its query string, so a
 * token on the master URL would not reach variant playlists, init segments, segments or keys.
 * Playlists are therefore rewritten at serve time: every URI line and every URI="..." attribute
 * gets the token appended. Works for any HLS client (hls.js, Safari, ffmpeg, VLC).
 */
export function addTokenToPlaylist(text: string, token: string): string {
  const param = `token=${encodeURIComponent(token)}`;
  const withToken = (uri: string) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('/')) return uri; // absolute: not ours to sign
    return uri.includes('?') ? `${uri}&${param}` : `${uri}?${param}`;
  };
  return text
    .split('\n')
    .map((line) => {
      const trimmed = line.trim();
      if (!trimmed) return line;
      if (trimmed.startsWith('#')) {
        return line.replace(/URI="([^"]*)"/g, (_m, uri: string) => `URI="${withToken(uri)}"`);
      }
      return withToken(trimmed);
    })
    .join('\n');
}
