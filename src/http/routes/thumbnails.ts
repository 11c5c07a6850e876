import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isValidId } from '../../core/ids.ts';
import { NotFoundError } from '../../core/errors.ts';
import { cacheControlFor } from '../../core/media-files.ts';
import { normalizeEtag } from '../../core/ports/object-store.ts';
import type { Authenticator } from '../auth.ts';
import type { DepsOf } from '../http-deps.ts';
import { authorizeMedia } from '../media-authorization.ts';
import { enforceRateLimit, type RateLimit } from '../rate-limit.ts';
import { errorResponses, noContent } from '../schemas/responses.ts';

/** What this route uses. */
export type ThumbnailDeps = DepsOf<'catalog' | 'frames' | 'playbackTokens' | 'rateLimiter'>;

/** Thumbnails not made yet that one client may have made per minute (each runs a decoder); kept ones are not counted. */
export const NEW_THUMBNAILS: RateLimit = { limit: 120, windowMs: 60_000, what: 'new thumbnails' };

/** A query number, or undefined when absent or empty; a value that is not a number is refused. */
const queryNumber = z
  .string()
  .optional()
  .refine((v) => v === undefined || v === '' || Number.isFinite(Number(v)), 'must be a number')
  .transform((v) => (v === undefined || v === '' ? undefined : Number(v)));

const thumbnailSchema = {
  tags: ['media'],
  summary: 'A frame of the video (JPEG)',
  description:
    "A frame of the video's best rendition as JPEG, made once and kept; authorized like the rest of the video's media (public and unlisted videos without a token). 404 where thumbnails at a chosen time are not available (no frame grabber on the server).",
  security: [],
  params: z.object({ id: z.string() }),
  querystring: z.object({
    time: queryNumber.meta({ description: "Seconds, clamped to the video (default: the poster's time)." }),
    width: queryNumber.meta({ description: "Pixels, clamped to 64..1280 and to the rendition's width (aspect kept)." }),
    token: z.string().optional().meta({ description: 'A playback token of the video (private videos).' }),
  }),
  response: {
    200: { description: 'The frame.', content: { 'image/jpeg': { schema: z.string().meta({ format: 'binary' }) } } },
    304: noContent('Not modified (If-None-Match).'),
    ...errorResponses(400, 401, 403, 404, 429),
  },
};

type ThumbnailRequest = FastifyRequest<{ Params: { id: string }; Querystring: { time?: number; width?: number; token?: string } }>;

/**
 * GET /media/<video id>/thumbnail.jpg?time=SECONDS&width=PIXELS: a frame of the video as JPEG, taken
 * from its best rendition (core/videos/video-frames.ts): time clamped to the video (default: the
 * poster's time), width clamped to 64..1280 and never above the rendition's (aspect kept). Made once
 * and kept in the media store (at most NEW_THUMBNAILS made per client and minute); authorized exactly
 * like the rest of the video's media. Where no frame grabber is configured (the AWS functions),
 * thumbnails that were never made answer 404 with a sentence saying so: the poster and the storyboard
 * are the pictures there.
 */
export function registerThumbnailRoutes(app: FastifyInstance, deps: ThumbnailDeps, auth: Authenticator): void {
  const handler = async (request: ThumbnailRequest, reply: FastifyReply) => {
    const { id } = request.params;
    if (!isValidId(id)) throw new NotFoundError('no such file');
    const video = await deps.catalog.getVideo(id);
    if (!video) throw new NotFoundError('no such file');
    const token = typeof request.query.token === 'string' ? request.query.token : null;
    if (!(await authorizeMedia(deps, auth, request, reply, video, token))) return reply;
    const query = { timeSec: request.query.time, width: request.query.width };
    const thumb = await deps.frames.thumbnail(video, query, { beforeMaking: () => enforceRateLimit(deps.rateLimiter, `thumbnails:${request.ip}`, NEW_THUMBNAILS) });
    const etag = `"${normalizeEtag(thumb.etag)}"`;
    reply.header('Content-Type', 'image/jpeg');
    reply.header('Cache-Control', cacheControlFor(thumb.key).replace('public', video.visibility === 'public' ? 'public' : 'private'));
    reply.header('ETag', etag);
    reply.header('Last-Modified', thumb.lastModified.toUTCString());
    if (request.headers['if-none-match'] === etag) {
      thumb.body.destroy();
      return reply.status(304).send();
    }
    reply.header('Content-Length', thumb.size);
    if (request.method === 'HEAD') {
      thumb.body.destroy();
      return reply.send();
    }
    return reply.send(thumb.body);
  };
  app.route({ method: ['GET', 'HEAD'], url: '/media/:id/thumbnail.jpg', schema: thumbnailSchema, handler, exposeHeadRoute: false });
}
