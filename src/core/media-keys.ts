/**
 * Object key layout, as in the reference design: the source is stored in the sources store under
 * `<videoId><.ext>`; every output is written to the media store in the folder named after the upload
 * (`<videoId>/`), the thumbnail in `<videoId>/thumbnail/`.
 */
import { ValidationError } from './errors.ts';
import { isValidId } from './ids.ts';

const EXTENSION = /\.([a-z0-9]{1,5})$/;

export function sourceKeyFor(videoId: string, filename: string): string {
  const match = EXTENSION.exec(filename.toLowerCase());
  return match ? `${videoId}.${match[1]}` : videoId;
}

/** The video id a source key belongs to, or null when the key is not one vodkit makes. */
export function videoIdFromSourceKey(key: string): string | null {
  const id = key.replace(EXTENSION, '');
  return isValidId(id) ? id : null;
}

export function mediaPrefix(videoId: string): string {
  if (!isValidId(videoId)) throw new ValidationError(`not a video id: ${videoId}`);
  return `${videoId}/`;
}

export function mediaKey(videoId: string, relativePath: string): string {
  return `${mediaPrefix(videoId)}${relativePath}`;
}
