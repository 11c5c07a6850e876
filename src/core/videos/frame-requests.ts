import { ValidationError } from '../errors.ts';
import type { Rendition, Video } from '../model/video.ts';
import type { MediaPlaylistInfo } from '../playlists/media-playlist.ts';

/**
 * The pure parts of taking a frame out of a published video: which rendition, which segment, what
 * size, and where the picture is kept. Used by VideoFrames (video-frames.ts).
 */
export const THUMBNAIL_MIN_WIDTH = 64;
export const THUMBNAIL_MAX_WIDTH = 1280;
export const THUMBNAIL_DEFAULT_WIDTH = 320;

/** The largest video rendition of a video (its frames are the best published), or null (audio only). */
export function bestVideoRendition(video: Pick<Video, 'renditions'>): Rendition | null {
  let best: Rendition | null = null;
  for (const r of video.renditions) {
    if (r.width > 0 && r.height > 0 && (!best || r.width * r.height > best.width * best.height)) best = r;
  }
  return best;
}

/**
 * A thumbnail's size: `width` clamped to 64..1280 and to the rendition's own width (never upscaled),
 * the height from the rendition's aspect, both even.
 */
export function thumbnailSize(rendition: Pick<Rendition, 'width' | 'height'>, width: number | undefined): { width: number; height: number } {
  const wanted = width === undefined || !Number.isFinite(width) ? THUMBNAIL_DEFAULT_WIDTH : width;
  const w = even(Math.min(Math.max(wanted, THUMBNAIL_MIN_WIDTH), THUMBNAIL_MAX_WIDTH, rendition.width));
  return { width: w, height: even((w * rendition.height) / rendition.width) };
}

/** A time clamped to the video (0 .. just before its end), rounded down to a tenth of a second. */
export function clampTime(timeSec: number, durationSec: number): number {
  const t = Number.isFinite(timeSec) ? Math.max(0, timeSec) : 0;
  const end = Number.isFinite(durationSec) && durationSec > 0 ? durationSec : 0;
  const clamped = Math.floor(Math.min(t, end) * 10) / 10;
  return clamped >= end && end > 0 ? Math.max(0, Math.floor((end - 0.1) * 10) / 10) : clamped;
}

/** The key a thumbnail is kept under in the media store: `<id>/thumbs/<t>-<w>.jpg`. */
export function thumbnailKey(videoId: string, timeSec: number, width: number): string {
  return `${videoId}/thumbs/${timeSec.toFixed(1)}-${width}.jpg`;
}

/** The key of a poster taken at a chosen time: `<id>/poster-<t>.jpg` (a new name, so no cache serves the old one). */
export function posterKeyAt(videoId: string, timeSec: number): string {
  return `${videoId}/poster-${timeSec.toFixed(1)}.jpg`;
}

/** Where the frame at `timeSec` is in a media playlist: its init and segment keys, and the time in that segment. */
export function segmentAt(
  videoId: string,
  playlistPath: string,
  playlist: MediaPlaylistInfo,
  timeSec: number,
): { initKey: string; segmentKey: string; offsetSec: number } {
  if (!playlist.mapUri || playlist.segments.length === 0) throw new ValidationError('the video has no picture to take a frame from yet');
  let start = 0;
  let index = playlist.segments.length - 1;
  for (let i = 0; i < playlist.segments.length; i++) {
    if (timeSec < start + playlist.segments[i].duration) {
      index = i;
      break;
    }
    if (i < playlist.segments.length - 1) start += playlist.segments[i].duration;
  }
  const folder = playlistPath.includes('/') ? playlistPath.slice(0, playlistPath.lastIndexOf('/') + 1) : '';
  return {
    initKey: resolveKey(videoId, folder, playlist.mapUri),
    segmentKey: resolveKey(videoId, folder, playlist.segments[index].uri),
    offsetSec: Math.max(0, Math.round((timeSec - start) * 1000) / 1000),
  };
}

/** A playlist's relative URI as a key under the video's folder; anything else is refused. */
function resolveKey(videoId: string, folder: string, uri: string): string {
  const path = `${folder}${uri.split('?')[0]}`;
  if (/^[a-z]+:|^\//i.test(uri) || path.split('/').some((s) => s === '..' || s === '.' || s === '')) {
    throw new ValidationError('the video\'s playlist names a file outside its folder');
  }
  return `${videoId}/${path}`;
}

function even(x: number): number {
  return Math.max(2, Math.round(x / 2) * 2);
}
