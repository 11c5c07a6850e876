import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DepsOf } from '../http-deps.ts';
import { NotFoundError, UnauthorizedError } from '../../core/errors.ts';
import type { Authenticator } from '../auth.ts';
import { checkSameOrigin } from '../auth.ts';
import { publicBaseUrl } from '../request-helpers.ts';
import { cdnGrant, cdnGrantCookies, grantMedia, mediaAccess, videoView, videoViewWith, viewFor } from '../video-view.ts';
import { canManage } from '../../core/access/video-access.ts';

/** What these routes use. */
export type VideoDeps = DepsOf<'videos' | 'frames' | 'playbackTokens' | 'cdn' | 'clock', 'publicUrl' | 'playbackTokenTtlSec'>;

const patchBody = z
  .object({
    title: z.string().min(1).max(200).optional(),
    visibility: z.enum(['private', 'unlisted', 'public']).optional(),
    /** Seconds: the poster becomes the frame at that time (core/videos/video-frames.ts). */
    posterTime: z.number().finite().optional(),
    /** Whether the ladder makes a downloadable MP4 (the next encode; false withdraws the current one). */
    downloads: z.boolean().optional(),
    /** The e-mails of the users the video is shared with (the whole list; [] for nobody). */
    shares: z.array(z.string().max(320)).max(100).optional(),
  })
  .strict();

/** GET/PATCH/DELETE /api/v1/videos[/:id], POST /api/v1/videos/:id/retry. */
export function registerVideoRoutes(app: FastifyInstance, deps: VideoDeps, auth: Authenticator): void {
  const access = mediaAccess(deps);
  app.get<{ Querystring: { limit?: string; cursor?: string } }>('/api/v1/videos', async (request) => {
    const p = await auth.require(request);
    const limit = request.query.limit === undefined ? undefined : Number(request.query.limit);
    const page = await deps.videos.list(p, { limit, cursor: request.query.cursor || null });
    const base = publicBaseUrl(request, deps.config.publicUrl);
    return {
      items: await Promise.all(page.items.map(async (v) => viewFor(await videoView(v, base, access), canManage(p, v)))),
      nextCursor: page.nextCursor,
    };
  });

  // Signed out, a public or unlisted video can be read (its link is shareable); a private one asks
  // to sign in, whether or not it exists, so nothing is learnt about videos one may not see. Those
  // who manage the video also get the users it is shared with (`shares`; null for others).
  // Behind a CDN, the viewer also gets the grant as cookies for the video's folder on the CDN: the
  // player's requests relative to the signed master (media playlists, segments) carry them. They
  // are set before there is anything to watch too: a player started later from a view the event
  // stream sent (whose URLs are signed, but which sets no cookie) finds them there.
  app.get<{ Params: { id: string } }>('/api/v1/videos/:id', async (request, reply) => {
    const p = await auth.principal(request);
    const video = await deps.videos.get(request.params.id, p).catch((err: unknown) => {
      if (!p && err instanceof NotFoundError) throw new UnauthorizedError('sign in to watch this video');
      throw err;
    });
    const grant = await grantMedia(video, access);
    const cookies = grant.kind === 'cdn' ? grant.grant : cdnGrant(video, access);
    if (cookies) {
      reply.header('Set-Cookie', cdnGrantCookies(cookies, deps.clock.now()));
      reply.header('Cache-Control', 'private, no-store');
    }
    const manages = canManage(p, video);
    const view = viewFor(videoViewWith(video, publicBaseUrl(request, deps.config.publicUrl), grant), manages);
    return { ...view, shares: manages ? await deps.videos.sharesOf(video) : null };
  });

  app.withTypeProvider<ZodTypeProvider>().patch('/api/v1/videos/:id', { schema: { params: z.object({ id: z.string() }), body: patchBody } }, async (request) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    const { posterTime, ...fields } = request.body;
    // The poster first: when its time is refused, nothing has changed.
    const withPoster = posterTime === undefined ? null : await deps.frames.setPosterTime(request.params.id, p, posterTime);
    const video = withPoster && Object.keys(fields).length === 0 ? withPoster : await deps.videos.update(request.params.id, p, fields);
    return { ...(await videoView(video, publicBaseUrl(request, deps.config.publicUrl), access)), shares: await deps.videos.sharesOf(video) };
  });

  app.delete<{ Params: { id: string } }>('/api/v1/videos/:id', async (request, reply) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    await deps.videos.delete(request.params.id, p);
    return reply.status(204).send();
  });

  app.post<{ Params: { id: string } }>('/api/v1/videos/:id/retry', async (request, reply) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    const video = await deps.videos.retry(request.params.id, p);
    return reply.status(202).send(await videoView(video, publicBaseUrl(request, deps.config.publicUrl), access));
  });
}
