import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DepsOf } from '../http-deps.ts';
import type { Authenticator } from '../auth.ts';
import { canManage, isListed } from '../../core/access/video-access.ts';
import { VideoChangeFeed } from '../video-change-feed.ts';
import { publicBaseUrl } from '../request-helpers.ts';
import { mediaAccess, videoView, viewFor } from '../video-view.ts';
import { errorResponses } from '../schemas/responses.ts';

/** What these routes use. */
export type EventDeps = DepsOf<'catalog' | 'playbackTokens' | 'cdn' | 'clock', 'publicUrl' | 'playbackTokenTtlSec' | 'eventStream'>;

/** How long a browser waits before it connects again to a stream answered in 'reconnect' mode. */
const RECONNECT_MS = 5000;

const eventsSchema = {
  tags: ['videos'],
  summary: 'Video changes (server-sent events)',
  description:
    'A `text/event-stream`: `event: video` with a changed video as GET /api/v1/videos/:id shows it (the Video schema), and `event: deleted` with `{ "id" }` when a video leaves the list (deleted, or no longer visible). Only videos the caller lists are mentioned.',
  response: {
    200: { description: 'The event stream.', content: { 'text/event-stream': { schema: z.string() } } },
    ...errorResponses(401),
  },
};

/**
 * GET /api/v1/events: server-sent events `video` (a changed video, as the API shows it) and
 * `deleted` (its id), each only to subscribers whose lists show the video: `video` when they list
 * it after the change, `deleted` when they listed it before and no longer do (deleted, or made
 * private or unlisted by its owner). Nothing is said about videos a subscriber never listed.
 */
export function registerEventRoutes(app: FastifyInstance, deps: EventDeps, auth: Authenticator): void {
  const feed = new VideoChangeFeed(deps.catalog);
  // Streams never end on their own: closing the server ends them (clients reconnect elsewhere).
  const streams = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of streams) res.end(() => res.socket?.destroy());
    streams.clear();
  });
  app.addHook('onClose', async () => feed.stop());

  app.get('/api/v1/events', { schema: eventsSchema }, async (request, reply) => {
    const p = await auth.require(request);
    if (deps.config.eventStream === 'reconnect') {
      return reply
        .status(200)
        .header('Content-Type', 'text/event-stream; charset=utf-8')
        .header('Cache-Control', 'no-store')
        .send(`retry: ${RECONNECT_MS}\n\n`);
    }
    const base = publicBaseUrl(request, deps.config.publicUrl);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const unsubscribe = feed.subscribe((change) => {
      const after = change.type === 'video' ? change.video : null;
      const before = change.type === 'video' ? change.before : change.video;
      if (after && isListed(p, after)) {
        void videoView(after, base, mediaAccess(deps)).then((view) => {
          res.write(`event: video\ndata: ${JSON.stringify(viewFor(view, canManage(p, after)))}\n\n`);
        });
      } else if (before && isListed(p, before)) {
        res.write(`event: deleted\ndata: ${JSON.stringify({ id: before.id })}\n\n`);
      }
    });
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    streams.add(res);
    request.raw.on('close', () => {
      streams.delete(res);
      clearInterval(keepAlive);
      unsubscribe();
    });
  });
}
