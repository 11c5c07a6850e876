import { validateHeaderValue, type IncomingMessage, type ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { PlaybackTokens } from '../core/auth/playback-tokens.ts';
import { canView } from '../core/access/video-access.ts';
import { isValidId } from '../core/ids.ts';
import { cacheControlFor, contentTypeFor, isManifest } from '../core/media-files.ts';
import type { Metrics } from '../core/ports/metrics.ts';
import { normalizeEtag } from '../core/ports/object-store.ts';
import type { CachedMediaFile, MediaFileCache } from './media-file-cache.ts';
import type { RecentVideos } from './recent-videos.ts';
import { BASE_SECURITY_HEADERS } from './page-security.ts';

/** The route pattern the fast path answers for, as metrics and logs name it. */
const MEDIA_ROUTE = '/media/:id/*';
/** A file path within a video: the media route's rule (no empty, `.` or `..` segment is tested apart). */
const SAFE_PATH = /^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;
/** The characters of a playback token (a JWT: base64url parts joined by dots): nothing to decode. */
const TOKEN = /^[A-Za-z0-9_.-]+$/;
/** Request headers that make the answer depend on more than the URL: left to the media route. */
const CONDITIONAL = ['range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range'];
const SECURITY_HEADERS = Object.entries(BASE_SECURITY_HEADERS).flatMap(([name, value]) => [name.toLowerCase(), value]);

export interface MediaFastPathOptions {
  files: MediaFileCache;
  videos: RecentVideos;
  playbackTokens: PlaybackTokens;
  metrics: Metrics;
  /** VODKIT_CORS_ORIGINS: a request with an Origin is left to the route when it is set. */
  corsOrigins: string[];
  genReqId: () => string;
  log: FastifyBaseLogger;
}

/**
 * The most frequent request vodkit answers, a player's GET of a segment, answered before Fastify
 * when everything it needs is already in memory and was checked within the media route's bound:
 * the video's record (RecentVideos), the playback token (verified before by PlaybackTokens, still
 * valid for this video) or an open video, and the file's bytes (MediaFileCache). The answer is the
 * one the media route gives for it, header for header (tested side by side), with the same request
 * id, metrics and request log lines. Every other request (HEAD, ranges, validators, playlists,
 * keys, downloads, an Origin when CORS is configured, a URL that needs decoding, a token not yet
 * verified, anything not cached or due for a check) goes to Fastify unchanged, where the route
 * answers it, refusals included, and refreshes what this path reads.
 */
export class MediaFastPath {
  /** The response headers of a cached file, private and public, made once per cached entry. */
  private readonly headers = new WeakMap<CachedMediaFile, { private?: string[] | null; public?: string[] | null }>();
  private readonly logRequests: boolean;

  constructor(private readonly options: MediaFastPathOptions) {
    // Fastify logs every request at level info: so does this path, with the same messages.
    this.logRequests = ['trace', 'debug', 'info'].includes(options.log.level);
  }

  /** Answers `req` and returns true, or returns false having touched neither `req` nor `res`. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url;
    if (req.method !== 'GET' || url === undefined || !url.startsWith('/media/')) return false;
    const h = req.headers;
    if (h['content-length'] !== undefined || h['transfer-encoding'] !== undefined) return false;
    for (const name of CONDITIONAL) if (h[name] !== undefined) return false;
    if (h.origin !== undefined && this.options.corsOrigins.length > 0) return false;

    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    let token: string | null = null;
    if (q >= 0 && q < url.length - 1) {
      if (!url.startsWith('token=', q + 1)) return false;
      token = url.slice(q + 7);
      if (!TOKEN.test(token)) return false;
    }
    const slash = pathname.indexOf('/', 7);
    if (slash < 0) return false;
    const id = pathname.slice(7, slash);
    const path = pathname.slice(slash + 1);
    if (!isValidId(id) || !SAFE_PATH.test(path) || path.split('/').some((s) => s === '..' || s === '.')) return false;
    if (path.startsWith('keys/') || isManifest(path)) return false;
    const cacheControl = cacheControlFor(path);
    if (!cacheControl.includes('immutable')) return false;

    const video = this.options.videos.peek(id);
    if (!video) return false;
    const key = `${id}/${path}`;
    if (video.downloadKey === key) return false;
    if (!canView(null, video) && (token === null || this.options.playbackTokens.remembered(token, id) === null)) return false;
    const file = this.options.files.peek(key);
    if (!file) return false;

    const reqId = this.options.genReqId();
    const started = performance.now();
    const visibility = video.visibility === 'public' ? 'public' : 'private';
    const headers = this.headersOf(file, path, cacheControl, visibility);
    // A header value Node would refuse (a store's odd ETag): the route answers, as it does any error.
    if (headers === null) return false;
    res.writeHead(200, ['x-request-id', reqId, ...headers]);
    if (this.logRequests) this.options.log.info({ reqId, req: { method: req.method, url, ip: req.socket.remoteAddress } }, 'incoming request');
    res.once('finish', () => {
      const ms = performance.now() - started;
      this.options.metrics.httpRequest('GET', MEDIA_ROUTE, 200, ms / 1000);
      this.options.metrics.mediaSent(pathname, file.bytes.length);
      if (this.logRequests) this.options.log.info({ reqId, res: { statusCode: 200 }, responseTime: ms }, 'request completed');
    });
    res.end(file.bytes);
    return true;
  }

  /**
   * What the media route sets for a whole cached file, in its order, then the security headers;
   * null when Node would refuse one of them.
   */
  private headersOf(file: CachedMediaFile, path: string, cacheControl: string, visibility: 'public' | 'private'): string[] | null {
    let made = this.headers.get(file);
    if (!made) this.headers.set(file, (made = {}));
    const known = made[visibility];
    if (known !== undefined) return known;
    const headers = [
      'content-type',
      contentTypeFor(path),
      'cache-control',
      cacheControl.replace('public', visibility),
      'accept-ranges',
      'bytes',
      'etag',
      `"${normalizeEtag(file.info.etag)}"`,
      ...(file.info.lastModified ? ['last-modified', file.info.lastModified.toUTCString()] : []),
      'content-length',
      String(file.bytes.length),
      ...SECURITY_HEADERS,
    ];
    try {
      for (let i = 0; i < headers.length; i += 2) validateHeaderValue(headers[i], headers[i + 1]);
    } catch {
      return (made[visibility] = null);
    }
    return (made[visibility] = headers);
  }
}
