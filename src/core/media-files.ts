/** How a published media file is served: its content type and how long it may be cached. */
const CONTENT_TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  mpd: 'application/dash+xml',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  m4a: 'audio/mp4',
  ts: 'video/mp2t',
  aac: 'audio/aac',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  png: 'image/png',
  vtt: 'text/vtt',
  key: 'application/octet-stream',
};

export function contentTypeFor(path: string): string {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

/**
 * Segments and images never change once written; playlists may (progressive publish), and so may
 * caption files (a track replaced through the API keeps its name).
 */
export function cacheControlFor(path: string): string {
  if (/(^|\/)captions\//.test(path)) return 'public, max-age=10';
  return isManifest(path) ? 'public, max-age=2' : 'public, max-age=31536000, immutable';
}

/** HLS playlists and DASH manifests: text naming other media files, which may change (a new encode). */
export function isManifest(path: string): boolean {
  return path.endsWith('.m3u8') || path.endsWith('.mpd');
}
