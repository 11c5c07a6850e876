import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isValidId } from '../../core/ids.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { cacheControlFor } from '../../core/media-files.ts';
import { normalizeEtag } from '../../core/ports/object-store.ts';
import type { Authenticator } from '../auth.ts';
import type { DepsOf } from '../http-deps.ts';
import { authorizeMedia } from '../media-authorization.ts';
import { enforceRateLimit, type RateLimit } from '../rate-limit.ts';

/** What this route uses. */
export type ThumbnailDeps = DepsOf<'catalog' | 'frames' | 'playbackTokens' | 'rateLimiter'>;

/** Thumbnails not made yet that one client may have made per minute (each runs a decoder); kept ones are not counted. */
export const NEW_THUMBNAILS: RateLimit = { limit: 120, windowMs: 60_000, what: 'new thumbnails' };

type ThumbnailRequest = FastifyRequest<{ Params: { id: string }; Querystring: { time?: string; width?: string; token?: string } }>;

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
    const query = { timeSec: number(request.query.time, 'time'), width: number(request.query.width, 'width') };
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
  app.route({ method: ['GET', 'HEAD'], url: '/media/:id/thumbnail.jpg', handler, exposeHeadRoute: false });
}

/** A query number, or undefined when absent; a value that is not a number is refused. */
function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ValidationError(`${name} must be a number`);
  return n;
}
