import { ValidationError } from '../../core/errors.ts';
import type { ByteRange } from '../../core/ports/object-store.ts';

/** Checks shared by the ObjectStore adapters for content types, sizes, expiries and ranges. */

const CONTENT_TYPE = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;

export function validateContentType(contentType: unknown): string {
  if (typeof contentType !== 'string' || !CONTENT_TYPE.test(contentType) || contentType.trim() !== contentType) {
    throw new ValidationError('Content type must be 1 to 255 printable ASCII characters, e.g. video/mp4', { field: 'contentType' });
  }
  return contentType;
}

export function validateMaxSize(maxSize: unknown): number {
  if (typeof maxSize !== 'number' || !Number.isSafeInteger(maxSize) || maxSize <= 0) {
    throw new ValidationError('maxSize must be a positive whole number of bytes', { field: 'maxSize' });
  }
  return maxSize;
}

export const MAX_EXPIRES_IN_SEC = 7 * 24 * 3600;

export function validateExpiresIn(expiresInSec: unknown): number {
  if (typeof expiresInSec !== 'number' || !Number.isSafeInteger(expiresInSec) || expiresInSec <= 0 || expiresInSec > MAX_EXPIRES_IN_SEC) {
    throw new ValidationError(`expiresInSec must be a whole number of seconds from 1 to ${MAX_EXPIRES_IN_SEC}`, { field: 'expiresInSec' });
  }
  return expiresInSec;
}

/** Checks the shape of a range (not yet against an object size). */
export function validateRangeShape(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) {
    throw new ValidationError('Invalid range: start must be a whole number >= 0', { field: 'range' });
  }
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) {
    throw new ValidationError('Invalid range: end must be a whole number >= start', { field: 'range' });
  }
}

/** The inclusive range actually served for an object of `size` bytes (end clamped to the last byte). */
export function resolveRange(range: ByteRange, size: number): { start: number; end: number } {
  validateRangeShape(range);
  if (range.start >= size) {
    throw new ValidationError(`Invalid range: the object has ${size} bytes, the range starts at ${range.start}`, { field: 'range' });
  }
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}
