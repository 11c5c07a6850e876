import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { MultipartUploadSummary, ObjectInfo, SignedRequest, UploadedPart } from '../../../core/ports/object-store.ts';
import { normalizeEtag } from '../../../core/ports/object-store.ts';
import type { Clock } from '../../../core/ports/clock.ts';
import type { UrlSigner } from '../../../core/upload/url-signer.ts';
import { EntityTooLargeError, NotFoundError, ValidationError } from '../../../core/errors.ts';
import { validateContentType, validateMaxSize } from '../upload-options.ts';
import { checkExpectedSize } from '../multipart-completion.ts';
import { linkTempFile, removeQuietly, writeTempFile } from './atomic-file.ts';
import type { TempFile } from './atomic-file.ts';
import type { KeyLocks } from './key-locks.ts';
import { checkPartList, concatParts, validatePartNumber } from './multipart-state.ts';
import type { MultipartState, StoredPart, UploadRecord } from './multipart-state.ts';

/** What the multipart operations need of the local-disk store they store into. */
export interface MultipartTarget {
  bucket: string;
  signer: UrlSigner;
  clock: Clock;
  /** Smallest size of every part but the last. */
  minPartSize: number;
  tmpDir: string;
  uploads: MultipartState;
  locks: KeyLocks;
  /** Validates `key` and returns its absolute path, always inside the store's root. */
  objectPath(key: string): string;
  /** Renames a finished temp file into place at `key`, with its metadata. */
  commit(key: string, temp: Pick<TempFile, 'path'>, etag: string, contentType: string): Promise<ObjectInfo>;
  /** Raises an object-created event. */
  emit(eventName: string, key: string, size: number, eTag: string): Promise<void>;
  /** The signed PUT request for `key` with this signature. */
  signedRequest(key: string, query: URLSearchParams, contentType: string, expiresAt: number): SignedRequest;
}

/**
 * The multipart uploads of the local-disk store, the S3 model: create, PUT signed parts (received
 * by signed-put-receiver.ts), list, complete or abort. Their state on disk is multipart-state.ts.
 */
export class LocalMultipartUploads {
  constructor(private readonly target: MultipartTarget) {}

  async create(key: string, options: { contentType: string; maxSize: number; partSize?: number }): Promise<{ uploadId: string }> {
    const t = this.target;
    t.objectPath(key);
    const contentType = validateContentType(options.contentType);
    const maxSize = validateMaxSize(options.maxSize);
    const partSize = options.partSize === undefined ? undefined : validateMaxSize(options.partSize);
    const uploadId = await t.uploads.create({ key, contentType, maxSize, createdAt: t.clock.now().toISOString(), ...(partSize ? { partSize } : {}) });
    return { uploadId };
  }

  async signPart(
    key: string,
    uploadId: string,
    partNumber: number,
    options: { expiresInSec: number; maxSize: number },
  ): Promise<SignedRequest> {
    const t = this.target;
    t.objectPath(key);
    validatePartNumber(partNumber);
    const maxSize = validateMaxSize(options.maxSize);
    const record = await t.uploads.load(key, uploadId);
    const expiresAt = t.signer.expiryFromNow(options.expiresInSec);
    const query = t.signer.sign({
      method: 'PUT',
      bucket: t.bucket,
      key,
      contentType: record.contentType,
      maxSize: Math.min(maxSize, record.maxSize),
      expiresAt,
      uploadId,
      partNumber,
    });
    return t.signedRequest(key, query, record.contentType, expiresAt);
  }

  async listParts(key: string, uploadId: string): Promise<UploadedPart[]> {
    const t = this.target;
    t.objectPath(key);
    await t.uploads.load(key, uploadId);
    return (await t.uploads.listParts(uploadId)).map(({ partNumber, etag, size }) => ({ partNumber, etag, size }));
  }

  async complete(
    key: string,
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }>,
    expect?: { size?: number },
  ): Promise<ObjectInfo> {
    const t = this.target;
    t.objectPath(key);
    checkPartList(parts);
    const { info, size, etag } = await t.locks.withLock(`upload:${uploadId}`, async () => {
      const record = await t.uploads.load(key, uploadId);
      await t.uploads.seal(uploadId);
      let assembled: { temp: Pick<TempFile, 'path'>; total: number; etag: string };
      try {
        assembled = await this.assemble(record, uploadId, parts, expect);
      } catch (err) {
        await t.uploads.unseal(uploadId);
        throw err;
      }
      const { temp, total, etag } = assembled;
      let info: ObjectInfo;
      try {
        info = await t.commit(key, temp, etag, record.contentType);
      } catch (err) {
        await removeQuietly(temp.path);
        await t.uploads.unseal(uploadId);
        throw err;
      }
      await t.uploads.remove(uploadId);
      return { info, size: total, etag };
    });
    await t.emit('ObjectCreated:CompleteMultipartUpload', key, size, etag);
    return info;
  }

  /**
   * Checks the listed parts (each stored with that ETag, sizes, total) and makes the assembled
   * object as a temp file: the upload's `data` file itself, linked, when the parts are 1..N written
   * in place at their offsets and nothing more (no byte copied), else a copy of the parts one after
   * the other. The upload is sealed meanwhile (no part changes).
   */
  private async assemble(
    record: UploadRecord,
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }>,
    expect?: { size?: number },
  ): Promise<{ temp: Pick<TempFile, 'path'>; total: number; etag: string }> {
    const t = this.target;
    const stored = new Map((await t.uploads.listParts(uploadId)).map((p) => [p.partNumber, p]));
    const chosen = parts.map((wanted, index) => {
      const part = stored.get(wanted.partNumber);
      if (!part || part.etag !== normalizeEtag(wanted.etag)) {
        throw new ValidationError(`Part ${wanted.partNumber} was not uploaded, or its ETag does not match`, { field: 'parts' });
      }
      if (index < parts.length - 1 && part.size < t.minPartSize) {
        throw new ValidationError(
          `Part ${wanted.partNumber} is ${part.size} bytes: every part but the last must be at least ${t.minPartSize} bytes`,
          { field: 'parts' },
        );
      }
      return part;
    });
    const total = chosen.reduce((sum, p) => sum + p.size, 0);
    if (total > record.maxSize) {
      throw new EntityTooLargeError(`The upload is ${total} bytes, more than the ${record.maxSize} bytes allowed`);
    }
    checkExpectedSize(chosen, expect);
    const md5s = createHash('md5');
    for (const part of chosen) md5s.update(Buffer.from(part.etag, 'hex'));
    const etag = `${md5s.digest('hex')}-${chosen.length}`;
    if (laidOutInPlace(chosen, record.partSize)) {
      const data = t.uploads.dataPath(uploadId);
      // Bytes past the last part (a later part written in place but not listed) need a copy.
      if ((await stat(data).catch(() => null))?.size === total) {
        const linked = await linkTempFile(t.tmpDir, data);
        if (linked) return { temp: { path: linked }, total, etag };
      }
    }
    const temp = await writeTempFile(t.tmpDir, Readable.from(concatParts(chosen)));
    if (temp.size !== total) {
      await removeQuietly(temp.path);
      throw new NotFoundError('A part changed while the upload was being completed; list the parts and try again');
    }
    return { temp, total, etag };
  }

  async list(): Promise<MultipartUploadSummary[]> {
    return (await this.target.uploads.list()).map((u) => ({
      key: u.key,
      uploadId: u.uploadId,
      initiated: new Date(u.createdAt),
      lastActivity: new Date(u.lastActivityMs),
    }));
  }

  async abort(key: string, uploadId: string): Promise<void> {
    const t = this.target;
    t.objectPath(key);
    await t.locks.withLock(`upload:${uploadId}`, async () => {
      try {
        await t.uploads.load(key, uploadId);
      } catch (err) {
        if (err instanceof NotFoundError) return; // already gone: aborting is idempotent
        throw err;
      }
      await t.uploads.remove(uploadId);
    });
  }
}

/** True when `parts` are parts 1..N written in place, each at (number - 1) × partSize and partSize long (the last one at most). */
function laidOutInPlace(parts: StoredPart[], partSize: number | undefined): boolean {
  if (partSize === undefined) return false;
  return parts.every(
    (p, i) => p.inPlace && p.partNumber === i + 1 && p.offset === i * partSize && (i === parts.length - 1 ? p.size <= partSize : p.size === partSize),
  );
}
