import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { TransientError } from '../../../core/errors.ts';
import { fixTargetDuration, parseMediaPlaylist } from '../../../core/playlists/media-playlist.ts';
import { PLAYLIST_FILE } from './ffmpeg-args.ts';
import { codecsOfInitSegment } from './mp4-codecs.ts';

export interface RenditionStats {
  /** Peak segment bit rate, bits per second (see below). */
  peakBps: number;
  /** Total segment bits over total duration. */
  averageBps: number;
  segmentCount: number;
  durationSec: number;
  /** RFC 6381 codecs found in the init segment. */
  codecs: string[];
}

/**
 * Measures one HLS rendition folder from its media playlist and the segment files on disk (and
 * corrects the playlist's target duration when ffmpeg wrote an invalid one).
 * The peak is the highest segment bit rate, where a segment shorter than half the target duration
 * (typically the last one, a lone keyframe) is counted together with the segment before it, so that
 * a 30 ms tail does not pass for the rendition's peak. Returns null when the playlist has no segment.
 */
export async function measureRendition(outputDir: string, folder: string, targetSeconds: number, playlistFile = PLAYLIST_FILE): Promise<RenditionStats | null> {
  const path = join(outputDir, folder, playlistFile);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  const fixed = fixTargetDuration(text);
  if (fixed !== text) {
    await writeFile(`${path}.tmp`, fixed);
    await rename(`${path}.tmp`, path);
  }
  return statsOfPlaylist(outputDir, folder, fixed, targetSeconds);
}

/**
 * The same measure from a playlist's text, without changing any file: for a rendition that is still
 * being written, over the segments listed so far.
 */
export async function statsOfPlaylist(outputDir: string, folder: string, text: string, targetSeconds: number): Promise<RenditionStats | null> {
  const playlist = parseMediaPlaylist(text);
  if (playlist.segments.length === 0 || !playlist.mapUri) return null;
  const sizes: number[] = [];
  for (const s of playlist.segments) sizes.push(await sizeOf(outputDir, folder, s.uri));
  await sizeOf(outputDir, folder, playlist.mapUri);

  const windows: Array<{ bits: number; seconds: number }> = [];
  playlist.segments.forEach((s, i) => {
    const bits = sizes[i] * 8;
    const last = windows[windows.length - 1];
    if (last && s.duration < targetSeconds / 2) {
      last.bits += bits;
      last.seconds += s.duration;
    } else {
      windows.push({ bits, seconds: s.duration });
    }
  });
  const totalBits = sizes.reduce((a, b) => a + b, 0) * 8;
  const peakBps = Math.max(...windows.map((w) => (w.seconds > 0 ? w.bits / w.seconds : 0)));
  const durationSec = playlist.totalDuration;
  const averageBps = durationSec > 0 ? totalBits / durationSec : peakBps;
  return {
    peakBps: Math.ceil(peakBps || averageBps),
    averageBps: Math.ceil(averageBps),
    segmentCount: playlist.segments.length,
    durationSec,
    codecs: await codecsOfInitSegment(join(outputDir, folder, playlist.mapUri)),
  };
}

async function sizeOf(outputDir: string, folder: string, uri: string): Promise<number> {
  const rel = posix.normalize(posix.join(folder, uri));
  if (rel.startsWith('..') || posix.isAbsolute(uri) || uri.includes(':')) {
    throw new TransientError(`ffmpeg wrote an unexpected segment reference: ${uri}`);
  }
  try {
    return (await stat(join(outputDir, rel))).size;
  } catch {
    throw new TransientError(`segment ${rel} listed in the playlist is missing`);
  }
}
