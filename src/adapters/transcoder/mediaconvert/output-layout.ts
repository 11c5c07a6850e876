import type { EncodeRequest } from '../../../core/ports/encode-backend.ts';

/**
 * Where a MediaConvert job writes under a video's media prefix, and how its files are named.
 * MediaConvert names every file after its output group's destination and each output's name
 * modifier, in one folder per group:
 *
 * <outputPrefix>[<folder>/]
 *   master.m3u8, master.mpd          HLS master and DASH MPD (CMAF group; HLS only when encrypted)
 *   master_<rung>.m3u8               a rendition's media playlist, e.g. master_720p.m3u8
 *   master_<rung>_<n>.cmfv / .cmfa   its fMP4 segments (.ts when encrypted)
 *   master_audio.m3u8                the audio rendition
 *   poster.<7 digits>.jpg            the poster (frame capture)
 *   thumbnail/thumbnail.<7 digits>.jpg
 * <outputPrefix>download.mp4         the downloadable MP4 (a ladder's, when asked; never in a folder)
 *
 * The master is therefore in the folder, next to its media playlists: a CMAF group cannot put its
 * manifests anywhere else than its segments.
 */
export const MASTER_BASENAME = 'master';
export const AUDIO_NAME = 'audio';
export const POSTER_BASENAME = 'poster';
export const THUMBNAIL_FOLDER = 'thumbnail/';
export const THUMBNAIL_BASENAME = 'thumbnail';
export const DOWNLOAD_BASENAME = 'download';

/** The folder of the job's files relative to the output prefix: "" or "<folder>/". */
export function relativeFolder(request: Pick<EncodeRequest, 'folder'>): string {
  return request.folder ? `${request.folder.replace(/\/+$/, '')}/` : '';
}

/** Media-store key of the job's folder, e.g. "<videoId>/" or "<videoId>/first/". */
export function folderKey(request: Pick<EncodeRequest, 'outputPrefix' | 'folder'>): string {
  return `${request.outputPrefix}${relativeFolder(request)}`;
}

/** Media-store key of the HLS master playlist the job writes. */
export function masterKeyOf(request: Pick<EncodeRequest, 'outputPrefix' | 'folder'>): string {
  return `${folderKey(request)}${MASTER_BASENAME}.m3u8`;
}

/** Name modifier of a rendition's output ("_720p", "_audio"). */
export function nameModifier(renditionName: string): string {
  return `_${renditionName}`;
}

/** A rendition's media playlist relative to the output prefix, e.g. "master_720p.m3u8". */
export function playlistOf(request: Pick<EncodeRequest, 'folder'>, renditionName: string): string {
  return `${relativeFolder(request)}${MASTER_BASENAME}${nameModifier(renditionName)}.m3u8`;
}

/**
 * Whether the job of a request makes the downloadable MP4: a ladder that asks for it, not
 * encrypted (the MP4 would be in the clear), with a picture (the MP4 is the best rung's).
 */
export function makesDownload(request: Pick<EncodeRequest, 'mode' | 'download' | 'encryption' | 'plan'>): boolean {
  return request.mode === 'ladder' && request.download === true && !request.encryption && Boolean(request.plan.video?.rungs.length);
}

/** Media-store key of the downloadable MP4: "<outputPrefix>download.mp4". */
export function downloadKeyOf(request: Pick<EncodeRequest, 'outputPrefix'>): string {
  return `${request.outputPrefix}${DOWNLOAD_BASENAME}.mp4`;
}
