import { createHash } from 'node:crypto';
import { mkdir, open, readdir, realpath, stat, unlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PassThrough, Readable, finished } from 'node:stream';
import type {
  ByteRange,
  GetResult,
  MultipartUploadLister,
  MultipartUploadSummary,
  ObjectCreatedEventSource,
  ObjectCreatedListener,
  ObjectInfo,
  ObjectStore,
  ObjectStoreCapabilities,
  PutOptions,
  SignUploadOptions,
  SignedRequest,
  SignedRequestReceiver,
  UploadedPart,
} from '../../../core/ports/object-store.ts';
import { normalizeEtag } from '../../../core/ports/object-store.ts';
import type { Clock } from '../../../core/ports/clock.ts';
import type { UrlSigner } from '../../../core/upload/url-signer.ts';
import { AccessDeniedError, EntityTooLargeError, NotFoundError, PreconditionFailedError, ValidationError } from '../../../core/errors.ts';
import { compareKeys, encodeKeyPath, validateObjectKey, validatePrefix } from '../object-key.ts';
import { ObjectCreatedEvents } from './object-created-event.ts';
import { resolveRange, validateContentType, validateMaxSize, validateRangeShape } from '../upload-options.ts';
import {
  isInside,
  linkIntoPlace,
  moveIntoPlace,
  removeEmptyParents,
  removeQuietly,
  removeStaleFiles,
  writeFileAtomic,
  writeTempFile,
} from './atomic-file.ts';
import type { TempFile } from './atomic-file.ts';
import { linkOrCopy } from './pinned-file.ts';
import { DEFAULT_CONTENT_TYPE, describes, readMetadata } from './object-metadata.ts';
import type { ObjectMetadata } from './object-metadata.ts';
import { MultipartState, checkPartList, concatFiles, validatePartNumber } from './multipart-state.ts';
import { checkExpectedSize } from '../multipart-completion.ts';
import { declaredLength, headerValue, parseSignedPath } from './signed-request.ts';
import type { IncomingSignedRequest, SignedRequestResult } from './signed-request.ts';

/**
 * ObjectStore on a local folder. Layout under `root`:
 *
 *   <root>/<key>                    the object bytes (so `localPath` is a plain file)
 *   <root>/.vodkit/meta/<key>       sidecar JSON: ETag, content type, size, mtime (see object-metadata.ts)
 *   <root>/.vodkit/tmp/             temp files, renamed into place once complete and fsynced
 *   <root>/.vodkit/uploads/<id>/    multipart uploads (see multipart-state.ts)
 *
 * Keys whose first segment is '.vodkit' are refused. ETags are S3's: the MD5 hex of the bytes
 * for a single PUT, `<md5 of the parts' binary md5s>-<part count>` for a multipart upload.
 *
 * Signed upload URLs are served by vodkit's HTTP layer, which routes `PUT <urlPrefix>/*` to
 * `receiveSignedRequest`. Only those uploads (a signed single PUT, or completing a multipart
 * upload) raise object-created events; server-side `put` does not.
 */
export interface LocalDiskObjectStoreOptions {
  root: string;
  bucket: string;
  signer: UrlSigner;
  clock: Clock;
  /** Path prefix of signed upload URLs. Default '/s3'. */
  urlPrefix?: string;
  /** Smallest size of every multipart part but the last. Default 5 MiB, like S3. */
  minPartSize?: number;
  onObjectCreated?: ObjectCreatedListener;
  /**
   * Asked before a signed PUT (single or part) is read and again before it is stored: false
   * refuses it with AccessDenied and stores nothing. vodkit answers whether the key's video still
   * waits for its upload, so deleting a video (or the end of its upload) revokes its URLs.
   */
  acceptsUpload?: (key: string) => Promise<boolean>;
}

const SYSTEM_DIR = '.vodkit';
const STALE_TEMP_MS = 24 * 3600 * 1000;
const META_CACHE_SIZE = 20_000;

export class LocalDiskObjectStore implements ObjectStore, SignedRequestReceiver, ObjectCreatedEventSource, MultipartUploadLister {
  readonly bucket: string;
  /** Its signed URLs point at vodkit's HTTP server, which hands them to `receiveSignedRequest`. */
  readonly capabilities: ObjectStoreCapabilities = { signedRequests: this, uploadEvents: this, signedDownloads: null, multipartListing: this };
  readonly root: string;
  private readonly signer: UrlSigner;
  private readonly clock: Clock;
  private readonly urlPrefix: string;
  private readonly minPartSize: number;
  private listener: ObjectCreatedListener | undefined;
  private readonly acceptsUpload: ((key: string) => Promise<boolean>) | undefined;
  private readonly tmpDir: string;
  private readonly metaDir: string;
  private readonly uploads: MultipartState;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly events: ObjectCreatedEvents;
  /**
   * Sidecars already read, by key, so a GET reads no sidecar: reused while the object is the same
   * file (inode) with the size and modification time they were written for. Objects are replaced by
   * rename, so a new version is a new inode; commits of this process update the entry themselves.
   */
  private readonly metaCache = new Map<string, { meta: ObjectMetadata; ino: number }>();

  private constructor(root: string, opts: LocalDiskObjectStoreOptions) {
    this.root = root;
    this.bucket = opts.bucket;
    this.signer = opts.signer;
    this.clock = opts.clock;
    this.urlPrefix = opts.urlPrefix ?? '/s3';
    this.minPartSize = opts.minPartSize ?? 5 * 1024 * 1024;
    this.listener = opts.onObjectCreated;
    this.acceptsUpload = opts.acceptsUpload;
    this.tmpDir = join(root, SYSTEM_DIR, 'tmp');
    this.metaDir = join(root, SYSTEM_DIR, 'meta');
    this.events = new ObjectCreatedEvents(opts.bucket);
    this.uploads = new MultipartState(join(root, SYSTEM_DIR, 'uploads'), this.tmpDir);
  }

  static async open(opts: LocalDiskObjectStoreOptions): Promise<LocalDiskObjectStore> {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(opts.bucket)) {
      throw new ValidationError('Bucket name must be 3 to 63 characters: lower-case letters, digits, dots and hyphens');
    }
    if (opts.urlPrefix !== undefined && !/^(\/[A-Za-z0-9._~-]+)+$/.test(opts.urlPrefix)) {
      throw new ValidationError("urlPrefix must be a path like '/s3' (no trailing '/')");
    }
    if (opts.minPartSize !== undefined) validateMaxSize(opts.minPartSize);
    await mkdir(opts.root, { recursive: true });
    const root = await realpath(resolve(opts.root));
    const store = new LocalDiskObjectStore(root, opts);
    await Promise.all([
      mkdir(store.tmpDir, { recursive: true }),
      mkdir(store.metaDir, { recursive: true }),
      mkdir(join(root, SYSTEM_DIR, 'uploads'), { recursive: true }),
    ]);
    // Other processes may share this root: only temp files of processes that are gone (a crash), or
    // untouched for a day, are removed.
    await removeStaleFiles(store.tmpDir, STALE_TEMP_MS, opts.clock.now().getTime());
    return store;
  }

  /** Sets (or clears) the object-created listener, when it cannot be given to open(). */
  setObjectCreatedListener(listener: ObjectCreatedListener | undefined): void {
    this.listener = listener;
  }

  localPath(key: string): string {
    return this.objectPath(key);
  }

  async put(key: string, body: Readable | Buffer, options: PutOptions = {}): Promise<ObjectInfo> {
    this.objectPath(key);
    const contentType = options.contentType === undefined ? DEFAULT_CONTENT_TYPE : validateContentType(options.contentType);
    const temp = await writeTempFile(this.tmpDir, body);
    return this.commit(key, temp, temp.md5.toString('hex'), contentType, options.cacheControl);
  }

  async get(key: string, range?: ByteRange): Promise<GetResult> {
    const path = this.objectPath(key);
    if (range) validateRangeShape(range);
    const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw notFound(key);
      throw err;
    });
    try {
      const file = await fh.stat();
      if (!file.isFile()) throw notFound(key);
      const info = await this.info(key, file);
      if (!range) return { body: fh.createReadStream(), info };
      const served = resolveRange(range, file.size);
      return { body: fh.createReadStream({ start: served.start, end: served.end }), info, range: served };
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const path = this.objectPath(key);
    const file = await stat(path).catch(() => null);
    if (!file?.isFile()) return null;
    return this.info(key, file);
  }

  async pinToFile(key: string, path: string, options: { etag: string; signal?: AbortSignal }): Promise<ObjectInfo> {
    const file = await linkOrCopy(this.objectPath(key), path, options.signal);
    if (!file) throw notFound(key);
    // The ETag of the pinned file itself (its sidecar, if it describes it; else its own bytes).
    const info = await this.info(key, file, path);
    if (normalizeEtag(info.etag) !== normalizeEtag(options.etag)) {
      await removeQuietly(path);
      throw new PreconditionFailedError(`The object ${JSON.stringify(key)} was replaced: it is no longer the version asked for`);
    }
    return info;
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    validatePrefix(prefix);
    const slash = prefix.lastIndexOf('/');
    const startKey = slash === -1 ? '' : prefix.slice(0, slash);
    if (startKey === SYSTEM_DIR || startKey.startsWith(`${SYSTEM_DIR}/`)) return [];
    const keys: string[] = [];
    await this.walk(startKey, prefix, keys);
    keys.sort(compareKeys);
    const infos: ObjectInfo[] = [];
    for (const key of keys) {
      const file = await stat(this.objectPath(key)).catch(() => null);
      if (file?.isFile()) infos.push(await this.info(key, file));
    }
    return infos;
  }

  async delete(key: string): Promise<void> {
    const path = this.objectPath(key);
    await this.withLock(`key:${key}`, async () => {
      const file = await stat(path).catch(() => null);
      if (!file?.isFile()) return;
      this.metaCache.delete(key);
      await unlink(path);
      await removeQuietly(this.metaPath(key));
      await removeEmptyParents(dirname(path), this.root);
      await removeEmptyParents(dirname(this.metaPath(key)), this.metaDir);
    });
  }

  async deletePrefix(prefix: string): Promise<number> {
    if (prefix === '') throw new ValidationError('Refusing to delete every object: give a non-empty prefix', { field: 'prefix' });
    let count = 0;
    for (const info of await this.list(prefix)) {
      await this.delete(info.key);
      count++;
    }
    return count;
  }

  async signUpload(key: string, options: SignUploadOptions): Promise<SignedRequest> {
    this.objectPath(key);
    const contentType = validateContentType(options.contentType);
    const maxSize = validateMaxSize(options.maxSize);
    const expiresAt = this.signer.expiryFromNow(options.expiresInSec);
    const query = this.signer.sign({ method: 'PUT', bucket: this.bucket, key, contentType, maxSize, expiresAt });
    return this.signedRequest(key, query, contentType, expiresAt);
  }

  async createMultipartUpload(key: string, options: { contentType: string; maxSize: number }): Promise<{ uploadId: string }> {
    this.objectPath(key);
    const contentType = validateContentType(options.contentType);
    const maxSize = validateMaxSize(options.maxSize);
    const uploadId = await this.uploads.create({ key, contentType, maxSize, createdAt: this.clock.now().toISOString() });
    return { uploadId };
  }

  async signUploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    options: { expiresInSec: number; maxSize: number },
  ): Promise<SignedRequest> {
    this.objectPath(key);
    validatePartNumber(partNumber);
    const maxSize = validateMaxSize(options.maxSize);
    const record = await this.uploads.load(key, uploadId);
    const expiresAt = this.signer.expiryFromNow(options.expiresInSec);
    const query = this.signer.sign({
      method: 'PUT',
      bucket: this.bucket,
      key,
      contentType: record.contentType,
      maxSize: Math.min(maxSize, record.maxSize),
      expiresAt,
      uploadId,
      partNumber,
    });
    return this.signedRequest(key, query, record.contentType, expiresAt);
  }

  async listParts(key: string, uploadId: string): Promise<UploadedPart[]> {
    this.objectPath(key);
    await this.uploads.load(key, uploadId);
    return (await this.uploads.listParts(uploadId)).map(({ partNumber, etag, size }) => ({ partNumber, etag, size }));
  }

  async completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }>,
    expect?: { size?: number },
  ): Promise<ObjectInfo> {
    this.objectPath(key);
    checkPartList(parts);
    const { info, size, etag } = await this.withLock(`upload:${uploadId}`, async () => {
      const record = await this.uploads.load(key, uploadId);
      const stored = new Map((await this.uploads.listParts(uploadId)).map((p) => [p.partNumber, p]));
      const chosen = parts.map((wanted, index) => {
        const part = stored.get(wanted.partNumber);
        if (!part || part.etag !== normalizeEtag(wanted.etag)) {
          throw new ValidationError(`Part ${wanted.partNumber} was not uploaded, or its ETag does not match`, { field: 'parts' });
        }
        if (index < parts.length - 1 && part.size < this.minPartSize) {
          throw new ValidationError(
            `Part ${wanted.partNumber} is ${part.size} bytes: every part but the last must be at least ${this.minPartSize} bytes`,
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
      const temp = await writeTempFile(this.tmpDir, Readable.from(concatFiles(chosen.map((p) => p.path))));
      if (temp.size !== total) {
        await removeQuietly(temp.path);
        throw new NotFoundError('A part changed while the upload was being completed; list the parts and try again');
      }
      const info = await this.commit(key, temp, etag, record.contentType, undefined);
      await this.uploads.remove(uploadId);
      return { info, size: total, etag };
    });
    await this.emit('ObjectCreated:CompleteMultipartUpload', key, size, etag);
    return info;
  }

  async listMultipartUploads(): Promise<MultipartUploadSummary[]> {
    return (await this.uploads.list()).map((u) => ({
      key: u.key,
      uploadId: u.uploadId,
      initiated: new Date(u.createdAt),
      lastActivity: new Date(u.lastActivityMs),
    }));
  }

  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    this.objectPath(key);
    await this.withLock(`upload:${uploadId}`, async () => {
      try {
        await this.uploads.load(key, uploadId);
      } catch (err) {
        if (err instanceof NotFoundError) return; // already gone: aborting is idempotent
        throw err;
      }
      await this.uploads.remove(uploadId);
    });
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
   *   malformed path or a body shorter than its Content-Length;
   * - AccessDeniedError (403) for a URL that was revoked (`acceptsUpload` says no, asked before
   *   the body is read and again before it is stored) and, for a single PUT, for a key that
   *   already holds an object: an upload URL stores one file, once (S3's If-None-Match: *).
   * A listener error is rethrown after the object is in place.
   */
  async receiveSignedRequest(req: IncomingSignedRequest): Promise<SignedRequestResult> {
    const { bucket, key } = parseSignedPath(this.urlPrefix, req.path);
    const contentType = (headerValue(req.headers, 'content-type') ?? '').trim();
    const signed = this.signer.verify({ method: req.method.toUpperCase(), bucket, key, contentType }, req.query);
    if (bucket !== this.bucket) throw new AccessDeniedError('This upload URL was signed for another bucket');
    this.objectPath(key);
    const declared = declaredLength(req.headers);
    if (declared !== undefined && declared > signed.maxSize) {
      throw new EntityTooLargeError(`The body is ${declared} bytes, more than the ${signed.maxSize} bytes allowed`);
    }
    const limit = Math.min(signed.maxSize, declared ?? Number.MAX_SAFE_INTEGER);
    const isPart = signed.uploadId !== undefined && signed.partNumber !== undefined;
    await this.checkUploadOpen(key, isPart);
    if (isPart) await this.uploads.load(key, signed.uploadId as string);
    const temp = await writeTempFile(this.tmpDir, relay(req.body), {
      maxBytes: limit,
      onExceeded: () => new EntityTooLargeError(`The body is larger than the ${limit} bytes allowed`),
    });
    if (declared !== undefined && temp.size !== declared) {
      await removeQuietly(temp.path);
      throw new ValidationError(`The body is ${temp.size} bytes but Content-Length said ${declared}`, { field: 'content-length' });
    }
    const md5Hex = temp.md5.toString('hex');
    await this.checkUploadOpen(key, isPart).catch(async (err: unknown) => {
      await removeQuietly(temp.path);
      throw err;
    });
    if (isPart) {
      const uploadId = signed.uploadId as string;
      await this.withLock(`upload:${uploadId}`, () => this.uploads.storePart(uploadId, signed.partNumber as number, temp.path, md5Hex));
      return { status: 200, etag: `"${md5Hex}"` };
    }
    await this.commit(key, temp, md5Hex, contentType, undefined, true);
    await this.emit('ObjectCreated:Put', key, temp.size, md5Hex);
    return { status: 200, etag: `"${md5Hex}"` };
  }

  // --- internals -------------------------------------------------------------------------

  /** Refuses a revoked upload URL and, for a single PUT, one whose object is already stored. */
  private async checkUploadOpen(key: string, isPart: boolean): Promise<void> {
    if (this.acceptsUpload && !(await this.acceptsUpload(key))) {
      throw new AccessDeniedError('This upload URL is no longer valid: its video was deleted or its upload is already complete');
    }
    if (!isPart && (await stat(this.objectPath(key)).catch(() => null))) throw usedUploadUrl();
  }

  /** Validates `key` and returns its absolute path, always inside root. */
  private objectPath(key: string): string {
    validateObjectKey(key);
    if (key === SYSTEM_DIR || key.startsWith(`${SYSTEM_DIR}/`)) {
      throw new ValidationError(`Object keys must not start with '${SYSTEM_DIR}': it is reserved`, { field: 'key' });
    }
    const path = resolve(this.root, ...key.split('/'));
    if (!isInside(this.root, path)) throw new ValidationError('Object key resolves outside the store', { field: 'key' });
    return path;
  }

  private metaPath(key: string): string {
    return resolve(this.metaDir, ...key.split('/'));
  }

  /** `bytesPath`: where the bytes of `file` are, when the ETag must be computed (default: the object). */
  private async info(key: string, file: Stats, bytesPath = this.objectPath(key)): Promise<ObjectInfo> {
    const cached = this.metaCache.get(key);
    let meta: ObjectMetadata;
    if (cached && cached.ino === file.ino && describes(cached.meta, file)) meta = cached.meta;
    else {
      const { stored, ...read } = await readMetadata(this.metaPath(key), bytesPath, file);
      meta = read;
      // Only a sidecar is remembered: a recomputed ETag may be a commit still writing its sidecar.
      if (stored) this.remember(key, read, file.ino);
      else this.metaCache.delete(key);
    }
    return { key, size: file.size, etag: meta.etag, contentType: meta.contentType, lastModified: file.mtime };
  }

  /**
   * Renames a finished temp file into place, then writes its sidecar metadata. `onlyIfAbsent`: a
   * key that already holds an object is refused, the temp file removed (see receiveSignedRequest).
   */
  private async commit(
    key: string,
    temp: TempFile,
    etag: string,
    contentType: string,
    cacheControl: string | undefined,
    onlyIfAbsent = false,
  ): Promise<ObjectInfo> {
    const path = this.objectPath(key);
    return this.withLock(`key:${key}`, async () => {
      if (!onlyIfAbsent) await moveIntoPlace(temp.path, path);
      else if (!(await linkIntoPlace(temp.path, path))) throw usedUploadUrl();
      const file = await stat(path);
      const meta: ObjectMetadata = { etag, contentType, size: file.size, mtimeMs: file.mtimeMs };
      if (cacheControl !== undefined) meta.cacheControl = cacheControl;
      await writeFileAtomic(this.tmpDir, this.metaPath(key), JSON.stringify(meta));
      this.remember(key, meta, file.ino);
      return { key, size: file.size, etag, contentType, lastModified: file.mtime };
    });
  }

  private remember(key: string, meta: ObjectMetadata, ino: number): void {
    if (this.metaCache.size >= META_CACHE_SIZE) this.metaCache.clear();
    this.metaCache.set(key, { meta, ino });
  }

  private async walk(dirKey: string, prefix: string, out: string[]): Promise<void> {
    const dir = dirKey === '' ? this.root : resolve(this.root, ...dirKey.split('/'));
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (dirKey === '' && entry.name === SYSTEM_DIR) continue;
      if (entry.isDirectory()) {
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) await this.walk(key, prefix, out);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        out.push(key);
      }
    }
  }

  private signedRequest(key: string, query: URLSearchParams, contentType: string, expiresAt: number): SignedRequest {
    return {
      method: 'PUT',
      url: `${this.urlPrefix}/${encodeURIComponent(this.bucket)}/${encodeKeyPath(key)}?${query.toString()}`,
      headers: { 'Content-Type': contentType },
      expiresAt: new Date(expiresAt * 1000).toISOString(),
    };
  }

  private async emit(eventName: string, key: string, size: number, eTag: string): Promise<void> {
    if (this.listener) await this.listener(this.events.build(eventName, key, size, eTag, this.clock.now()));
  }

  /** Runs `fn` after any earlier call with the same lock name (within this process). */
  private async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(name) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(name, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(name) === tail) this.locks.delete(name);
    }
  }
}

function usedUploadUrl(): AccessDeniedError {
  return new AccessDeniedError('This upload URL was already used: it stores one file, once; create a new upload to send another file');
}

function notFound(key: string): NotFoundError {
  return new NotFoundError(`No object with key ${JSON.stringify(key)}`);
}

/** Reads `body` through a PassThrough, so a write failure stops reading without destroying `body`. */
function relay(body: Readable): Readable {
  const through = new PassThrough();
  finished(body, (err) => {
    if (err) through.destroy(err);
  });
  body.pipe(through);
  return through;
}
