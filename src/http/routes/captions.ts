import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DepsOf } from '../http-deps.ts';
import type { CaptionTrack, Video } from '../../core/model/video.ts';
import { CaptionService } from '../../core/captions/caption-service.ts';
import { MAX_CAPTION_CHARS } from '../../core/captions/webvtt.ts';
import { NotFoundError, UnauthorizedError } from '../../core/errors.ts';
import type { Authenticator } from '../auth.ts';
import { checkSameOrigin } from '../auth.ts';
import { publicBaseUrl } from '../request-helpers.ts';
import { errorResponses, json, noContent } from '../schemas/responses.ts';
import { grantMedia, mediaAccess, videoViewWith } from '../video-view.ts';

/** What these routes use. */
export type CaptionDeps = DepsOf<'catalog' | 'media' | 'logger' | 'playbackTokens' | 'cdn' | 'clock', 'publicUrl' | 'playbackTokenTtlSec'>;

const postBody = z
  .object({
    language: z.string().min(1).max(35).meta({ description: 'A BCP 47 language tag, e.g. en or pt-BR; a track of that language is replaced.' }),
    label: z.string().max(100).optional().meta({ description: "Shown in the player's captions menu (default: the language's name)." }),
    format: z.enum(['vtt', 'srt']),
    text: z.string().min(1).max(MAX_CAPTION_CHARS).meta({ description: 'The caption file; SRT is converted to WebVTT.' }),
  })
  .strict();

const track = z.object({
  language: z.string(),
  label: z.string(),
  url: z.string().nullable().meta({ description: 'The WebVTT file, authorized like the rest of the media.' }),
  source: z.enum(['upload', 'api']).meta({ description: 'A subtitle stream of the upload, or this API.' }),
});
const videoParams = z.object({ id: z.string() });
const tags = ['captions'];

const listSchema = {
  tags,
  summary: "List a video's caption tracks",
  description: 'For whoever may watch the video (signed out: public and unlisted videos).',
  params: videoParams,
  response: { 200: z.object({ items: z.array(track) }), ...errorResponses(401, 404) },
};
const putSchema = {
  tags,
  summary: 'Add or replace a caption track',
  description: 'By the owner or an admin, once the video can be played.',
  params: videoParams,
  body: postBody,
  response: { 201: json('The track, as listed.', track), ...errorResponses(400, 401, 403, 404, 409, 413) },
};
const deleteSchema = {
  tags,
  summary: 'Remove a caption track',
  params: z.object({ id: z.string(), language: z.string() }),
  response: { 204: noContent('Removed.'), ...errorResponses(401, 403, 404) },
};

/** JSON of a caption file of 2 MiB characters, escaped: the request bodies these routes accept. */
const BODY_LIMIT = 3 * MAX_CAPTION_CHARS;

/**
 * GET/POST /api/v1/videos/:id/captions, DELETE /api/v1/videos/:id/captions/:language: the
 * video's caption tracks (WebVTT; SRT is converted), listed for whoever may watch it, changed by
 * its owner or an admin. Each track's `url` is authorized like the rest of the video's media.
 */
export function registerCaptionRoutes(app: FastifyInstance, deps: CaptionDeps, auth: Authenticator): void {
  const captions = new CaptionService({ catalog: deps.catalog, media: deps.media, logger: deps.logger });
  const access = mediaAccess(deps);
  const views = async (request: FastifyRequest, video: Video, tracks: CaptionTrack[]) => {
    const view = videoViewWith({ ...video, captions: tracks }, publicBaseUrl(request, deps.config.publicUrl), await grantMedia(video, access));
    return view.captions.map((c, i) => ({ ...c, source: tracks[i]!.source }));
  };
  const load = async (id: string): Promise<Video> => {
    const video = await deps.catalog.getVideo(id);
    if (!video) throw new NotFoundError('no such video');
    return video;
  };

  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get('/api/v1/videos/:id/captions', { schema: listSchema }, async (request) => {
    const p = await auth.principal(request);
    const tracks = await captions.list(request.params.id, p).catch((err: unknown) => {
      if (!p && err instanceof NotFoundError) throw new UnauthorizedError('sign in to see the captions of this video');
      throw err;
    });
    return { items: await views(request, await load(request.params.id), tracks) };
  });

  api.post('/api/v1/videos/:id/captions', { bodyLimit: BODY_LIMIT, schema: putSchema }, async (request, reply) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    const track = await captions.put(request.params.id, p, request.body);
    const [view] = await views(request, await load(request.params.id), [track]);
    return reply.status(201).send(view);
  });

  api.delete('/api/v1/videos/:id/captions/:language', { schema: deleteSchema }, async (request, reply) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    await captions.delete(request.params.id, p, request.params.language);
    return reply.status(204).send(null);
  });
}
