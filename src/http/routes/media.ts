import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { DepsOf } from '../http-deps.ts';
import type { Video } from '../../core/model/video.ts';
import { normalizeEtag, type ObjectInfo } from '../../core/ports/object-store.ts';
import type { Authenticator } from '../auth.ts';
import { authorizeMedia } from '../media-authorization.ts';
import { isValidId } from '../../core/ids.ts';
import { cacheControlFor, contentTypeFor, isManifest } from '../../core/media-files.ts';
import { NotFoundError, VodkitError } from '../../core/errors.ts';
import { addTokenToPlaylist } from '../playlist-rewrite.ts';
import { addTokenToMpd } from '../mpd-rewrite.ts';
import { attachmentDisposition } from '../content-disposition.ts';
import { evaluateConditionalGet, type Representation } from '../conditional-get.ts';
import { MediaFileCache } from '../media-file-cache.ts';
import { MediaFastPath, type MediaFastPathOptions } from '../media-fast-path.ts';
import { RecentVideos } from '../recent-videos.ts';
import { errorResponses, noContent } from '../schemas/responses.ts';

/** What these routes use. */
export type MediaDeps = DepsOf<'catalog' | 'media' | 'playbackTokens' | 'hlsKeys' | 'metrics' | 'clock', 'mediaDelivery' | 'mediaCacheMiB' | 'mediaAccelPrefix' | 'corsOrigins'>;

/** Files above this size are streamed from the store, never held in the media file cache. */
const CACHED_FILE_MAX_BYTES = 16 * 1024 * 1024;
/** How long a cached file and a looked-up video are used before the store or catalog is asked again. */
export const MEDIA_REVALIDATE_MS = 1000;

const file = z.string().meta({ format: 'binary' });
const mediaSchema = {
  tags: ['media'],
  summary: 'A media file of a video',
  description:
    "The files the video view's URLs point at: HLS playlists (`master.m3u8`, rewritten so the token reaches every request), DASH manifest, fMP4 segments, poster, storyboard, captions, the downloadable MP4 (as an attachment), and `keys/<kid>.key` for encrypted videos. Public and unlisted videos need no token; private ones a playback token (`token`) of the video, or a signed-in user who may watch it. Conditional and range requests are answered as a static file server does.",
  security: [],
  params: z.object({ id: z.string(), '*': z.string().meta({ description: 'The file within the video, e.g. master.m3u8 or 720p/seg_00001.m4s.' }) }),
  querystring: z.object({ token: z.string().optional().meta({ description: 'A playback token of the video (private videos).' }) }),
  response: {
    200: {
      description: 'The file (with `VODKIT_MEDIA_DELIVERY=x-accel-redirect`: no body, an `X-Accel-Redirect` header naming the file for nginx to send).',
      content: {
        'application/vnd.apple.mpegurl': { schema: z.string() },
        'application/dash+xml': { schema: z.string() },
        'video/mp4': { schema: file },
        'image/jpeg': { schema: file },
        'text/vtt': { schema: z.string() },
        'application/octet-stream': { schema: file },
      },
    },
    206: { description: 'Part of the file (Range).', content: { 'video/mp4': { schema: file } } },
    302: noContent('Where the store serves the file (a short presigned URL), when media are delivered by redirect.'),
    304: noContent('Not modified (If-None-Match, If-Modified-Since).'),
    ...errorResponses(401, 403, 404, 412, 416),
  },
};

const SAFE_PATH = /^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/**
 * GET and HEAD /media/<video id>/<path>: HLS playlists, segments, poster and thumbnail, with
 * validators (ETag, Last-Modified), conditional and range requests as a static file server answers
 * them (conditional-get.ts), from the local disk or S3 alike. Public and unlisted videos play without a token; private ones need the playback token (query `token`) of THAT video,
 * or a signed-in user allowed to see it (its owner, an admin, a user it is shared with). Playlists are rewritten so the token reaches every request.
 * GET /media/<video id>/keys/<kid>.key: the AES-128 key of an encrypted video, after the same check.
 * Returns the fast path (media-fast-path.ts) for whole-file GETs these routes would answer from
 * the media file cache, or null when they never do (cache off, delivery by redirect or nginx).
 */
export function registerMediaRoutes(
  app: FastifyInstance,
  deps: MediaDeps,
  auth: Authenticator,
  fastPath: Pick<MediaFastPathOptions, 'genReqId' | 'log'>,
): MediaFastPath | null {
  // A video is looked up at most once a second per process: a change of visibility or sharing, or
  // a deletion, reaches media requests within MEDIA_REVALIDATE_MS (tokens are checked every time).
  const now = () => deps.clock.now().getTime();
  const videos = new RecentVideos(deps.catalog, MEDIA_REVALIDATE_MS, now);
  const files = new MediaFileCache({ maxBytes: deps.config.mediaCacheMiB * 1024 * 1024, maxFileBytes: CACHED_FILE_MAX_BYTES, revalidateMs: MEDIA_REVALIDATE_MS, now });
  const accelPrefix = deps.config.mediaAccelPrefix.replace(/\/+$/, '');
  const lookup = (id: string): Promise<Video | null> => videos.get(id);

  const handler = async (request: FastifyRequest<{ Params: { id: string; '*': string }; Querystring: { token?: string } }>, reply: FastifyReply) => {
    const { id } = request.params;
    const path = request.params['*'];
    if (!isValidId(id) || !SAFE_PATH.test(path) || path.split('/').some((s) => s === '..' || s === '.')) {
      throw new NotFoundError('no such file');
    }
    const video = await lookup(id);
    if (!video) throw new NotFoundError('no such file');
    const token = typeof request.query.token === 'string' ? request.query.token : null;
    if (!(await authorizeMedia(deps, auth, request, reply, video, token))) return reply;
    if (path.startsWith('keys/')) {
      // HLS AES-128 content key: derived on request, never read from (nor stored in) the media store.
      if (!video.encrypted || path !== `keys/${deps.hlsKeys.fileName()}`) throw new NotFoundError('no such file');
      const contentKey = deps.hlsKeys.keyFor(id);
      reply.header('Content-Type', 'application/octet-stream');
      reply.header('Cache-Control', 'private, no-store');
      reply.header('Accept-Ranges', 'none');
      reply.header('Content-Length', contentKey.length);
      return reply.send(request.method === 'HEAD' ? undefined : contentKey);
    }
    const key = `${id}/${path}`;
    const isPlaylist = isManifest(path);
    // The downloadable MP4 is sent as an attachment named after the video (so never redirected: the
    // bucket's answer would not carry the name).
    const isDownload = video.downloadKey === `${id}/${path}`;
    const { signedDownloads } = deps.media.capabilities;
    if (!isPlaylist && !isDownload && deps.config.mediaDelivery === 'redirect' && signedDownloads) {
      // Segments and images straight from the bucket: a short presigned GET, after the same check.
      const location = await signedDownloads.signDownload(key, { expiresInSec: 300 });
      return reply.status(302).header('Location', location).header('Cache-Control', 'private, no-store').send();
    }
    const visibilityCache = video.visibility === 'public' ? 'public' : 'private';
    reply.header('Content-Type', contentTypeFor(path));
    reply.header('Cache-Control', cacheControlFor(path).replace('public', visibilityCache));
    reply.header('Accept-Ranges', 'bytes');
    if (isDownload) reply.header('Content-Disposition', attachmentDisposition(video.title, 'mp4'));
    if (!isPlaylist && deps.config.mediaDelivery === 'x-accel-redirect') {
      // nginx in front sends the file from its internal location (ranges and validators included).
      return reply.header('X-Accel-Redirect', `${accelPrefix}/${key}`).send();
    }
    if (isPlaylist) {
      const { body, info } = await deps.media.get(key).catch(notFound);
      const text = await readText(body);
      const rewritten = token !== null && video.visibility !== 'public';
      const out = Buffer.from(rewritten ? (path.endsWith('.mpd') ? addTokenToMpd(text, token) : addTokenToPlaylist(text, token)) : text, 'utf8');
      // A playlist rewritten for a token is its own representation: its tag is that of the bytes
      // sent (the same URL, with the same token, gets the same tag), and it has no date of its own.
      const rep: Representation = rewritten
        ? { size: out.length, etag: `"${createHash('sha256').update(out).digest('base64url').slice(0, 32)}"` }
        : { size: out.length, etag: quotedEtag(info.etag), lastModified: info.lastModified };
      return sendRepresentation(request, reply, rep, (range) => (range ? out.subarray(range.start, range.end + 1) : out));
    }
    const conditional = hasConditionalHeaders(request.headers);
    // Only files that never change once written (segments, images) are held in memory.
    if (files.enabled && !isDownload && cacheControlFor(path).includes('immutable')) {
      const file = await files.read(key, deps.media).catch(notFound);
      if ('bytes' in file) {
        return sendRepresentation(request, reply, representationOf(file.info), (range) => (range ? file.bytes.subarray(range.start, range.end + 1) : file.bytes));
      }
      if (!conditional && request.method === 'GET') return sendRepresentation(request, reply, representationOf(file.info), () => file.body);
      file.body.destroy();
    } else if (!conditional && request.method === 'GET') {
      // The common case in one call to the store: no validator to compare, no range to check.
      const { body, info } = await deps.media.get(key).catch(notFound);
      return sendRepresentation(request, reply, representationOf(info), () => body);
    }
    const info = await deps.media.head(key);
    if (!info) throw new NotFoundError('no such file');
    return sendRepresentation(request, reply, representationOf(info), async (range) => {
      const result = await deps.media.get(key, range ?? undefined).catch(notFound);
      return result.body;
    });
  };

  app.route({ method: ['GET', 'HEAD'], url: '/media/:id/*', schema: mediaSchema, handler, exposeHeadRoute: false });
  // Segments and images come from the file cache only when vodkit sends them itself.
  const sendsFiles = deps.config.mediaDelivery === 'proxy' || (deps.config.mediaDelivery === 'redirect' && !deps.media.capabilities.signedDownloads);
  if (!files.enabled || !sendsFiles) return null;
  return new MediaFastPath({ files, videos, playbackTokens: deps.playbackTokens, metrics: deps.metrics, corsOrigins: deps.config.corsOrigins, ...fastPath });
}

function representationOf(info: ObjectInfo): Representation {
  return { size: info.size, etag: quotedEtag(info.etag), lastModified: info.lastModified };
}

function quotedEtag(etag: string): string {
  return `"${normalizeEtag(etag)}"`;
}

function hasConditionalHeaders(headers: FastifyRequest['headers']): boolean {
  return ['range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range'].some((h) => headers[h] !== undefined);
}

/**
 * Answers GET or HEAD for `rep` as a static file server would (conditional-get.ts): 200, 206,
 * 304, 412 or 416, with ETag, Last-Modified and Content-Length; `body` is asked for only when
 * bytes are sent (the range to send, or null for all of it).
 */
async function sendRepresentation(
  request: FastifyRequest,
  reply: FastifyReply,
  rep: Representation,
  body: (range: { start: number; end: number } | null) => Buffer | NodeJS.ReadableStream | Promise<Buffer | NodeJS.ReadableStream>,
): Promise<FastifyReply> {
  reply.header('ETag', rep.etag);
  if (rep.lastModified) reply.header('Last-Modified', rep.lastModified.toUTCString());
  const outcome = evaluateConditionalGet(request.method, request.headers, rep);
  switch (outcome.status) {
    case 304:
      reply.removeHeader('Content-Type');
      return reply.status(304).send();
    case 412:
      return reply.status(412).type('application/json; charset=utf-8').send({ error: { code: 'PreconditionFailed', message: 'the file is not the version the request names' } });
    case 416:
      return reply
        .status(416)
        .type('application/json; charset=utf-8')
        .header('Content-Range', `bytes */${rep.size}`)
        .send({ error: { code: 'RangeNotSatisfiable', message: `the range is outside the file (${rep.size} bytes)` } });
    case 206:
      reply.status(206).header('Content-Range', `bytes ${outcome.range.start}-${outcome.range.end}/${rep.size}`);
      reply.header('Content-Length', outcome.range.end - outcome.range.start + 1);
      break;
    default:
      reply.header('Content-Length', rep.size);
  }
  if (request.method === 'HEAD') return reply.send();
  return reply.send(await body(outcome.status === 206 ? outcome.range : null));
}

function notFound(err: unknown): never {
  if (err instanceof VodkitError && err.code !== 'NotFound') throw err;
  throw new NotFoundError('no such file');
}

async function readText(body: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
