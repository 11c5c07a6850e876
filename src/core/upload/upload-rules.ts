import { ValidationError } from '../errors.ts';

/**
 * The content type a client declares is only a hint (browsers send `application/mxf`, an empty
 * type or a desktop's guess such as `text/vnd.trolltech.linguist` for `.ts`): the bytes decide,
 * first by their first bytes, then by ffprobe. Only types and names of playlists, lists and pages
 * are refused outright, since they ask a media tool to open other files or URLs.
 */
const REFUSED_TYPES = new Set([
  'application/vnd.apple.mpegurl',
  'application/x-mpegurl',
  'audio/mpegurl',
  'audio/x-mpegurl',
  'video/x-ms-asf',
  'application/dash+xml',
  'text/html',
  'application/xhtml+xml',
]);
const REFUSED_EXTENSIONS = /\.(m3u8?|txt|ffconcat|concat|sdp|html?|xml|json|js)$/i;
/** Declared types kept for the signed upload; anything else is signed as application/octet-stream. */
const KEPT_TYPE = /^(video|audio|application)\/[a-z0-9][a-z0-9.+-]*$/;
export const UNKNOWN_CONTENT_TYPE = 'application/octet-stream';

export interface UploadRequest {
  filename: string;
  size: number;
  /** A hint: may be empty or absent. */
  contentType?: string;
  title?: string;
}

export function normalizeContentType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * The content type an upload is signed and stored with until its bytes are seen: the declared one
 * when it is a video, audio or application type, else application/octet-stream. The client sends
 * exactly this one (the upload's `headers`).
 */
export function uploadContentType(declared: string | undefined): string {
  const type = normalizeContentType(declared);
  return KEPT_TYPE.test(type) && !REFUSED_TYPES.has(type) ? type : UNKNOWN_CONTENT_TYPE;
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
  if (REFUSED_EXTENSIONS.test(req.filename)) {
    throw new ValidationError(`"${req.filename}" is not a video or audio file`);
  }
  if (REFUSED_TYPES.has(type)) {
    throw new ValidationError(`content type "${type}" is a playlist or a web page, not a video or audio file`);
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
