import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Runtime } from '../../config/compose.ts';
import { NotFoundError, UnauthorizedError } from '../../core/errors.ts';
import type { Authenticator } from '../auth.ts';
import { checkSameOrigin } from '../auth.ts';
import { parseBody, publicBaseUrl } from '../request-helpers.ts';
import { videoView } from '../video-view.ts';

const patchBody = z
  .object({ title: z.string().min(1).max(200).optional(), visibility: z.enum(['private', 'unlisted', 'public']).optional() })
  .strict();

/** GET/PATCH/DELETE /api/v1/videos[/:id], POST /api/v1/videos/:id/retry. */
export function registerVideoRoutes(app: FastifyInstance, rt: Runtime, auth: Authenticator): void {
  app.get<{ Querystring: { limit?: string; cursor?: string } }>('/api/v1/videos', async (request) => {
    const p = await auth.require(request);
    const limit = request.query.limit === undefined ? undefined : Number(request.query.limit);
    const page = await rt.videos.list(p, { limit, cursor: request.query.cursor || null });
    const base = publicBaseUrl(request, rt.config.publicUrl);
    return {
      items: await Promise.all(page.items.map((v) => videoView(v, base, rt.playbackTokens))),
      nextCursor: page.nextCursor,
    };
  });

  // Signed out, a public video can be read (its watch page is shareable); anything else asks to
  // sign in, whether or not it exists, so nothing is learnt about videos one may not see.
  app.get<{ Params: { id: string } }>('/api/v1/videos/:id', async (request) => {
    const p = await auth.principal(request);
    const video = await rt.videos.get(request.params.id, p).catch((err: unknown) => {
      if (!p && err instanceof NotFoundError) throw new UnauthorizedError('sign in to watch this video');
      throw err;
    });
    return videoView(video, publicBaseUrl(request, rt.config.publicUrl), rt.playbackTokens);
  });

  app.patch<{ Params: { id: string } }>('/api/v1/videos/:id', async (request) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    const video = await rt.videos.update(request.params.id, p, parseBody(patchBody, request.body));
    return videoView(video, publicBaseUrl(request, rt.config.publicUrl), rt.playbackTokens);
  });

  app.delete<{ Params: { id: string } }>('/api/v1/videos/:id', async (request, reply) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    await rt.videos.delete(request.params.id, p);
    return reply.status(204).send();
  });

  app.post<{ Params: { id: string } }>('/api/v1/videos/:id/retry', async (request, reply) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    const video = await rt.videos.retry(request.params.id, p);
    return reply.status(202).send(await videoView(video, publicBaseUrl(request, rt.config.publicUrl), rt.playbackTokens));
  });
}
