import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DepsOf } from '../http-deps.ts';
import { NotFoundError, UnauthorizedError } from '../../core/errors.ts';
import type { Authenticator } from '../auth.ts';
import { checkSameOrigin } from '../auth.ts';
import { parseBody, publicBaseUrl } from '../request-helpers.ts';
import { videoView } from '../video-view.ts';

/** What these routes use. */
export type VideoDeps = DepsOf<'videos' | 'playbackTokens', 'publicUrl'>;

const patchBody = z
  .object({ title: z.string().min(1).max(200).optional(), visibility: z.enum(['private', 'unlisted', 'public']).optional() })
  .strict();

/** GET/PATCH/DELETE /api/v1/videos[/:id], POST /api/v1/videos/:id/retry. */
export function registerVideoRoutes(app: FastifyInstance, deps: VideoDeps, auth: Authenticator): void {
  app.get<{ Querystring: { limit?: string; cursor?: string } }>('/api/v1/videos', async (request) => {
    const p = await auth.require(request);
    const limit = request.query.limit === undefined ? undefined : Number(request.query.limit);
    const page = await deps.videos.list(p, { limit, cursor: request.query.cursor || null });
    const base = publicBaseUrl(request, deps.config.publicUrl);
    return {
      items: await Promise.all(page.items.map((v) => videoView(v, base, deps.playbackTokens))),
      nextCursor: page.nextCursor,
    };
  });

  // Signed out, a public video can be read (its watch page is shareable); anything else asks to
  // sign in, whether or not it exists, so nothing is learnt about videos one may not see.
  app.get<{ Params: { id: string } }>('/api/v1/videos/:id', async (request) => {
    const p = await auth.principal(request);
    const video = await deps.videos.get(request.params.id, p).catch((err: unknown) => {
      if (!p && err instanceof NotFoundError) throw new UnauthorizedError('sign in to watch this video');
      throw err;
    });
    return videoView(video, publicBaseUrl(request, deps.config.publicUrl), deps.playbackTokens);
  });

  app.patch<{ Params: { id: string } }>('/api/v1/videos/:id', async (request) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    const video = await deps.videos.update(request.params.id, p, parseBody(patchBody, request.body));
    return videoView(video, publicBaseUrl(request, deps.config.publicUrl), deps.playbackTokens);
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
    return reply.status(202).send(await videoView(video, publicBaseUrl(request, deps.config.publicUrl), deps.playbackTokens));
  });
}
