import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DepsOf } from '../http-deps.ts';
import type { Authenticator } from '../auth.ts';
import { checkSameOrigin } from '../auth.ts';
import { canUpload } from '../../core/access/video-access.ts';
import { ConflictError, ForbiddenError, ValidationError } from '../../core/errors.ts';
import { publicBaseUrl } from '../request-helpers.ts';
import { errorResponses, json, noContent } from '../schemas/responses.ts';
import { videoViewSchema } from '../schemas/video-view-schema.ts';
import { mediaAccess, videoView } from '../video-view.ts';
import { enforceRateLimit, type RateLimit } from '../rate-limit.ts';

/** What these routes use. */
export type UploadDeps = DepsOf<'rateLimiter' | 'uploads' | 'videos' | 'playbackTokens' | 'cdn' | 'clock' | 'sources' | 'objectCreated', 'uploadRateLimit' | 'publicUrl' | 'playbackTokenTtlSec'>;

const createBody = z.object({
  filename: z.string().min(1).max(255),
  size: z.number().int().positive().meta({ description: 'Bytes; the upload must be exactly this long.' }),
  contentType: z.string().max(200).nullish().meta({ description: 'A hint (may be empty or absent): the bytes decide.' }),
  title: z.string().max(200).optional().meta({ description: 'Default: from the file name.' }),
  visibility: z.enum(['private', 'unlisted', 'public']).optional().meta({ description: 'Default: private.' }),
  multipart: z.boolean().optional().meta({ description: 'Upload in parts (POST .../parts signs them), for large files and resumable uploads.' }),
  encrypt: z.boolean().optional().meta({ description: 'HLS AES-128: segments encrypted, key served by GET /media/<id>/keys/<kid>.key (default false).' }),
  downloads: z.boolean().optional().meta({ description: 'A downloadable MP4 made with the ladder (default: VODKIT_DOWNLOADS).' }),
});
const partsBody = z.object({ uploadId: z.string().min(1).max(200), partNumbers: z.array(z.number().int().positive()).min(1).max(100) });
const completeBody = z
  .object({
    uploadId: z.string().min(1).max(200).optional().meta({ description: 'The multipart upload to assemble; absent for a single PUT.' }),
    parts: z.array(z.object({ partNumber: z.number().int().positive(), etag: z.string().min(1).max(200) })).max(10_000).optional(),
  })
  .nullish();

/** A signed request the client sends as given: the body to its URL with exactly these headers. */
const signedRequest = z.object({
  method: z.enum(['PUT', 'GET']),
  url: z.string(),
  headers: z.record(z.string(), z.string()).meta({ description: 'To send exactly as given (e.g. Content-Type).' }),
  expiresAt: z.string(),
});
const signedPart = signedRequest.extend({ partNumber: z.number() });
const upload = z.discriminatedUnion('method', [
  signedRequest,
  z.object({
    method: z.literal('MULTIPART'),
    uploadId: z.string(),
    partSize: z.number().meta({ description: 'Bytes of each part (the last may be smaller).' }),
    partCount: z.number(),
  }),
]);
const videoParams = z.object({ id: z.string() });
const tags = ['uploads'];

const createSchema = {
  tags,
  summary: 'Start an upload',
  description:
    'Creates the video (status uploading) and answers where to send the file: a signed PUT (`method: PUT`), or a multipart upload (`method: MULTIPART`) whose parts POST .../parts signs. Then POST .../complete.',
  body: createBody,
  response: {
    201: json('The video and where to upload its file.', z.object({ video: videoViewSchema, upload })),
    ...errorResponses(400, 401, 403, 413, 415, 429),
  },
};
const signPartsSchema = {
  tags,
  summary: 'Sign parts of a multipart upload',
  params: videoParams,
  body: partsBody,
  response: { 200: z.object({ parts: z.array(signedPart) }), ...errorResponses(400, 401, 403, 404, 409) },
};
const listPartsSchema = {
  tags,
  summary: 'List the parts uploaded so far',
  description: 'To resume a multipart upload: send the missing parts, then complete.',
  params: videoParams,
  querystring: z.object({ uploadId: z.string({ error: 'the uploadId of the multipart upload is required' }).min(1, 'the uploadId of the multipart upload is required') }),
  response: {
    200: z.object({ parts: z.array(z.object({ partNumber: z.number(), etag: z.string(), size: z.number() })) }),
    ...errorResponses(400, 401, 403, 404, 409),
  },
};
const completeSchema = {
  tags,
  summary: 'Complete an upload',
  description: 'Assembles a multipart upload (`uploadId` and its `parts`), or reports a single PUT; processing starts.',
  params: videoParams,
  body: completeBody,
  response: { 200: z.object({ video: videoViewSchema }), ...errorResponses(400, 401, 403, 404, 409) },
};
const abortSchema = {
  tags,
  summary: 'Abort an upload',
  description: 'Aborts the multipart upload (`uploadId`) and deletes the video if it was still uploading.',
  params: videoParams,
  querystring: z.object({ uploadId: z.string().optional() }),
  response: { 204: noContent('Aborted.'), ...errorResponses(401, 403, 404) },
};

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

  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post('/api/v1/uploads', { schema: createSchema }, async (request, reply) => {
    const p = await uploader(request);
    await enforceRateLimit(deps.rateLimiter, `uploads:${p.userId ?? 'admin-token'}`, creations);
    const body = request.body;
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

  api.post('/api/v1/uploads/:id/parts', { schema: signPartsSchema }, async (request) => {
    const p = await uploader(request);
    const body = request.body;
    const video = await deps.videos.getManaged(request.params.id, p);
    const base = publicBaseUrl(request, deps.config.publicUrl);
    const parts = await deps.uploads.signParts(video, body.uploadId, body.partNumbers);
    return { parts: parts.map((part) => ({ ...part, url: new URL(part.url, base).toString() })) };
  });

  api.get('/api/v1/uploads/:id/parts', { schema: listPartsSchema }, async (request) => {
    const p = await uploader(request);
    const uploadId = request.query.uploadId;
    const video = await deps.videos.getManaged(request.params.id, p);
    return { parts: await deps.uploads.listParts(video, uploadId) };
  });

  api.post('/api/v1/uploads/:id/complete', { schema: completeSchema }, async (request) => {
    const p = await uploader(request);
    const body = request.body ?? {};
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

  api.delete('/api/v1/uploads/:id', { schema: abortSchema }, async (request, reply) => {
    const p = await uploader(request);
    const video = await deps.videos.getManaged(request.params.id, p);
    if (request.query.uploadId) await deps.uploads.abortMultipart(video, request.query.uploadId);
    if (video.status === 'uploading') await deps.videos.delete(video.id, p);
    return reply.status(204).send(null);
  });
}
