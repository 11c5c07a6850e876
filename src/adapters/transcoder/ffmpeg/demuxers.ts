import { ValidationError } from '../../../core/errors.ts';

/**
 * Demuxers vodkit lets ffmpeg/ffprobe open. Only self-contained media containers and elementary
 * streams: nothing that reads other files or URLs (hls, dash, concat/ffconcat, image2 sequences,
 * imf, sdp/rtp/rtsp, webm_dash_manifest, tedcaptions, ...), nothing that synthesises input (lavfi),
 * and no device grabbers. A name matches a demuxer when it is one of its comma-separated names
 * ("mov" matches "mov,mp4,m4a,3gp,3g2,mj2").
 */
export const DEMUXER_WHITELIST: readonly string[] = [
  'mov',
  'matroska',
  'avi',
  'flv',
  'mpegts',
  'mpeg',
  'mp3',
  'aac',
  'wav',
  'w64',
  'ogg',
  'flac',
  'asf',
  'aiff',
  'caf',
  'amr',
  'ac3',
  'eac3',
  'dv',
  'mxf',
  'ivf',
  'nut',
  'h264',
  'hevc',
  'm4v',
  'mpegvideo',
  'wv',
];

/**
 * Options placed before `-i` for every ffmpeg/ffprobe input: local files only, listed demuxers only.
 * The path is given as a `file:` URL so that a name such as "concat:a|b" or "subfile:..." is read
 * as a plain file name, never as a protocol.
 */
export function safeInputArgs(absolutePath: string): string[] {
  return ['-protocol_whitelist', 'file', '-format_whitelist', DEMUXER_WHITELIST.join(','), '-i', fileUrl(absolutePath)];
}

export function fileUrl(absolutePath: string): string {
  if (!absolutePath.startsWith('/')) throw new ValidationError(`expected an absolute path, got ${absolutePath}`);
  return `file:${absolutePath}`;
}
