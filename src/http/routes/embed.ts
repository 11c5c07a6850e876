import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { canView } from '../../core/access/video-access.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { Video } from '../../core/model/video.ts';
import { isValidId } from '../../core/ids.ts';
import type { Authenticator } from '../auth.ts';
import type { DepsOf } from '../http-deps.ts';
import { allowFraming } from '../page-security.ts';
import { publicBaseUrl } from '../request-helpers.ts';
import { grantMedia, mediaAccess, videoViewWith, type MediaGrant } from '../video-view.ts';
import { errorResponses, json } from '../schemas/responses.ts';
import { errorSchema } from '../schemas/error-schema.ts';
import { videoViewSchema } from '../schemas/video-view-schema.ts';

/** What these routes use. */
export type EmbedDeps = DepsOf<'catalog' | 'playbackTokens' | 'cdn' | 'clock', 'publicUrl' | 'playbackTokenTtlSec' | 'embedOrigins'>;

const idParams = z.object({ id: z.string() });
const tokenQuery = z.object({ token: z.string().optional().meta({ description: 'A playback token of the video (private videos).' }) });

/** What the embedded player needs: the video view without its owner's details. */
const embedView = videoViewSchema
  .pick({
    id: true,
    title: true,
    status: true,
    playable: true,
    durationSec: true,
    width: true,
    height: true,
    visibility: true,
    renditions: true,
    playback: true,
    poster: true,
    captions: true,
    storyboard: true,
  })
  .meta({ id: 'EmbedVideo' });

const embedSchema = {
  tags: ['embed'],
  summary: "The embedded player's data",
  description: 'For a public or unlisted video, with a playback token of the video, or for a signed-in viewer who may see it; 404 otherwise.',
  security: [],
  params: idParams,
  querystring: tokenQuery,
  response: { 200: embedView, ...errorResponses(404) },
};

const oembedSchema = {
  tags: ['embed'],
  summary: 'oEmbed',
  description: 'oEmbed (https://oembed.com) for the watch or embed URL of a public video; 404 for any other.',
  security: [],
  querystring: z.object({
    url: z.string().optional().meta({ description: 'A watch (/watch/<id>) or embed (/embed/<id>) URL of this installation.' }),
    format: z.string().optional().meta({ description: 'Only json is offered (501 otherwise).' }),
    maxwidth: z.string().optional(),
    maxheight: z.string().optional(),
  }),
  response: {
    200: z.object({
      version: z.literal('1.0'),
      type: z.literal('video'),
      provider_name: z.string(),
      provider_url: z.string(),
      title: z.string(),
      width: z.number(),
      height: z.number(),
      html: z.string().meta({ description: 'An iframe of the embeddable player.' }),
      thumbnail_url: z.string().optional(),
      thumbnail_width: z.number().optional(),
      thumbnail_height: z.number().optional(),
    }),
    ...errorResponses(404),
    501: json('A format other than json was asked for (code NotImplemented).', errorSchema),
  },
};

const embedPageSchema = {
  hide: true,
  description: "The web app's page in its embed mode (HTML), framable by other sites for videos that may be embedded.",
  params: idParams,
  querystring: tokenQuery,
};

/** The size of the player oEmbed offers when the consumer sets no bounds. */
const DEFAULT_WIDTH = 640;

/**
 * Why a viewer may play this video in the embedded player: it is public or unlisted, the URL
 * carries a valid playback token of THIS video, or the signed-in viewer may see it. Null: they may not.
 */
async function embedGrant(deps: EmbedDeps, auth: Authenticator, request: FastifyRequest, video: Video, token: string | null): Promise<MediaGrant | null> {
  const access = mediaAccess(deps);
  if (video.visibility === 'public') return grantMedia(video, access);
  if (token) {
    const claims = await deps.playbackTokens.verify(token, video.id);
    if (claims) return access.cdn ? grantMedia(video, access) : { kind: 'token', token, expiresAt: claims.expiresAt };
  }
  const principal = await auth.principal(request).catch(() => null);
  return canView(principal, video) ? grantMedia(video, access) : null;
}

/**
 * The embeddable player's data and oEmbed:
 * - GET /api/v1/embed/:id?token= — what the player needs (title, poster, playback, captions,
 *   storyboard, renditions; none of the owner's details), for a public or unlisted video, with a
 *   playback token of the video, or for a signed-in viewer who may see it; 404 otherwise.
 * - GET /oembed?url=<watch or embed URL>&format=json — oEmbed for public videos (404 for others).
 */
export function registerEmbedRoutes(app: FastifyInstance, deps: EmbedDeps, auth: Authenticator): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get('/api/v1/embed/:id', { schema: embedSchema }, async (request, reply) => {
    const { id } = request.params;
    const video = isValidId(id) ? await deps.catalog.getVideo(id) : null;
    const token = typeof request.query.token === 'string' ? request.query.token : null;
    const grant = video ? await embedGrant(deps, auth, request, video, token) : null;
    if (!video || !grant) throw new NotFoundError('no such video');
    reply.header('Cache-Control', 'private, no-store');
    const view = videoViewWith(video, publicBaseUrl(request, deps.config.publicUrl), grant);
    return {
      id: view.id,
      title: view.title,
      status: view.status,
      playable: view.playable,
      durationSec: view.durationSec,
      width: view.width,
      height: view.height,
      visibility: view.visibility,
      renditions: view.renditions,
      playback: view.playback,
      poster: view.poster,
      captions: view.captions,
      storyboard: view.storyboard,
    };
  });

  api.get('/oembed', { schema: oembedSchema }, async (request, reply) => {
    const { url, format } = request.query;
    if (format !== undefined && format !== 'json') {
      return reply.status(501).send({ error: { code: 'NotImplemented', message: 'only format=json is offered' } });
    }
    const base = publicBaseUrl(request, deps.config.publicUrl);
    const id = typeof url === 'string' ? videoIdOf(url, base) : null;
    const video = id ? await deps.catalog.getVideo(id) : null;
    // Only public videos are described: oEmbed consumers discover players, and unlisted ones are
    // not to be discovered (their link still embeds, see /embed/:id).
    if (!video || video.visibility !== 'public' || !video.playable) throw new NotFoundError('no public video at that URL');
    const [width, height] = fit(video, Number(request.query.maxwidth) || 0, Number(request.query.maxheight) || 0);
    const title = video.title.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
    const embedUrl = `${base}/embed/${encodeURIComponent(video.id)}`;
    const view = videoViewWith(video, base, await grantMedia(video, mediaAccess(deps)));
    return {
      version: '1.0' as const,
      type: 'video' as const,
      provider_name: 'vodkit',
      provider_url: `${base}/`,
      title: video.title,
      width,
      height,
      html: `<iframe src="${embedUrl}" width="${width}" height="${height}" title="${title}" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen style="border:0"></iframe>`,
      ...(view.thumbnail ? { thumbnail_url: view.thumbnail, thumbnail_width: 320, thumbnail_height: Math.round((320 * height) / width) } : {}),
    };
  });
}

/**
 * GET /embed/:id — the web app's page in its embed mode, which other sites may frame: anyone
 * (or VODKIT_EMBED_ORIGINS) for a public or unlisted video (whoever has an unlisted video's link
 * may embed it, as on YouTube), and for a private one only with a valid playback token of that
 * video in the URL; nobody otherwise (the page then says the video cannot be shown). The answer
 * never tells whether a video exists.
 */
export function registerEmbedPageRoute(app: FastifyInstance, deps: EmbedDeps, webRoot: string): void {
  const index = join(resolve(webRoot), 'index.html');
  app.withTypeProvider<ZodTypeProvider>().get('/embed/:id', { schema: embedPageSchema }, async (request, reply: FastifyReply) => {
    const { id } = request.params;
    const video = isValidId(id) ? await deps.catalog.getVideo(id) : null;
    const token = typeof request.query.token === 'string' ? request.query.token : null;
    let framable = video ? canView(null, video) : false;
    if (video && !framable && token) framable = (await deps.playbackTokens.verify(token, video.id)) !== null;
    // Otherwise the page is like any other: frame-ancestors 'none' and X-Frame-Options: DENY.
    if (framable) allowFraming(reply, deps.config.embedOrigins ?? ['*']);
    const html = await readFile(index).catch(() => null);
    reply.header('Cache-Control', 'private, no-cache');
    if (!html) return reply.type('text/html; charset=utf-8').send('<!doctype html><title>vodkit</title><p>The web app is not built: run <code>npm run build:web</code>.</p>');
    return reply.type('text/html; charset=utf-8').send(html);
  });
}

/** The id of the video a watch or embed URL of this installation names, or null. */
function videoIdOf(url: string, base: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url, `${base}/`);
  } catch {
    return null;
  }
  if (parsed.origin !== new URL(base).origin) return null;
  const match = /^\/(?:watch|embed)\/([A-Za-z0-9_-]+)\/?$/.exec(parsed.pathname);
  return match && isValidId(match[1]) ? match[1] : null;
}

/** The player's size: the picture's aspect ratio, at most 640 wide and within the consumer's bounds. */
function fit(video: Video, maxWidth: number, maxHeight: number): [number, number] {
  const ratio = video.width && video.height ? video.height / video.width : 9 / 16;
  let width = Math.min(DEFAULT_WIDTH, maxWidth > 0 ? maxWidth : DEFAULT_WIDTH);
  let height = Math.round(width * ratio);
  if (maxHeight > 0 && height > maxHeight) {
    height = maxHeight;
    width = Math.round(height / ratio);
  }
  return [width, height];
}
