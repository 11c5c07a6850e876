/**
 * `Content-Disposition: attachment` for a video's downloadable MP4, named after the video's title:
 * `filename` keeps letters, digits, spaces, dots, dashes and underscores of the title (others become
 * `_`), `filename*` (RFC 6266 / RFC 8187) carries the title as it is, in UTF-8.
 */
export function attachmentDisposition(title: string, extension: string): string {
  const base = title.normalize('NFC').replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 150) || 'video';
  const ascii = base.replace(/[^A-Za-z0-9 ._-]/g, '_').replace(/^\.+/, '_');
  const encoded = encodeURIComponent(`${base}.${extension}`).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}.${extension}"; filename*=UTF-8''${encoded}`;
}
