import type { IncomingSignedRequest } from '../../../core/ports/object-store.ts';
import { ValidationError } from '../../../core/errors.ts';

export type { IncomingSignedRequest, SignedRequestResult } from '../../../core/ports/object-store.ts';

/** Splits '<urlPrefix>/<bucket>/<key…>' into a decoded bucket and key. */
export function parseSignedPath(urlPrefix: string, path: string): { bucket: string; key: string } {
  const start = `${urlPrefix}/`;
  if (!path.startsWith(start)) {
    throw new ValidationError(`Upload path must start with ${start}`, { field: 'path' });
  }
  const [bucketPart, ...keyParts] = path.slice(start.length).split('/');
  if (!bucketPart || keyParts.length === 0) {
    throw new ValidationError('Upload path must name a bucket and an object key', { field: 'path' });
  }
  const bucket = decodeSegment(bucketPart);
  const segments = keyParts.map(decodeSegment);
  if (segments.some((s) => s.includes('/'))) {
    throw new ValidationError('Object key segments must not contain an encoded "/"', { field: 'path' });
  }
  return { bucket, key: segments.join('/') };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ValidationError('Upload path is not validly percent-encoded', { field: 'path' });
  }
}

/** A header value by case-insensitive name; repeated values are joined with ', '. */
export function headerValue(headers: IncomingSignedRequest['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value.join(', ') : value;
  }
  return undefined;
}

/** The declared Content-Length, or undefined when absent (chunked). */
export function declaredLength(headers: IncomingSignedRequest['headers']): number | undefined {
  const raw = headerValue(headers, 'content-length');
  if (raw === undefined) return undefined;
  if (!/^\d{1,16}$/.test(raw.trim())) {
    throw new ValidationError('Content-Length must be a whole number of bytes', { field: 'content-length' });
  }
  return Number(raw.trim());
}
