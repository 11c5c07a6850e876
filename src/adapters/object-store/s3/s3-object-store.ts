import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type {
  ByteRange,
  GetResult,
  ObjectInfo,
  ObjectStore,
  ObjectStoreCapabilities,
  PutOptions,
  SignUploadOptions,
  SignedDownloadSigner,
  SignedRequest,
  UploadedPart,
} from '../../../core/ports/object-store.ts';
import { normalizeEtag } from '../../../core/ports/object-store.ts';
import { NotFoundError, PreconditionFailedError, TransientError, ValidationError } from '../../../core/errors.ts';
import { compareKeys, validateObjectKey, validatePrefix } from '../object-key.ts';
import { validateContentType, validateExpiresIn, validateMaxSize, validateRangeShape } from '../upload-options.ts';
import { mapS3Error } from './s3-errors.ts';
import { S3Multipart } from './s3-multipart.ts';
import { uploadStream } from './stream-upload.ts';

/**
 * ObjectStore on S3 or an S3-compatible service (MinIO, s3rver…), with AWS SDK v3.
 *
 * - Keys live under the optional `prefix` (e.g. 'vodkit/sources/'); every key in and out of this
 *   class is relative to it. `toStoreKey` maps a bucket key (from an event) back.
 * - `put` of a Buffer is one PutObject; a stream is read into parts of `partSize` bytes (one
 *   PutObject if it ends within the first part, else a multipart upload, aborted on failure):
 *   at most two parts are held in memory, never the whole file.
 * - `signUpload` presigns a PUT with Content-Type AND Content-Length signed: an S3 presigned PUT
 *   cannot say "at most N bytes", so the client must send exactly `maxSize` bytes (the declared
 *   file size). The same holds for `signUploadPart`: each part must be exactly its `maxSize`, and
 *   the total of a multipart upload is bounded by the parts that were signed.
 * - `list` uses ListObjectsV2, which does not return content types: listed objects report
 *   contentType '' (use head() when it matters).
 * - It raises no object-created events: S3/MinIO notifications arrive through the webhook.
 * - Checksums are computed only when an operation requires them (requestChecksumCalculation
 *   'WHEN_REQUIRED'), so presigned URLs carry no checksum of an empty body and S3-compatible
 *   services without flexible checksums work.
 */
export interface S3ObjectStoreOptions {
  bucket: string;
  prefix?: string;
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** An existing client (then region, endpoint, forcePathStyle and credentials are ignored). */
  client?: S3Client;
  /** Part size for streamed puts; at least 5 MiB (the S3 minimum). Default 8 MiB. */
  partSize?: number;
  /** Keys per ListObjectsV2 page and per DeleteObjects batch, 1 to 1000. Default 1000. */
  pageSize?: number;
}

const MIB = 1024 * 1024;

export class S3ObjectStore implements ObjectStore, SignedDownloadSigner {
  readonly bucket: string;
  /** Clients send signed requests to S3 itself (uploads and downloads); its events (if any) arrive through the webhook. */
  readonly capabilities: ObjectStoreCapabilities = { signedRequests: null, uploadEvents: null, signedDownloads: this, multipartListing: null };
  readonly prefix: string;
  readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly partSize: number;
  private readonly pageSize: number;
  private readonly multipart: S3Multipart;

  constructor(opts: S3ObjectStoreOptions) {
    if (!opts.bucket) throw new ValidationError('S3 bucket name is required');
    this.bucket = opts.bucket;
    const prefix = opts.prefix ?? '';
    validatePrefix(prefix);
    if (prefix !== '' && !prefix.endsWith('/')) throw new ValidationError("S3 key prefix must end with '/'", { field: 'prefix' });
    this.prefix = prefix;
    this.partSize = opts.partSize ?? 8 * MIB;
    if (!Number.isSafeInteger(this.partSize) || this.partSize < 5 * MIB) {
      throw new ValidationError('partSize must be at least 5 MiB (the S3 minimum part size)');
    }
    this.pageSize = opts.pageSize ?? 1000;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1 || this.pageSize > 1000) {
      throw new ValidationError('pageSize must be from 1 to 1000');
    }
    this.ownsClient = !opts.client;
    this.client =
      opts.client ??
      new S3Client({
        region: opts.region,
        endpoint: opts.endpoint,
        forcePathStyle: opts.forcePathStyle,
        credentials: opts.credentials,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
    this.multipart = new S3Multipart({ client: this.client, bucket: this.bucket, fullKey: (key) => this.fullKey(key), head: (key) => this.head(key) });
  }

  /** The store key for a key as it appears in the bucket, or null when outside the prefix. */
  toStoreKey(bucketKey: string): string | null {
    return bucketKey.startsWith(this.prefix) && bucketKey.length > this.prefix.length ? bucketKey.slice(this.prefix.length) : null;
  }

  /** Releases the HTTP connections of a client this store created. */
  close(): void {
    if (this.ownsClient) this.client.destroy();
  }

  async put(key: string, body: Readable | Buffer, options: PutOptions = {}): Promise<ObjectInfo> {
    const Key = this.fullKey(key);
    const ContentType = options.contentType === undefined ? 'application/octet-stream' : validateContentType(options.contentType);
    const CacheControl = options.cacheControl;
    try {
      const { etag, size } = await uploadStream({
        client: this.client,
        bucket: this.bucket,
        key: Key,
        body,
        partSize: this.partSize,
        contentType: ContentType,
        cacheControl: CacheControl,
      });
      // PutObject does not return Last-Modified: the time of the upload is close to it.
      return { key, size, etag: normalizeEtag(etag), contentType: ContentType, lastModified: new Date() };
    } catch (err) {
      throw mapS3Error(err, key);
    }
  }

  async get(key: string, range?: ByteRange): Promise<GetResult> {
    const Key = this.fullKey(key);
    if (range) validateRangeShape(range);
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key,
          Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined,
        }),
      );
      const contentRange = out.ContentRange ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(out.ContentRange) : null;
      const size = contentRange ? Number(contentRange[3]) : (out.ContentLength ?? 0);
      const result: GetResult = {
        body: out.Body as Readable,
        info: {
          key,
          size,
          etag: normalizeEtag(out.ETag ?? ''),
          contentType: out.ContentType ?? 'application/octet-stream',
          lastModified: out.LastModified ?? new Date(0),
        },
      };
      if (range) {
        if (!contentRange) {
          (out.Body as Readable).destroy();
          throw new TransientError('The object store ignored the Range header');
        }
        result.range = { start: Number(contentRange[1]), end: Number(contentRange[2]) };
      }
      return result;
    } catch (err) {
      throw mapS3Error(err, key);
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const Key = this.fullKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return {
        key,
        size: out.ContentLength ?? 0,
        etag: normalizeEtag(out.ETag ?? ''),
        contentType: out.ContentType ?? 'application/octet-stream',
        lastModified: out.LastModified ?? new Date(0),
      };
    } catch (err) {
      const mapped = mapS3Error(err, key);
      if (mapped instanceof NotFoundError) return null;
      throw mapped;
    }
  }

  async pinToFile(key: string, path: string, options: { etag: string; signal?: AbortSignal }): Promise<ObjectInfo> {
    const Key = this.fullKey(key);
    const wanted = normalizeEtag(options.etag);
    let out;
    try {
      out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, IfMatch: `"${wanted}"` }), { abortSignal: options.signal });
    } catch (err) {
      throw mapS3Error(err, key);
    }
    const body = out.Body as Readable;
    // The ETag of the bytes this answer carries: checked here too, for stores that ignore If-Match.
    if (normalizeEtag(out.ETag ?? '') !== wanted) {
      body.destroy();
      throw replaced(key);
    }
    try {
      await pipeline(body, createWriteStream(path, { flags: 'wx' }), { signal: options.signal });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await rm(path, { force: true });
      throw mapS3Error(err, key);
    }
    return {
      key,
      size: out.ContentLength ?? 0,
      etag: wanted,
      contentType: out.ContentType ?? 'application/octet-stream',
      lastModified: out.LastModified ?? new Date(0),
    };
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    validatePrefix(prefix);
    const infos: ObjectInfo[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken: token, MaxKeys: this.pageSize }),
        );
        for (const item of page.Contents ?? []) {
          const key = item.Key === undefined ? null : this.toStoreKey(item.Key);
          if (key === null) continue;
          infos.push({
            key,
            size: item.Size ?? 0,
            etag: normalizeEtag(item.ETag ?? ''),
            contentType: '',
            lastModified: item.LastModified ?? new Date(0),
          });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw mapS3Error(err);
    }
    return infos.sort((a, b) => compareKeys(a.key, b.key));
  }

  async delete(key: string): Promise<void> {
    const Key = this.fullKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      const mapped = mapS3Error(err, key);
      if (!(mapped instanceof NotFoundError)) throw mapped;
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    if (prefix === '') throw new ValidationError('Refusing to delete every object: give a non-empty prefix', { field: 'prefix' });
    const keys = (await this.list(prefix)).map((info) => info.key);
    let deleted = 0;
    try {
      for (let i = 0; i < keys.length; i += this.pageSize) {
        const batch = keys.slice(i, i + this.pageSize);
        const out = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((key) => ({ Key: this.prefix + key })), Quiet: true },
          }),
        );
        const failed = out.Errors ?? [];
        if (failed.length > 0) {
          const first = failed[0];
          throw new TransientError(`Could not delete ${failed.length} object(s), e.g. ${first.Key}: ${first.Code} ${first.Message ?? ''}`.trim());
        }
        deleted += batch.length;
      }
    } catch (err) {
      throw mapS3Error(err);
    }
    return deleted;
  }

  async signUpload(key: string, options: SignUploadOptions): Promise<SignedRequest> {
    const Key = this.fullKey(key);
    const contentType = validateContentType(options.contentType);
    const maxSize = validateMaxSize(options.maxSize);
    const expiresIn = validateExpiresIn(options.expiresInSec);
    const command = new PutObjectCommand({ Bucket: this.bucket, Key, ContentType: contentType, ContentLength: maxSize });
    const url = await getSignedUrl(this.client, command, { expiresIn, signableHeaders: new Set(['content-type', 'content-length']) });
    return {
      method: 'PUT',
      url,
      headers: { 'Content-Type': contentType, 'Content-Length': String(maxSize) },
      expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString(),
    };
  }

  createMultipartUpload(key: string, options: { contentType: string; maxSize: number }): Promise<{ uploadId: string }> {
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

  abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    return this.multipart.abort(key, uploadId);
  }

  async signDownload(key: string, options: { expiresInSec: number }): Promise<string> {
    const Key = this.fullKey(key);
    const expiresIn = validateExpiresIn(options.expiresInSec);
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key }), { expiresIn });
  }

  private fullKey(key: string): string {
    return this.prefix + validateObjectKey(key);
  }
}

function replaced(key: string): PreconditionFailedError {
  return new PreconditionFailedError(`The object ${JSON.stringify(key)} was replaced: it is no longer the version asked for`);
}
