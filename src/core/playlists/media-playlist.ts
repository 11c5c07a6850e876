import { ValidationError } from '../errors.ts';

/** The parts of an HLS media playlist vodkit reads back: its segments and their durations. */
export interface MediaPlaylistInfo {
  version: number | null;
  targetDuration: number | null;
  /** URI of EXT-X-MAP (the fMP4 init segment), if any. */
  mapUri: string | null;
  segments: Array<{ uri: string; duration: number }>;
  /** True when the playlist ends with EXT-X-ENDLIST (complete VOD). */
  ended: boolean;
  /** Sum of the segment durations, seconds. */
  totalDuration: number;
}

/** Parses a media playlist. Throws ValidationError for a master playlist or text that is not HLS. */
export function parseMediaPlaylist(text: string): MediaPlaylistInfo {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines[0] !== '#EXTM3U') throw new ValidationError('not an HLS playlist (missing #EXTM3U)');
  const info: MediaPlaylistInfo = {
    version: null,
    targetDuration: null,
    mapUri: null,
    segments: [],
    ended: false,
    totalDuration: 0,
  };
  let pending: number | null = null;
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    if (line.startsWith('#EXT-X-STREAM-INF')) throw new ValidationError('a master playlist, not a media playlist');
    if (line.startsWith('#EXT-X-VERSION:')) info.version = Number(line.slice(15));
    else if (line.startsWith('#EXT-X-TARGETDURATION:')) info.targetDuration = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-MAP:')) info.mapUri = attribute(line, 'URI');
    else if (line === '#EXT-X-ENDLIST') info.ended = true;
    else if (line.startsWith('#EXTINF:')) {
      const duration = Number.parseFloat(line.slice(8));
      if (!Number.isFinite(duration) || duration < 0) throw new ValidationError(`bad segment duration: ${line}`);
      pending = duration;
    } else if (!line.startsWith('#')) {
      if (pending === null) throw new ValidationError(`segment without #EXTINF: ${line}`);
      info.segments.push({ uri: line, duration: pending });
      info.totalDuration += pending;
      pending = null;
    }
  }
  return info;
}

function attribute(line: string, name: string): string | null {
  const m = new RegExp(`(?:^|[:,])${name}="([^"]*)"`).exec(line);
  return m ? m[1] : null;
}

/**
 * Makes EXT-X-TARGETDURATION valid (RFC 8216 4.3.3.1: every EXTINF rounded to the nearest integer
 * is at most the target, and the target is a positive integer). ffmpeg writes 0 for a media
 * playlist whose only segment is shorter than half a second. Returns the text unchanged when valid.
 */
export function fixTargetDuration(text: string): string {
  const info = parseMediaPlaylist(text);
  const longest = Math.max(0, ...info.segments.map((s) => s.duration));
  const required = Math.max(1, Math.round(longest));
  if (info.targetDuration !== null && info.targetDuration >= required) return text;
  if (info.targetDuration === null) return text.replace(/^#EXTM3U\r?\n/, `#EXTM3U\n#EXT-X-TARGETDURATION:${required}\n`);
  return text.replace(/^#EXT-X-TARGETDURATION:.*$/m, `#EXT-X-TARGETDURATION:${required}`);
}
