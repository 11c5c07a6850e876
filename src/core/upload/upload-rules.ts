import { ValidationError } from '../errors.ts';

/** Content types a browser or client may declare for an upload; the bytes are checked later by ffprobe. */
const MEDIA_TYPE = /^(video|audio)\/[a-z0-9][a-z0-9.+-]*$/;
const GENERIC_TYPES = new Set(['application/octet-stream', 'application/mp4', 'application/ogg', 'application/x-matroska']);
/** Types that ffmpeg would follow to other files or URLs: refused outright. */
const REFUSED_TYPES = new Set(['application/vnd.apple.mpegurl', 'application/x-mpegurl', 'audio/mpegurl', 'audio/x-mpegurl', 'video/x-ms-asf']);
const REFUSED_EXTENSIONS = /\.(m3u8?|txt|ffconcat|concat|sdp|html?|xml|json|js)$/i;

export interface UploadRequest {
  filename: string;
  size: number;
  contentType: string;
  title?: string;
}

export function normalizeContentType(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase();
}

/** Checks a declared upload before any byte is sent; throws ValidationError with a reason. */
export function checkUploadRequest(req: UploadRequest, maxUploadBytes: number): void {
  const type = normalizeContentType(req.contentType);
  if (!req.filename || req.filename.length > 255 || /[\u0000-\u001f]/.test(req.filename)) {
    throw new ValidationError('filename must be 1 to 255 printable characters');
  }
  if (!Number.isSafeInteger(req.size) || req.size <= 0) {
    throw new ValidationError('size must be a positive whole number of bytes');
  }
  if (req.size > maxUploadBytes) {
    throw new ValidationError(`file is too large: ${req.size} bytes, the limit is ${maxUploadBytes} bytes`);
  }
  if (REFUSED_TYPES.has(type) || REFUSED_EXTENSIONS.test(req.filename)) {
    throw new ValidationError(`"${req.filename}" is not a video or audio file`);
  }
  if (!MEDIA_TYPE.test(type) && !GENERIC_TYPES.has(type)) {
    throw new ValidationError(`content type "${req.contentType}" is not a video or audio type`);
  }
  if (req.title !== undefined && (typeof req.title !== 'string' || req.title.length > 200)) {
    throw new ValidationError('title must be at most 200 characters');
  }
}

/** A title from the file name: "my_trip-2024.mp4" → "my trip 2024". */
export function titleFromFilename(filename: string): string {
  const base = filename.replace(/^.*[\\/]/, '').replace(/\.[^.]+$/, '');
  const title = base.replace(/[_\-.]+/g, ' ').replace(/\s+/g, ' ').trim();
  return (title || 'Untitled').slice(0, 200);
}
