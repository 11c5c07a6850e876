import { ValidationError } from '../../core/errors.ts';

/**
 * Object key rules shared by every ObjectStore adapter, and the S3 event key encoding.
 *
 * A key is relative and '/'-separated: no leading '/', no empty segments (so no '//' and no
 * trailing '/'), no '.' or '..' segments, no backslashes, no control characters (NUL included),
 * at most 1024 UTF-8 bytes (the S3 limit) and at most 255 bytes per segment (a file name limit).
 */
export const MAX_KEY_BYTES = 1024;
export const MAX_SEGMENT_BYTES = 255;

const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function validateObjectKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new ValidationError('Object key must be a non-empty string', { field: 'key' });
  }
  checkCharacters(key, 'Object key');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new ValidationError(`Object key must be at most ${MAX_KEY_BYTES} bytes`, { field: 'key' });
  }
  if (key.startsWith('/')) {
    throw new ValidationError(`Object key must be relative (no leading '/'): ${JSON.stringify(key)}`, { field: 'key' });
  }
  for (const segment of key.split('/')) checkSegment(segment, key);
  return key;
}

/**
 * A listing prefix: '' (everything) or a string that is a valid key once its last segment is
 * completed, e.g. 'videos/', 'videos/abc' or 'vid'. Refuses '..', '.', '//' and absolute prefixes.
 */
export function validatePrefix(prefix: unknown): string {
  if (typeof prefix !== 'string') {
    throw new ValidationError('Prefix must be a string', { field: 'prefix' });
  }
  if (prefix === '') return prefix;
  checkCharacters(prefix, 'Prefix');
  if (Buffer.byteLength(prefix, 'utf8') > MAX_KEY_BYTES) {
    throw new ValidationError(`Prefix must be at most ${MAX_KEY_BYTES} bytes`, { field: 'prefix' });
  }
  if (prefix.startsWith('/')) {
    throw new ValidationError(`Prefix must be relative (no leading '/'): ${JSON.stringify(prefix)}`, { field: 'prefix' });
  }
  const segments = prefix.split('/');
  const last = segments.pop() as string;
  for (const segment of segments) checkSegment(segment, prefix);
  // The last, possibly partial, segment: '' (prefix ends with '/') or a segment start.
  if (last === '.' || last === '..') {
    throw new ValidationError(`Prefix must not contain '.' or '..' segments: ${JSON.stringify(prefix)}`, { field: 'prefix' });
  }
  return prefix;
}

function checkCharacters(value: string, what: string): void {
  if (value.includes('\\')) {
    throw new ValidationError(`${what} must not contain backslashes: ${JSON.stringify(value)}`, { field: 'key' });
  }
  if (CONTROL_CHARS.test(value)) {
    throw new ValidationError(`${what} must not contain control characters`, { field: 'key' });
  }
  if (LONE_SURROGATE.test(value)) {
    throw new ValidationError(`${what} must be valid Unicode`, { field: 'key' });
  }
}

function checkSegment(segment: string, whole: string): void {
  if (segment === '') {
    throw new ValidationError(`Object key must not contain empty segments ('//' or a trailing '/'): ${JSON.stringify(whole)}`, { field: 'key' });
  }
  if (segment === '.' || segment === '..') {
    throw new ValidationError(`Object key must not contain '.' or '..' segments: ${JSON.stringify(whole)}`, { field: 'key' });
  }
  if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) {
    throw new ValidationError(`Each part of an object key must be at most ${MAX_SEGMENT_BYTES} bytes`, { field: 'key' });
  }
}

/**
 * Encodes a key the way S3 event notifications do: form-URL-encoding per character, spaces as
 * '+', '/' kept as is, letters, digits and `-_.*` kept, everything else percent-encoded (UTF-8,
 * upper-case hex). Example: 'up/my video (1).mp4' → 'up/my+video+%281%29.mp4'.
 */
export function encodeS3Key(key: string): string {
  let out = '';
  for (const ch of key) {
    if (/[A-Za-z0-9\-_.*/]/.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else {
      for (const byte of Buffer.from(ch, 'utf8')) out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

/** Decodes an S3 event notification key ('+' is a space, then percent-decoding). */
export function decodeS3EventKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    throw new ValidationError(`Malformed URL-encoded object key in event: ${JSON.stringify(key)}`, { field: 'key' });
  }
}

/** Encodes a key for a URL path: each segment with encodeURIComponent, '/' kept. */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** Key order of S3 listings: UTF-8 byte order. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
