import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { DepsOf } from '../http-deps.ts';
import type { Authenticator } from '../auth.ts';
import { checkSameOrigin } from '../auth.ts';
import { canUpload } from '../../core/access/video-access.ts';
import { ConflictError, ForbiddenError, ValidationError } from '../../core/errors.ts';
import { publicBaseUrl, parseBody } from '../request-helpers.ts';
import { mediaAccess, videoView } from '../video-view.ts';
import { enforceRateLimit, type RateLimit } from '../rate-limit.ts';

/** What these routes use. */
export type UploadDeps = DepsOf<'rateLimiter' | 'uploads' | 'videos' | 'playbackTokens' | 'cdn' | 'clock' | 'sources' | 'objectCreated', 'uploadRateLimit' | 'publicUrl' | 'playbackTokenTtlSec'>;

const createBody = z.object({
  filename: z.string().min(1).max(255),
  size: z.number().int().positive(),
  /** A hint (may be empty or absent): the bytes decide. */
  contentType: z.string().max(200).nullish(),
  title: z.string().max(200).optional(),
  visibility: z.enum(['private', 'unlisted', 'public']).optional(),
  multipart: z.boolean().optional(),
  /** HLS AES-128: segments encrypted, key served by GET /media/<id>/keys/<kid>.key (default false). */
  encrypt: z.boolean().optional(),
  /** A downloadable MP4 made with the ladder (default: VODKIT_DOWNLOADS). */
  downloads: z.boolean().optional(),
});
const partsBody = z.object({ uploadId: z.string().min(1).max(200), partNumbers: z.array(z.number().int().positive()).min(1).max(100) });
const completeBody = z.object({
  uploadId: z.string().min(1).max(200).optional(),
  parts: z.array(z.object({ partNumber: z.number().int().positive(), etag: z.string().min(1).max(200) })).max(10_000).optional(),
});

/**
 * Upload API: POST /api/v1/uploads hands out a signed PUT URL (or starts a multipart upload);
 * multipart uploads sign parts, list parts, complete and abort like S3's API. With a store that
 * emits no events of its own (S3 without notifications), POST .../complete also reports a single PUT.
 */
export function registerUploadRoutes(app: FastifyInstance, deps: UploadDeps, auth: Authenticator): void {
  // New uploads per principal per minute (VODKIT_UPLOAD_RATE_LIMIT): each one is a record and a signed URL.
  const creations: RateLimit = { limit: deps.config.uploadRateLimit, windowMs: 60_000, what: 'new uploads' };
  const uploader = async (request: FastifyRequest) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    if (!canUpload(p)) throw new ForbiddenError('your account cannot upload videos');
    return p;
  };

  app.post('/api/v1/uploads', async (request, reply) => {
    const p = await uploader(request);
    await enforceRateLimit(deps.rateLimiter, `uploads:${p.userId ?? 'admin-token'}`, creations);
    const body = parseBody(createBody, request.body);
    if (body.encrypt && deps.cdn) {
      // The CDN serves the segments straight from the store; the keys are vodkit's own /media route.
      throw new ValidationError('encrypted videos (encrypt: true) are not available where a CDN serves the media; upload it without encrypt');
    }
    const { video, upload } = await deps.uploads.createUpload({ ...body, contentType: body.contentType ?? undefined, ownerId: p.userId });
    const base = publicBaseUrl(request, deps.config.publicUrl);
    const view = await videoView(video, base, mediaAccess(deps));
    if ('url' in upload) {
      return reply.status(201).send({ video: view, upload: { ...upload, url: new URL(upload.url, base).toString() } });
    }
    return reply.status(201).send({ video: view, upload });
  });

  app.post<{ Params: { id: string } }>('/api/v1/uploads/:id/parts', async (request) => {
    const p = await uploader(request);
    const body = parseBody(partsBody, request.body);
    const video = await deps.videos.getManaged(request.params.id, p);
    const base = publicBaseUrl(request, deps.config.publicUrl);
    const parts = await deps.uploads.signParts(video, body.uploadId, body.partNumbers);
    return { parts: parts.map((part) => ({ ...part, url: new URL(part.url, base).toString() })) };
  });

  app.get<{ Params: { id: string }; Querystring: { uploadId?: string } }>('/api/v1/uploads/:id/parts', async (request) => {
    const p = await uploader(request);
    const uploadId = request.query.uploadId;
    if (!uploadId) throw new ValidationError('uploadId query parameter is required');
    const video = await deps.videos.getManaged(request.params.id, p);
    return { parts: await deps.uploads.listParts(video, uploadId) };
  });

  app.post<{ Params: { id: string } }>('/api/v1/uploads/:id/complete', async (request) => {
    const p = await uploader(request);
    const body = parseBody(completeBody, request.body ?? {});
    const video = await deps.videos.getManaged(request.params.id, p);
    const base = publicBaseUrl(request, deps.config.publicUrl);
    if (body.uploadId) {
      if (!body.parts?.length) throw new ValidationError('parts are required to complete a multipart upload');
      await deps.uploads.completeMultipart(video, body.uploadId, body.parts);
    }
    // Single PUT (or a store that announces no uploads itself): report the stored object;
    // duplicate reports are harmless.
    if (!deps.sources.capabilities.uploadEvents || body.uploadId === undefined) {
      const info = await deps.sources.head(video.sourceKey);
      if (!info) throw new ConflictError('the file has not been uploaded yet');
      if (info.size !== video.sourceSize) throw new ValidationError(`${info.size} bytes were uploaded but ${video.sourceSize} were declared`);
      await deps.objectCreated.handleObject(info);
    }
    const fresh = await deps.videos.get(video.id, p);
    return { video: await videoView(fresh, base, mediaAccess(deps)) };
  });

  app.delete<{ Params: { id: string }; Querystring: { uploadId?: string } }>('/api/v1/uploads/:id', async (request, reply) => {
    const p = await uploader(request);
    const video = await deps.videos.getManaged(request.params.id, p);
    if (request.query.uploadId) await deps.uploads.abortMultipart(video, request.query.uploadId);
    if (video.status === 'uploading') await deps.videos.delete(video.id, p);
    return reply.status(204).send();
  });
}
