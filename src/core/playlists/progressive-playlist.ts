import { fixTargetDuration, parseMediaPlaylist } from './media-playlist.ts';

/**
 * The text of a media playlist as it is published while its rendition is still being written, and
 * once it is complete.
 *
 * - Growing (no EXT-X-ENDLIST): an EVENT playlist, with EXT-X-START:TIME-OFFSET=0 so that a player
 *   that opens it early starts at the beginning rather than at the live edge (RFC 8216 4.3.5.2).
 * - Complete (EXT-X-ENDLIST): a VOD playlist, EXT-X-START removed. A player that opened the EVENT
 *   playlist sees the same segments with the end marked, and plays to the end.
 * - Either way, an invalid EXT-X-TARGETDURATION (ffmpeg writes 0 when every segment so far is
 *   shorter than half a second) is corrected (see fixTargetDuration).
 */
export const START_AT_BEGINNING = '#EXT-X-START:TIME-OFFSET=0';

export function publishedMediaPlaylist(text: string): string {
  const ended = parseMediaPlaylist(text).ended;
  const lines = fixTargetDuration(text).split(/\r?\n/).filter((l) => !l.startsWith('#EXT-X-START:'));
  const typeAt = lines.findIndex((l) => l.startsWith('#EXT-X-PLAYLIST-TYPE:'));
  const type = `#EXT-X-PLAYLIST-TYPE:${ended ? 'VOD' : 'EVENT'}`;
  if (typeAt >= 0) lines[typeAt] = type;
  else lines.splice(headerEnd(lines), 0, type);
  if (!ended) lines.splice(headerEnd(lines), 0, START_AT_BEGINNING);
  return lines.join('\n');
}

/** Index after the playlist-wide tags that come before the first segment (where tags can be added). */
function headerEnd(lines: string[]): number {
  let at = 1;
  while (at < lines.length && /^#EXT-X-(VERSION|TARGETDURATION|MEDIA-SEQUENCE|PLAYLIST-TYPE|INDEPENDENT-SEGMENTS):?/.test(lines[at])) at++;
  return at;
}
