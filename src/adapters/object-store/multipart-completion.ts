import { ValidationError } from '../../core/errors.ts';
import type { UploadedPart } from '../../core/ports/object-store.ts';
import { normalizeEtag } from '../../core/ports/object-store.ts';

/**
 * Checks shared by the ObjectStore adapters before a multipart upload is completed, so that a
 * completion they refuse never consumes the upload.
 */

/** The stored part for each listed part, in the list's order; ValidationError when one is missing or has another ETag. */
export function chooseParts<P extends UploadedPart>(wanted: Array<{ partNumber: number; etag: string }>, stored: P[]): P[] {
  const byNumber = new Map(stored.map((p) => [p.partNumber, p]));
  return wanted.map((w) => {
    const part = byNumber.get(w.partNumber);
    if (!part || normalizeEtag(part.etag) !== normalizeEtag(w.etag)) {
      throw new ValidationError(`Part ${w.partNumber} was not uploaded, or its ETag does not match`, { field: 'parts' });
    }
    return part;
  });
}

/** Refuses a list of parts whose sizes do not add up to the expected size (when one is given). */
export function checkExpectedSize(chosen: UploadedPart[], expect: { size?: number } | undefined): void {
  const size = expect?.size;
  if (size === undefined) return;
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new ValidationError('The expected size must be a whole number of bytes', { field: 'size' });
  }
  const total = chosen.reduce((sum, p) => sum + p.size, 0);
  if (total !== size) {
    throw new ValidationError(
      `The listed parts add up to ${total} bytes but the upload is ${size} bytes: nothing was assembled; list the stored parts, upload the missing ones and complete with all of them`,
      { field: 'parts' },
    );
  }
}
