import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../../config/compose.ts';
import type { Video } from '../../core/model/video.ts';
import type { Authenticator } from '../auth.ts';
import { canView } from '../../core/access/video-access.ts';
import { isValidId } from '../../core/ids.ts';
import { cacheControlFor, contentTypeFor } from '../../core/pipeline/publish-outputs.ts';
import { NotFoundError, ValidationError, VodkitError } from '../../core/errors.ts';
import { addTokenToPlaylist } from '../playlist-rewrite.ts';

const SAFE_PATH = /^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/**
 * GET /media/<video id>/<path>: HLS playlists, segments, poster and thumbnail, with byte ranges.
 * Public videos play without a token; others need the playback token (query `token`) of THAT video,
 * or a signed-in user allowed to see it. Playlists are rewritten so the token reaches every request.
 * GET /media/<video id>/keys/<kid>.key: the AES-128 key of an encrypted video, after the same check.
 */
export function registerMediaRoutes(app: FastifyInstance, rt: Runtime, auth: Authenticator): void {
  const cache = new Map<string, { video: Video | null; at: number }>();
  const lookup = async (id: string): Promise<Video | null> => {
    const hit = cache.get(id);
    if (hit && Date.now() - hit.at < 1000) return hit.video;
    const video = await rt.catalog.getVideo(id);
    if (cache.size > 10_000) cache.clear();
    cache.set(id, { video, at: Date.now() });
    return video;
  };

  const handler = async (request: FastifyRequest<{ Params: { id: string; '*': string }; Querystring: { token?: string } }>, reply: FastifyReply) => {
    const { id } = request.params;
    const path = request.params['*'];
    if (!isValidId(id) || !SAFE_PATH.test(path) || path.split('/').some((s) => s === '..' || s === '.')) {
      throw new NotFoundError('no such file');
    }
    const video = await lookup(id);
    if (!video) throw new NotFoundError('no such file');
    const token = typeof request.query.token === 'string' ? request.query.token : null;
    let authorized = video.visibility === 'public';
    if (!authorized && token) authorized = (await rt.playbackTokens.verify(token, id)) !== null;
    let signedIn = false;
    if (!authorized) {
      const principal = await auth.principal(request).catch(() => null);
      signedIn = principal !== null;
      authorized = principal !== null && canView(principal, video);
    }
    if (!authorized) {
      // 403 when a token was offered but is not valid for this video, or the signed-in user may not
      // watch it; 401 when there are no credentials at all.
      if (token) return reply.status(403).send({ error: { code: 'Forbidden', message: 'playback token not valid for this video' } });
      if (signedIn) return reply.status(403).send({ error: { code: 'Forbidden', message: 'you may not watch this video' } });
      return reply.status(401).send({ error: { code: 'Unauthorized', message: 'a playback token is required' } });
    }
    if (path.startsWith('keys/')) {
      // HLS AES-128 content key: derived on request, never read from (nor stored in) the media store.
      if (!video.encrypted || path !== `keys/${rt.hlsKeys.fileName()}`) throw new NotFoundError('no such file');
      const contentKey = rt.hlsKeys.keyFor(id);
      reply.header('Content-Type', 'application/octet-stream');
      reply.header('Cache-Control', 'private, no-store');
      reply.header('Accept-Ranges', 'none');
      reply.header('Content-Length', contentKey.length);
      return reply.send(request.method === 'HEAD' ? undefined : contentKey);
    }
    const key = `${id}/${path}`;
    const isPlaylist = path.endsWith('.m3u8');
    if (!isPlaylist && rt.config.mediaDelivery === 'redirect' && rt.media.signDownload) {
      // Segments and images straight from the bucket: a short presigned GET, after the same check.
      const location = await rt.media.signDownload(key, { expiresInSec: 300 });
      if (location) return reply.status(302).header('Location', location).header('Cache-Control', 'private, no-store').send();
    }
    const visibilityCache = video.visibility === 'public' ? 'public' : 'private';
    reply.header('Content-Type', contentTypeFor(path));
    reply.header('Cache-Control', cacheControlFor(path).replace('public', visibilityCache));
    reply.header('Accept-Ranges', isPlaylist ? 'none' : 'bytes');
    if (isPlaylist) {
      const { body } = await rt.media.get(key).catch(notFound);
      const text = await readText(body);
      const out = token && video.visibility !== 'public' ? addTokenToPlaylist(text, token) : text;
      reply.header('Content-Length', Buffer.byteLength(out));
      return reply.send(request.method === 'HEAD' ? undefined : out);
    }
    const range = parseRange(request.headers.range);
    if (range === 'invalid') {
      const info = await rt.media.head(key);
      if (!info) throw new NotFoundError('no such file');
      return reply.status(416).type('application/json; charset=utf-8').header('Content-Range', `bytes */${info.size}`).send({ error: { code: 'RangeNotSatisfiable', message: 'invalid range' } });
    }
    if (request.method === 'HEAD') {
      const info = await rt.media.head(key);
      if (!info) throw new NotFoundError('no such file');
      reply.header('Content-Length', info.size).header('ETag', `"${info.etag.replace(/"/g, '')}"`);
      return reply.send();
    }
    let result;
    try {
      result = await rt.media.get(key, range ?? undefined);
    } catch (err) {
      if (err instanceof ValidationError && range) {
        const info = await rt.media.head(key);
        return reply.status(416).type('application/json; charset=utf-8').header('Content-Range', `bytes */${info?.size ?? 0}`).send({ error: { code: 'RangeNotSatisfiable', message: 'range outside the file' } });
      }
      return notFound(err);
    }
    reply.header('ETag', `"${result.info.etag.replace(/"/g, '')}"`);
    if (result.range) {
      reply.status(206);
      reply.header('Content-Range', `bytes ${result.range.start}-${result.range.end}/${result.info.size}`);
      reply.header('Content-Length', result.range.end - result.range.start + 1);
    } else {
      reply.header('Content-Length', result.info.size);
    }
    return reply.send(result.body);
  };

  app.get('/media/:id/*', handler);
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

/** `bytes=a-b`, `bytes=a-`; suffix ranges (`bytes=-n`) and multiple ranges are not supported → full body. */
export function parseRange(header: string | undefined): { start: number; end?: number } | null | 'invalid' {
  if (!header) return null;
  const m = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!m) return /^bytes=/.test(header) && !header.includes(',') && !/^bytes=-/.test(header) ? 'invalid' : null;
  const start = Number(m[1]);
  const end = m[2] === '' ? undefined : Number(m[2]);
  if (end !== undefined && end < start) return 'invalid';
  return { start, end };
}
