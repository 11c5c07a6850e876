import type { Catalog } from '../ports/catalog.ts';
import type { Clock } from '../ports/clock.ts';
import type { ObjectStore, SignedRequest, UploadedPart } from '../ports/object-store.ts';
import type { Video, Visibility } from '../model/video.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { newId } from '../ids.ts';
import { sourceKeyFor } from '../media-keys.ts';
import { createUploading, type NewVideo } from '../videos/lifecycle.ts';
import { checkUploadRequest, titleFromFilename, uploadContentType, type UploadRequest } from './upload-rules.ts';

export interface UploadLimits {
  maxUploadBytes: number;
  uploadUrlTtlSec: number;
  /** Size of each part for multipart uploads (the last one may be smaller). */
  partSizeBytes: number;
}

export interface MultipartUploadInfo {
  uploadId: string;
  partSize: number;
  partCount: number;
}

export interface CreatedUpload {
  video: Video;
  upload: SignedRequest | (MultipartUploadInfo & { method: 'MULTIPART' });
}

export interface UploadServiceDeps {
  catalog: Catalog;
  sources: ObjectStore;
  clock: Clock;
  limits: UploadLimits;
}

/**
 * Creates videos and hands out signed upload URLs (single PUT or S3-style multipart) bound to a
 * server-made key. Completion is signalled by the store's object-created event, not by this service.
 */
export class UploadService {
  constructor(private readonly deps: UploadServiceDeps) {}

  async createUpload(
    req: UploadRequest & { multipart?: boolean; ownerId?: string | null; visibility?: Visibility; encrypt?: boolean; downloads?: boolean },
  ): Promise<CreatedUpload> {
    const { catalog, sources, clock, limits } = this.deps;
    checkUploadRequest(req, limits.maxUploadBytes);
    const id = newId();
    const now = clock.now().toISOString();
    // Until the first bytes are seen (then the type they show is stored): see upload-rules.ts.
    const contentType = uploadContentType(req.contentType);
    const video: NewVideo = {
      id,
      title: req.title?.trim() || titleFromFilename(req.filename),
      filename: req.filename.replace(/^.*[\\/]/, ''),
      contentType,
      sourceSize: req.size,
      sourceKey: sourceKeyFor(id, req.filename),
      ownerId: req.ownerId ?? null,
      visibility: req.visibility ?? 'private',
      durationSec: null,
      width: null,
      height: null,
      renditions: [],
      masterKey: null,
      posterKey: null,
      thumbnailKey: null,
      ...(req.encrypt ? { encrypted: true } : {}),
      ...(typeof req.downloads === 'boolean' ? { downloads: req.downloads } : {}),
      createdAt: now,
      updatedAt: now,
    };
    const created = await createUploading(catalog, video);
    if (req.multipart) {
      const { uploadId } = await sources.createMultipartUpload(video.sourceKey, { contentType, maxSize: req.size, partSize: limits.partSizeBytes });
      const partCount = Math.max(1, Math.ceil(req.size / limits.partSizeBytes));
      return { video: created, upload: { method: 'MULTIPART', uploadId, partSize: limits.partSizeBytes, partCount } };
    }
    const upload = await sources.signUpload(video.sourceKey, {
      contentType,
      maxSize: req.size,
      expiresInSec: limits.uploadUrlTtlSec,
    });
    return { video: created, upload };
  }

  async signParts(video: Video, uploadId: string, partNumbers: number[]): Promise<Array<SignedRequest & { partNumber: number }>> {
    this.assertUploading(video);
    const { limits } = this.deps;
    const partCount = Math.max(1, Math.ceil(video.sourceSize / limits.partSizeBytes));
    if (!Array.isArray(partNumbers) || partNumbers.length === 0 || partNumbers.length > 100) {
      throw new ValidationError('partNumbers must list 1 to 100 part numbers');
    }
    const signed = [];
    for (const partNumber of partNumbers) {
      if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > partCount) {
        throw new ValidationError(`partNumber must be between 1 and ${partCount}`);
      }
      const maxSize = partNumber === partCount ? video.sourceSize - limits.partSizeBytes * (partCount - 1) : limits.partSizeBytes;
      const req = await this.deps.sources.signUploadPart(video.sourceKey, uploadId, partNumber, {
        expiresInSec: limits.uploadUrlTtlSec,
        maxSize,
      });
      signed.push({ ...req, partNumber });
    }
    return signed;
  }

  async listParts(video: Video, uploadId: string): Promise<UploadedPart[]> {
    this.assertUploading(video);
    return this.deps.sources.listParts(video.sourceKey, uploadId);
  }

  /**
   * Assembles the parts; the store then raises the object-created event. Parts that do not add up
   * to the declared size are refused before anything is assembled: the upload stays open, so the
   * client can list its parts, send the missing ones and complete again.
   */
  async completeMultipart(video: Video, uploadId: string, parts: Array<{ partNumber: number; etag: string }>): Promise<void> {
    this.assertUploading(video);
    await this.deps.sources.completeMultipartUpload(video.sourceKey, uploadId, parts, { size: video.sourceSize });
  }

  async abortMultipart(video: Video, uploadId: string): Promise<void> {
    await this.deps.sources.abortMultipartUpload(video.sourceKey, uploadId);
  }

  private assertUploading(video: Video | null): asserts video is Video {
    if (!video) throw new NotFoundError('no such video');
    if (video.status !== 'uploading') throw new ConflictError(`the upload of this video is already complete (status ${video.status})`);
  }
}
