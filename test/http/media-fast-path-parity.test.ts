import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { openRuntime, type Runtime } from '../../src/config/compose.ts';
import { buildHttpApp } from '../../src/http/app.ts';
import { ManualClock } from '../../src/core/ports/clock.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import type { TestServer } from '../support/server.ts';
import { createFakeVideo, FAKE_INIT, FAKE_PATHS, FAKE_POSTER } from '../security/support/fake-video.ts';
import { MEDIA_REVALIDATE_MS } from '../../src/http/routes/media.ts';
import { forgeSignature } from '../support/forge.ts';

/**
 * Segment GETs answered before Fastify (src/http/media-fast-path.ts) against the media route's own
 * answers for the same files on the same server: the same status, headers and bytes; and every
 * request the fast path must not answer (ranges, HEAD, validators, no token, a token of another
 * video, a forged or expired token, a video made private or deleted since it was cached) is
 * answered by the route. Which of the two answered is seen by an onRequest hook of the app: the
 * fast path never reaches Fastify.
 */
const SEGMENT = randomBytes(300_000);
const SEGMENT_PATH = '720p/seg_00002.m4s';

describe('media fast path', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let rt: Runtime;
  let app: FastifyInstance;
  let base: string;
  const clock = new ManualClock(new Date());
  /** URLs Fastify has seen, in order. */
  const routed: string[] = [];
  let privateId: string;
  let publicId: string;
  let token: string;

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-fast-path-');
    const config = loadConfig({}, { dataDir: temp.dir, port: 0, logLevel: 'warn' });
    rt = await openRuntime(config, { logger: silentLogger, clock });
    app = await buildHttpApp(rt, { logLevel: 'warn' });
    app.addHook('onRequest', async (request) => {
      routed.push(request.url);
    });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    const server = { rt } as TestServer;
    for (const visibility of ['private', 'public'] as const) {
      const video = await createFakeVideo(server, { ownerId: null, visibility });
      await rt.media.put(`${video.id}/${SEGMENT_PATH}`, SEGMENT, { contentType: 'video/iso.segment' });
      if (visibility === 'private') privateId = video.id;
      else publicId = video.id;
    }
    token = (await rt.playbackTokens.issue(privateId)).token;
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await rt?.close();
    await temp?.cleanup();
  });

  /** The answer, and whether Fastify saw the request (false: the fast path answered it). */
  const get = async (id: string, path: string, options: { token?: string | null; headers?: Record<string, string>; method?: string } = {}) => {
    const t = options.token === undefined ? token : options.token;
    const url = `/media/${id}/${path}${t ? `?token=${t}` : ''}`;
    const seen = routed.length;
    const res = await fetch(base + url, { method: options.method ?? 'GET', headers: options.headers });
    const body = Buffer.from(await res.arrayBuffer());
    const headers = Object.fromEntries([...res.headers].filter(([name]) => name !== 'date'));
    return { status: res.status, headers, body, routed: routed.slice(seen).includes(url) };
  };
  /** Headers but the request id, which differs per request (both paths send one). */
  const comparable = (headers: Record<string, string>) => {
    const { 'x-request-id': requestId, ...rest } = headers;
    expect(requestId).toMatch(/^[0-9a-z]{1,12}$/);
    return rest;
  };
  const mediaRequests = async () => {
    const { body } = await rt.metrics.render();
    const line = body.split('\n').find((l) => l.startsWith('vodkit_http_requests_total{') && l.includes('method="GET"') && l.includes('route="/media/:id/*"') && l.includes('status="200"'));
    return Number(line?.split(' ').pop() ?? 0);
  };

  it('answers a cached segment, init segment or image with the status, headers and bytes the route gives, for private and public videos', async () => {
    const cases: Array<[string, string, Buffer, string | null]> = [
      [privateId, SEGMENT_PATH, SEGMENT, token],
      [privateId, FAKE_PATHS.init, FAKE_INIT, token],
      [privateId, FAKE_PATHS.poster, FAKE_POSTER, token],
      [publicId, SEGMENT_PATH, SEGMENT, null],
      [publicId, FAKE_PATHS.init, FAKE_INIT, null],
    ];
    for (const [id, path, bytes, t] of cases) {
      const byRoute = await get(id, path, { token: t });
      expect(byRoute.routed).toBe(true);
      const counted = await mediaRequests();
      const fast = await get(id, path, { token: t });
      expect(fast.routed).toBe(false);
      expect(fast.status).toBe(200);
      expect(comparable(fast.headers)).toEqual(comparable(byRoute.headers));
      expect(fast.body.equals(bytes)).toBe(true);
      expect(byRoute.body.equals(bytes)).toBe(true);
      // Counted in the metrics as the route's answers are.
      expect(await mediaRequests()).toBe(counted + 1);
    }
    const privateHeaders = (await get(privateId, SEGMENT_PATH)).headers;
    expect(privateHeaders['cache-control']).toBe('private, max-age=31536000, immutable');
    expect((await get(publicId, SEGMENT_PATH, { token: null })).headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('leaves ranges, HEAD and validators to the route, which answers them from the same cached file', async () => {
    const whole = await get(privateId, SEGMENT_PATH);
    expect(whole.routed).toBe(false);
    const range = await get(privateId, SEGMENT_PATH, { headers: { Range: 'bytes=100-199' } });
    expect([range.routed, range.status, range.headers['content-range']]).toEqual([true, 206, 'bytes 100-199/300000']);
    expect(range.body.equals(SEGMENT.subarray(100, 200))).toBe(true);
    const head = await get(privateId, SEGMENT_PATH, { method: 'HEAD' });
    expect([head.routed, head.status, head.body.length]).toEqual([true, 200, 0]);
    // Node closes the connection after this HEAD answer: that header aside, those of the GET.
    const { connection: _c, 'keep-alive': _k, ...headHeaders } = comparable(head.headers);
    const { connection: _d, 'keep-alive': _l, ...getHeaders } = comparable(whole.headers);
    expect(headHeaders).toEqual(getHeaders);
    const notModified = await get(privateId, SEGMENT_PATH, { headers: { 'If-None-Match': whole.headers.etag! } });
    expect([notModified.routed, notModified.status, notModified.body.length]).toEqual([true, 304, 0]);
    const changed = await get(privateId, SEGMENT_PATH, { headers: { 'If-None-Match': '"another"' } });
    expect([changed.routed, changed.status, changed.body.equals(SEGMENT)]).toEqual([true, 200, true]);
    // Another query parameter, or a URL to decode: the route.
    expect(await get(privateId, `${SEGMENT_PATH}?token=${token}&x=1`, { token: null })).toMatchObject({ routed: true, status: 200 });
    expect(await get(privateId, SEGMENT_PATH.replace('/', '%2F'))).toMatchObject({ routed: true });
  });

  it('refusals come from the route: no token, a token of another video, a forged token, an expired token', async () => {
    expect((await get(privateId, SEGMENT_PATH)).routed).toBe(false);
    const none = await get(privateId, SEGMENT_PATH, { token: null });
    expect([none.routed, none.status, none.body.includes(SEGMENT.subarray(0, 64))]).toEqual([true, 401, false]);
    // A token verified for another video (it plays that one from memory) opens nothing here.
    const other = await createFakeVideo({ rt } as TestServer, { ownerId: null, visibility: 'private' });
    const otherToken = (await rt.playbackTokens.issue(other.id)).token;
    expect((await get(other.id, FAKE_PATHS.init, { token: otherToken })).status).toBe(200);
    expect(await get(other.id, FAKE_PATHS.init, { token: otherToken })).toMatchObject({ routed: false, status: 200 });
    const foreign = await get(privateId, SEGMENT_PATH, { token: otherToken });
    expect([foreign.routed, foreign.status]).toEqual([true, 403]);
    const forged = await get(privateId, SEGMENT_PATH, { token: forgeSignature(token) });
    expect([forged.routed, forged.status]).toEqual([true, 403]);
    // Past the token's expiry (the runtime's clock): refused by the route, from the first request on.
    const saved = clock.now();
    clock.advance((rt.config.playbackTokenTtlSec + 1) * 1000);
    try {
      const expired = await get(privateId, SEGMENT_PATH);
      expect([expired.routed, expired.status, expired.body.includes(SEGMENT.subarray(0, 64))]).toEqual([true, 403, false]);
      const fresh = (await rt.playbackTokens.issue(privateId)).token;
      expect(await get(privateId, SEGMENT_PATH, { token: fresh })).toMatchObject({ routed: true, status: 200 });
      expect(await get(privateId, SEGMENT_PATH, { token: fresh })).toMatchObject({ routed: false, status: 200 });
    } finally {
      clock.set(saved);
    }
  });

  it('a video made private, or deleted, after its files were cached is refused within the bound', async () => {
    const video = await createFakeVideo({ rt } as TestServer, { ownerId: null, visibility: 'public' });
    await rt.media.put(`${video.id}/${SEGMENT_PATH}`, SEGMENT, { contentType: 'video/iso.segment' });
    expect((await get(video.id, SEGMENT_PATH, { token: null })).status).toBe(200);
    expect(await get(video.id, SEGMENT_PATH, { token: null })).toMatchObject({ routed: false, status: 200 });
    await rt.catalog.updateVideo(video.id, { visibility: 'private' });
    // Within the bound (the runtime's clock stands still) the record in memory still says public.
    expect(await get(video.id, SEGMENT_PATH, { token: null })).toMatchObject({ routed: false, status: 200 });
    clock.advance(MEDIA_REVALIDATE_MS);
    const refused = await get(video.id, SEGMENT_PATH, { token: null });
    expect([refused.routed, refused.status, refused.body.includes(SEGMENT.subarray(0, 64))]).toEqual([true, 401, false]);
    // With a token it plays again, from memory after the first request.
    const t = (await rt.playbackTokens.issue(video.id)).token;
    expect((await get(video.id, SEGMENT_PATH, { token: t })).status).toBe(200);
    expect(await get(video.id, SEGMENT_PATH, { token: t })).toMatchObject({ routed: false, status: 200 });
    expect(await rt.catalog.deleteVideo(video.id)).toBe(true);
    expect(await get(video.id, SEGMENT_PATH, { token: t })).toMatchObject({ routed: false, status: 200 });
    clock.advance(MEDIA_REVALIDATE_MS);
    const gone = await get(video.id, SEGMENT_PATH, { token: t });
    expect([gone.routed, gone.status, gone.body.includes(SEGMENT.subarray(0, 64))]).toEqual([true, 404, false]);
  });
});
