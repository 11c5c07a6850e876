import type { ObjectStore } from '../ports/object-store.ts';
import type { CaptionTrack, Video } from '../model/video.ts';
import { cacheControlFor, contentTypeFor } from '../media-files.ts';
import { relativeKey, withSubtitles, writeSubtitlesPlaylist } from '../playlists/subtitles-playlist.ts';
import { withTimestampMap } from './webvtt.ts';

/**
 * Writes a caption track's files: the WebVTT file and its HLS media playlist (one segment
 * covering `durationSec`), at the track's keys.
 */
export async function putCaptionFiles(media: ObjectStore, track: Pick<CaptionTrack, 'vttKey' | 'playlistKey'>, vtt: string, durationSec: number): Promise<void> {
  await media.put(track.vttKey, Buffer.from(withTimestampMap(vtt), 'utf8'), { contentType: contentTypeFor(track.vttKey), cacheControl: cacheControlFor(track.vttKey) });
  const playlist = writeSubtitlesPlaylist(relativeKey(track.playlistKey, track.vttKey), durationSec);
  await media.put(track.playlistKey, Buffer.from(playlist, 'utf8'), { contentType: contentTypeFor(track.playlistKey), cacheControl: cacheControlFor(track.playlistKey) });
}

/**
 * Makes the video's published master playlist list exactly its caption tracks (a subtitles group
 * named by every variant; none without tracks). The master is replaced in one put, and only when
 * it changes. False when the video has no master yet (the encode's completion publishes them).
 */
export async function publishSubtitlesGroup(media: ObjectStore, video: Pick<Video, 'masterKey' | 'captions'>): Promise<boolean> {
  const masterKey = video.masterKey;
  if (!masterKey) return false;
  let text: string;
  try {
    const { body } = await media.get(masterKey);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
    text = Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    if (await media.head(masterKey).catch(() => null)) throw err;
    return false;
  }
  const tracks = (video.captions ?? []).map((c) => ({ language: c.language, label: c.label, uri: relativeKey(masterKey, c.playlistKey) }));
  const next = withSubtitles(text, tracks);
  if (next === text) return true;
  await media.put(masterKey, Buffer.from(next, 'utf8'), { contentType: contentTypeFor(masterKey), cacheControl: cacheControlFor(masterKey) });
  return true;
}

/** The tracks whose WebVTT file is in the store (an interrupted attempt's clean-up may have removed some). */
export async function presentCaptions(media: ObjectStore, tracks: readonly CaptionTrack[] | null | undefined): Promise<CaptionTrack[]> {
  const found = await Promise.all((tracks ?? []).map(async (t) => ((await media.head(t.vttKey)) ? t : null)));
  return found.filter((t): t is CaptionTrack => t !== null);
}

/**
 * The tracks of a video after an encode extracted `fromUpload`: tracks added through the API are
 * kept and win over an upload track of the same language; upload tracks are the encode's.
 */
export function mergeCaptions(current: readonly CaptionTrack[] | null | undefined, fromUpload: readonly CaptionTrack[]): CaptionTrack[] {
  const api = (current ?? []).filter((c) => c.source === 'api');
  const taken = new Set(api.map((c) => c.language));
  return [...api, ...fromUpload.filter((c) => !taken.has(c.language))].sort((a, b) => a.language.localeCompare(b.language));
}
