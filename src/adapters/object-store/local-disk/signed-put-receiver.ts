import { stat } from 'node:fs/promises';
import type { UrlSigner } from '../../../core/upload/url-signer.ts';
import { AccessDeniedError, EntityTooLargeError, ValidationError } from '../../../core/errors.ts';
import { removeQuietly, writeAt, writeTempFile } from './atomic-file.ts';
import { checkDigests, expectedDigests } from './body-checksums.ts';
import type { BodyOptions, BodyWritten, DigestName } from './body-to-file.ts';
import { newEtag } from './object-metadata.ts';
import type { TempFile } from './atomic-file.ts';
import type { KeyLocks } from './key-locks.ts';
import type { MultipartState } from './multipart-state.ts';
import { declaredLength, headerValue, parseSignedPath } from './signed-request.ts';
import type { IncomingSignedRequest, SignedRequestResult } from './signed-request.ts';

/** What the signed-PUT receiver needs of the local-disk store it stores into. */
export interface SignedPutTarget {
  bucket: string;
  urlPrefix: string;
  signer: UrlSigner;
  tmpDir: string;
  uploads: MultipartState;
  locks: KeyLocks;
  /** See LocalDiskObjectStoreOptions.acceptsUpload. */
  acceptsUpload: ((key: string) => Promise<boolean>) | undefined;
  /** Validates `key` and returns its absolute path, always inside the store's root. */
  objectPath(key: string): string;
  /** Links a finished temp file into place at `key`; refuses (usedUploadUrl) a key that already holds an object. */
  commitOnce(key: string, temp: TempFile, etag: string, contentType: string): Promise<unknown>;
  /** Raises an object-created event. */
  emit(eventName: string, key: string, size: number, eTag: string): Promise<void>;
}

/**
 * Serves a signed PUT (single object or multipart part). Errors:
 * - SignatureMismatchError (403) when any signed part differs, the Content-Type header
 *   included: the content type is one of the signed parts, like a signed header in S3;
 * - AccessDeniedError (403) 'Request has expired', or a URL signed for another bucket;
 * - EntityTooLargeError (413) when Content-Length exceeds the signed maximum (checked before
 *   reading the body) or the body grows past it (reading stops and the temp file is removed:
 *   nothing is left behind; the body stream is left paused, not destroyed, so the HTTP layer
 *   can drain it and answer);
 * - NotFoundError for a part of an upload that no longer exists; ValidationError for a
 *   malformed path, a body shorter than its Content-Length, or one whose digest differs from the
 *   Content-MD5 or x-amz-checksum-sha256 sent with it (see body-checksums.ts: nothing is stored);
 * - AccessDeniedError (403) for a URL that was revoked (`acceptsUpload` says no, asked before
 *   the body is read and again before it is stored) and, for a single PUT, for a key that
 *   already holds an object: an upload URL stores one file, once (S3's If-None-Match: *).
 * A listener error is rethrown after the object is in place. The answer's ETag is a new version id
 * (see local-disk-object-store.ts), the part's or the object's.
 */
export async function receiveSignedPut(target: SignedPutTarget, req: IncomingSignedRequest): Promise<SignedRequestResult> {
  const { bucket, key } = parseSignedPath(target.urlPrefix, req.path);
  const contentType = (headerValue(req.headers, 'content-type') ?? '').trim();
  const signed = target.signer.verify({ method: req.method.toUpperCase(), bucket, key, contentType }, req.query);
  if (bucket !== target.bucket) throw new AccessDeniedError('This upload URL was signed for another bucket');
  target.objectPath(key);
  const declared = declaredLength(req.headers);
  if (declared !== undefined && declared > signed.maxSize) {
    throw new EntityTooLargeError(`The body is ${declared} bytes, more than the ${signed.maxSize} bytes allowed`);
  }
  const limit = Math.min(signed.maxSize, declared ?? Number.MAX_SAFE_INTEGER);
  const expected = expectedDigests(req.headers);
  const isPart = signed.uploadId !== undefined && signed.partNumber !== undefined;
  await checkUploadOpen(target, key, isPart);
  const options = {
    limit: { maxBytes: limit, onExceeded: () => new EntityTooLargeError(`The body is larger than the ${limit} bytes allowed`) },
    digests: Object.keys(expected) as DigestName[],
  };
  /** The checks once the body is written: its length, its digests, the URL still valid. */
  const check = async (written: BodyWritten) => {
    if (declared !== undefined && written.size !== declared) {
      throw new ValidationError(`The body is ${written.size} bytes but Content-Length said ${declared}`, { field: 'content-length' });
    }
    checkDigests(expected, written.digests);
    await checkUploadOpen(target, key, isPart);
  };
  const etag = newEtag();
  if (isPart) {
    const uploadId = signed.uploadId as string;
    const partNumber = signed.partNumber as number;
    const { partSize } = await target.uploads.load(key, uploadId);
    // A part of the announced size (the last one shorter) is written straight into the object being assembled.
    if (partSize !== undefined && declared !== undefined && declared <= partSize) {
      const stored = await receivePartInPlace(target, req.body, { uploadId, partNumber, partSize, etag, options, check });
      if (stored) return { status: 200, etag: `"${etag}"` };
    }
  }
  const temp = await writeTempFile(target.tmpDir, req.body, options);
  try {
    await check(temp);
  } catch (err) {
    await removeQuietly(temp.path);
    throw err;
  }
  if (isPart) {
    const uploadId = signed.uploadId as string;
    await target.locks.withLock(`upload:${uploadId}`, () =>
      target.uploads.storePart(uploadId, signed.partNumber as number, temp.path, etag),
    );
    return { status: 200, etag: `"${etag}"` };
  }
  await target.commitOnce(key, temp, etag, contentType);
  await target.emit('ObjectCreated:Put', key, temp.size, etag);
  return { status: 200, etag: `"${etag}"` };
}

/**
 * Writes a part into its upload's `data` file at (partNumber - 1) × partSize (see multipart-state.ts),
 * holding the part's claim: false, nothing read, when another request is writing that part in place
 * (the caller then stores it in a file of its own). Its earlier in-place bytes are forgotten before
 * they are overwritten; the part is recorded once its bytes are fsynced and checked.
 */
async function receivePartInPlace(
  target: SignedPutTarget,
  body: IncomingSignedRequest['body'],
  part: { uploadId: string; partNumber: number; partSize: number; etag: string; options: BodyOptions; check: (written: BodyWritten) => Promise<void> },
): Promise<boolean> {
  const { uploadId, partNumber, partSize, etag } = part;
  const release = await target.uploads.claimInPlace(uploadId, partNumber);
  if (!release) return false;
  try {
    await target.uploads.forgetInPlace(uploadId, partNumber);
    const offset = (partNumber - 1) * partSize;
    const written = await writeAt(target.uploads.dataPath(uploadId), body, { ...part.options, offset });
    await part.check(written);
    await target.locks.withLock(`upload:${uploadId}`, () => target.uploads.storeInPlace(uploadId, partNumber, etag, offset, written.size));
    return true;
  } finally {
    await release();
  }
}

/** Refuses a revoked upload URL and, for a single PUT, one whose object is already stored. */
async function checkUploadOpen(target: SignedPutTarget, key: string, isPart: boolean): Promise<void> {
  if (target.acceptsUpload && !(await target.acceptsUpload(key))) {
    throw new AccessDeniedError('This upload URL is no longer valid: its video was deleted or its upload is already complete');
  }
  if (!isPart && (await stat(target.objectPath(key)).catch(() => null))) throw usedUploadUrl();
}

export function usedUploadUrl(): AccessDeniedError {
  return new AccessDeniedError('This upload URL was already used: it stores one file, once; create a new upload to send another file');
}
