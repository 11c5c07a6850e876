import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ObjectInfo, SignedRequest, UploadedPart } from '../../../core/ports/object-store.ts';
import { normalizeEtag } from '../../../core/ports/object-store.ts';
import { NotFoundError, TransientError, ValidationError } from '../../../core/errors.ts';
import { validateContentType, validateExpiresIn, validateMaxSize } from '../upload-options.ts';
import { mapS3Error } from './s3-errors.ts';
import { checkExpectedSize, chooseParts } from '../multipart-completion.ts';

/** What the multipart operations need of the S3 store they work on. */
export interface S3MultipartTarget {
  client: S3Client;
  bucket: string;
  /** The bucket key of a store key (validated, under the store's prefix). */
  fullKey(key: string): string;
  head(key: string): Promise<ObjectInfo | null>;
}

/**
 * The multipart uploads of the S3 store: create, presign a part's PUT (exactly its `maxSize`
 * bytes, Content-Length signed), list, complete (the list checked against the stored parts
 * first) or abort.
 */
export class S3Multipart {
  constructor(private readonly target: S3MultipartTarget) {}

  async create(key: string, options: { contentType: string; maxSize: number }): Promise<{ uploadId: string }> {
    const Key = this.target.fullKey(key);
    const ContentType = validateContentType(options.contentType);
    validateMaxSize(options.maxSize);
    try {
      const out = await this.target.client.send(new CreateMultipartUploadCommand({ Bucket: this.target.bucket, Key, ContentType }));
      if (!out.UploadId) throw new TransientError('The object store returned no upload id');
      return { uploadId: out.UploadId };
    } catch (err) {
      throw mapS3Error(err, key);
    }
  }

  async signPart(
    key: string,
    uploadId: string,
    partNumber: number,
    options: { expiresInSec: number; maxSize: number },
  ): Promise<SignedRequest> {
    const Key = this.target.fullKey(key);
    checkUploadId(uploadId);
    checkPartNumber(partNumber);
    const size = validateMaxSize(options.maxSize);
    const expiresIn = validateExpiresIn(options.expiresInSec);
    const command = new UploadPartCommand({ Bucket: this.target.bucket, Key, UploadId: uploadId, PartNumber: partNumber, ContentLength: size });
    const url = await getSignedUrl(this.target.client, command, { expiresIn, signableHeaders: new Set(['content-length']) });
    return {
      method: 'PUT',
      url,
      headers: { 'Content-Length': String(size) },
      expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString(),
    };
  }

  async listParts(key: string, uploadId: string): Promise<UploadedPart[]> {
    const Key = this.target.fullKey(key);
    checkUploadId(uploadId);
    const parts: UploadedPart[] = [];
    let marker: string | undefined;
    try {
      do {
        const page = await this.target.client.send(
          new ListPartsCommand({ Bucket: this.target.bucket, Key, UploadId: uploadId, PartNumberMarker: marker }),
        );
        for (const part of page.Parts ?? []) {
          parts.push({ partNumber: part.PartNumber ?? 0, etag: normalizeEtag(part.ETag ?? ''), size: part.Size ?? 0 });
        }
        marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
      } while (marker);
    } catch (err) {
      throw mapS3Error(err, key);
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async complete(
    key: string,
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }>,
    expect?: { size?: number },
  ): Promise<ObjectInfo> {
    const Key = this.target.fullKey(key);
    checkUploadId(uploadId);
    if (!Array.isArray(parts) || parts.length === 0) {
      throw new ValidationError('A multipart upload needs at least one part to complete', { field: 'parts' });
    }
    let previous = 0;
    for (const part of parts) {
      checkPartNumber(part.partNumber);
      if (part.partNumber <= previous) {
        throw new ValidationError('Parts must be listed in ascending part-number order, each once', { field: 'parts' });
      }
      previous = part.partNumber;
    }
    // S3 completes any list of uploaded parts, and a completed upload is gone: the list is checked
    // against the stored parts first, so a wrong one leaves the upload as it was. S3 itself then
    // refuses a part replaced in between (its ETag no longer matches).
    checkExpectedSize(chooseParts(parts, await this.listParts(key, uploadId)), expect);
    try {
      await this.target.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.target.bucket,
          Key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: `"${normalizeEtag(p.etag)}"` })) },
        }),
      );
    } catch (err) {
      throw mapS3Error(err, key);
    }
    const info = await this.target.head(key);
    if (!info) throw new TransientError(`The completed object ${JSON.stringify(key)} is not visible yet`);
    return info;
  }

  async abort(key: string, uploadId: string): Promise<void> {
    const Key = this.target.fullKey(key);
    checkUploadId(uploadId);
    try {
      await this.target.client.send(new AbortMultipartUploadCommand({ Bucket: this.target.bucket, Key, UploadId: uploadId }));
    } catch (err) {
      const mapped = mapS3Error(err, key);
      if (!(mapped instanceof NotFoundError)) throw mapped; // already gone: aborting is idempotent
    }
  }
}

function checkUploadId(uploadId: unknown): void {
  if (typeof uploadId !== 'string' || uploadId.length === 0 || uploadId.length > 1024) {
    throw new ValidationError('uploadId must be a non-empty string', { field: 'uploadId' });
  }
}

function checkPartNumber(partNumber: unknown): void {
  if (typeof partNumber !== 'number' || !Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
    throw new ValidationError('partNumber must be a whole number from 1 to 10000', { field: 'partNumber' });
  }
}
