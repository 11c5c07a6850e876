import { mkdir, open, readdir, realpath, stat, unlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
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
import { NotFoundError, PreconditionFailedError, ValidationError } from '../../../core/errors.ts';
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
import { DEFAULT_CONTENT_TYPE, describes, newEtag, readMetadata } from './object-metadata.ts';
import type { ObjectMetadata } from './object-metadata.ts';
import { MultipartState } from './multipart-state.ts';
import { LocalMultipartUploads } from './multipart-uploads.ts';
import type { IncomingSignedRequest, SignedRequestResult } from './signed-request.ts';
import { KeyLocks } from './key-locks.ts';
import { receiveSignedPut, usedUploadUrl } from './signed-put-receiver.ts';
import type { SignedPutTarget } from './signed-put-receiver.ts';

/**
 * ObjectStore on a local folder. Layout under `root`:
 *
 *   <root>/<key>                    the object bytes, a plain file
 *   <root>/.vodkit/meta/<key>       sidecar JSON: ETag, content type, size, mtime (see object-metadata.ts)
 *   <root>/.vodkit/tmp/             temp files, renamed into place once complete and fsynced
 *   <root>/.vodkit/uploads/<id>/    multipart uploads (see multipart-state.ts)
 *
 * Keys whose first segment is '.vodkit' are refused. An ETag names one stored version: a new random
 * version id for every put, signed PUT and part (see object-metadata.ts), and for a completed
 * multipart upload `<md5 of its parts' ids>-<part count>`. The bytes are hashed only to check a
 * digest the client sent with a signed PUT (Content-MD5, x-amz-checksum-sha256: body-checksums.ts).
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
  private readonly locks = new KeyLocks();
  private readonly signedPuts: SignedPutTarget;
  private readonly multipart: LocalMultipartUploads;
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
    this.signedPuts = {
      bucket: this.bucket,
      urlPrefix: this.urlPrefix,
      signer: this.signer,
      tmpDir: this.tmpDir,
      uploads: this.uploads,
      locks: this.locks,
      acceptsUpload: this.acceptsUpload,
      objectPath: (key) => this.objectPath(key),
      commitOnce: (key, temp, etag, contentType) => this.commit(key, temp, etag, contentType, undefined, true),
      emit: (eventName, key, size, eTag) => this.emit(eventName, key, size, eTag),
    };
    this.multipart = new LocalMultipartUploads({
      bucket: this.bucket,
      signer: this.signer,
      clock: this.clock,
      minPartSize: this.minPartSize,
      tmpDir: this.tmpDir,
      uploads: this.uploads,
      locks: this.locks,
      objectPath: (key) => this.objectPath(key),
      commit: (key, temp, etag, contentType) => this.commit(key, temp, etag, contentType, undefined),
      emit: (eventName, key, size, eTag) => this.emit(eventName, key, size, eTag),
      signedRequest: (key, query, contentType, expiresAt) => this.signedRequest(key, query, contentType, expiresAt),
    });
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

  async put(key: string, body: Readable | Buffer, options: PutOptions = {}): Promise<ObjectInfo> {
    this.objectPath(key);
    const contentType = options.contentType === undefined ? DEFAULT_CONTENT_TYPE : validateContentType(options.contentType);
    const temp = await writeTempFile(this.tmpDir, body);
    return this.commit(key, temp, newEtag(), contentType, options.cacheControl);
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
    await this.locks.withLock(`key:${key}`, async () => {
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

  createMultipartUpload(key: string, options: { contentType: string; maxSize: number; partSize?: number }): Promise<{ uploadId: string }> {
    return this.multipart.create(key, options);
  }

  signUploadPart(key: string, uploadId: string, partNumber: number, options: { expiresInSec: number; maxSize: number }): Promise<SignedRequest> {
    return this.multipart.signPart(key, uploadId, partNumber, options);
  }

  listParts(key: string, uploadId: string): Promise<UploadedPart[]> {
    return this.multipart.listParts(key, uploadId);
  }

  completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }>,
    expect?: { size?: number },
  ): Promise<ObjectInfo> {
    return this.multipart.complete(key, uploadId, parts, expect);
  }

  listMultipartUploads(): Promise<MultipartUploadSummary[]> {
    return this.multipart.list();
  }

  abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    return this.multipart.abort(key, uploadId);
  }

  /** Serves a signed PUT (single object or multipart part): see signed-put-receiver.ts. */
  receiveSignedRequest(req: IncomingSignedRequest): Promise<SignedRequestResult> {
    return receiveSignedPut(this.signedPuts, req);
  }

  // --- internals -------------------------------------------------------------------------

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
   * key that already holds an object is refused, the temp file removed (see signed-put-receiver.ts).
   */
  private async commit(
    key: string,
    temp: Pick<TempFile, 'path'>,
    etag: string,
    contentType: string,
    cacheControl: string | undefined,
    onlyIfAbsent = false,
  ): Promise<ObjectInfo> {
    const path = this.objectPath(key);
    return this.locks.withLock(`key:${key}`, async () => {
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
}

function notFound(key: string): NotFoundError {
  return new NotFoundError(`No object with key ${JSON.stringify(key)}`);
}
