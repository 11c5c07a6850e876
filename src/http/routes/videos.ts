import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DepsOf } from '../http-deps.ts';
import { NotFoundError, UnauthorizedError } from '../../core/errors.ts';
import { applyBulk } from '../../core/videos/bulk-actions.ts';
import type { Authenticator } from '../auth.ts';
import { checkSameOrigin } from '../auth.ts';
import { publicBaseUrl } from '../request-helpers.ts';
import { cdnGrant, cdnGrantCookies, grantMedia, mediaAccess, videoView, videoViewWith, viewFor } from '../video-view.ts';
import { canManage } from '../../core/access/video-access.ts';
import { bulkDeleteSchema, bulkUpdateSchema, deleteSchema, getSchema, listSchema, patchSchema, retrySchema } from './video-schemas.ts';

/** What these routes use. */
export type VideoDeps = DepsOf<'videos' | 'frames' | 'playbackTokens' | 'cdn' | 'clock', 'publicUrl' | 'playbackTokenTtlSec'>;

/**
 * GET /api/v1/videos (search, filters, orders), GET/PATCH/DELETE /api/v1/videos/:id,
 * POST /api/v1/videos/:id/retry, POST /api/v1/videos/bulk-delete and bulk-update.
 */
export function registerVideoRoutes(app: FastifyInstance, deps: VideoDeps, auth: Authenticator): void {
  const access = mediaAccess(deps);
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/api/v1/videos', { schema: listSchema }, async (request) => {
    const p = await auth.require(request);
    const { q, cursor, ...query } = request.query;
    const page = await deps.videos.list(p, { ...query, search: q, cursor: cursor || null });
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
  api.get('/api/v1/videos/:id', { schema: getSchema }, async (request, reply) => {
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

  api.patch('/api/v1/videos/:id', { schema: patchSchema }, async (request) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    const { posterTime, ...fields } = request.body;
    // The poster first: when its time is refused, nothing has changed.
    const withPoster = posterTime === undefined ? null : await deps.frames.setPosterTime(request.params.id, p, posterTime);
    const video = withPoster && Object.keys(fields).length === 0 ? withPoster : await deps.videos.update(request.params.id, p, fields);
    return { ...(await videoView(video, publicBaseUrl(request, deps.config.publicUrl), access)), shares: await deps.videos.sharesOf(video) };
  });

  api.delete('/api/v1/videos/:id', { schema: deleteSchema }, async (request, reply) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    await deps.videos.delete(request.params.id, p);
    return reply.status(204).send(null);
  });

  api.post('/api/v1/videos/:id/retry', { schema: retrySchema }, async (request, reply) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    const video = await deps.videos.retry(request.params.id, p);
    return reply.status(202).send(await videoView(video, publicBaseUrl(request, deps.config.publicUrl), access));
  });

  api.post('/api/v1/videos/bulk-delete', { schema: bulkDeleteSchema }, async (request) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    return { results: await applyBulk(deps.videos, p, request.body.ids, { kind: 'delete' }) };
  });

  api.post('/api/v1/videos/bulk-update', { schema: bulkUpdateSchema }, async (request) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    return { results: await applyBulk(deps.videos, p, request.body.ids, { kind: 'visibility', visibility: request.body.visibility }) };
  });
}
