import { ValidationError } from '../errors.ts';

/**
 * HLS subtitles (RFC 8216): a WebVTT media playlist per caption track, and the
 * `EXT-X-MEDIA:TYPE=SUBTITLES` group of the master playlist that every variant names.
 */

/** GROUP-ID of the subtitles group in every master vodkit writes. */
export const SUBTITLES_GROUP = 'subs';

/** A caption track as a master playlist lists it. */
export interface SubtitlesEntry {
  /** BCP 47 tag (LANGUAGE). */
  language: string;
  /** NAME. */
  label: string;
  /** The track's media playlist, relative to the master. */
  uri: string;
}

/** A VOD media playlist of one WebVTT segment (`vttUri`, relative to the playlist) covering the whole video. */
export function writeSubtitlesPlaylist(vttUri: string, durationSec: number): string {
  checkUri(vttUri);
  const duration = Number.isFinite(durationSec) && durationSec > 0 ? durationSec : 1;
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${Math.ceil(duration)}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXTINF:${duration.toFixed(3)},`,
    vttUri,
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
}

/**
 * `master` with exactly the subtitles group of `tracks`: its EXT-X-MEDIA lines (after the other
 * EXT-X-MEDIA lines, in the order given) and `SUBTITLES="subs"` on every EXT-X-STREAM-INF; without
 * tracks, neither. Applying it twice gives the same text.
 */
export function withSubtitles(master: string, tracks: readonly SubtitlesEntry[]): string {
  const lines = master.replace(/\r\n?/g, '\n').split('\n');
  if (lines[0]?.trim() !== '#EXTM3U') throw new ValidationError('not an HLS playlist');
  const media = tracks.map(mediaLine);
  const out: string[] = [];
  let inserted = false;
  const insert = () => {
    if (!inserted) out.push(...media);
    inserted = true;
  };
  for (const line of lines) {
    if (isOurGroup(line)) continue;
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      insert();
      const attrs = line.slice('#EXT-X-STREAM-INF:'.length).replace(/(^|,)SUBTITLES="[^"]*"/g, '').replace(/^,/, '');
      out.push(`#EXT-X-STREAM-INF:${attrs}${tracks.length > 0 ? `,SUBTITLES="${SUBTITLES_GROUP}"` : ''}`);
      continue;
    }
    out.push(line);
  }
  if (!inserted) throw new ValidationError('the master playlist has no variant');
  return out.join('\n');
}

/** The path of `toKey` relative to the folder of `fromKey` (both store keys, "/"-separated). */
export function relativeKey(fromKey: string, toKey: string): string {
  const from = fromKey.split('/').slice(0, -1);
  const to = toKey.split('/');
  let common = 0;
  while (common < from.length && common < to.length - 1 && from[common] === to[common]) common++;
  return [...from.slice(common).map(() => '..'), ...to.slice(common)].join('/');
}

function isOurGroup(line: string): boolean {
  return line.startsWith('#EXT-X-MEDIA:') && /(^|[:,])TYPE=SUBTITLES(,|$)/.test(line) && line.includes(`GROUP-ID="${SUBTITLES_GROUP}"`);
}

function mediaLine(t: SubtitlesEntry): string {
  for (const [what, value] of [['language', t.language], ['label', t.label]] as const) {
    if (!value || /["\r\n]/.test(value)) throw new ValidationError(`the subtitles ${what} cannot be empty or contain quotes or newlines`);
  }
  checkUri(t.uri);
  return `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="${SUBTITLES_GROUP}",NAME="${t.label}",LANGUAGE="${t.language}",DEFAULT=NO,AUTOSELECT=YES,URI="${t.uri}"`;
}

function checkUri(uri: string): void {
  if (!uri || /[\s"#?]/.test(uri) || uri.startsWith('/')) throw new ValidationError(`invalid subtitles URI "${uri}"`);
}
