import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createFakeVideo, FAKE_PATHS } from '../security/support/fake-video.ts';
import { until } from '../support/until.ts';
import { forgeSignature } from '../support/forge.ts';

/**
 * The media route's fast paths: small immutable files answered from memory (VODKIT_MEDIA_CACHE_MIB)
 * give the same bytes and headers as files read from the store every time, and a change of
 * visibility or a removed file reaches them within the documented second; with
 * VODKIT_MEDIA_DELIVERY=x-accel-redirect the checked request is handed to nginx by header.
 */
const SEGMENT = randomBytes(300_000);
const SEGMENT_PATH = '720p/seg_00002.m4s';

describe('media files from memory', () => {
  let cached: TestServer;
  let plain: TestServer;
  const ids: Record<'cached' | 'plain', string> = { cached: '', plain: '' };
  const tokens: Record<'cached' | 'plain', string> = { cached: '', plain: '' };

  beforeAll(async () => {
    [cached, plain] = await Promise.all([startTestServer({ worker: false }), startTestServer({ worker: false, flags: { mediaCacheMiB: 0 } })]);
    for (const [name, server] of [['cached', cached], ['plain', plain]] as const) {
      const owner = await server.createUser('uploader');
      const video = await createFakeVideo(server, { ownerId: owner.id, visibility: 'private' });
      await server.rt.media.put(`${video.id}/${SEGMENT_PATH}`, SEGMENT, { contentType: 'video/iso.segment' });
      ids[name] = video.id;
      tokens[name] = (await server.rt.playbackTokens.issue(video.id)).token;
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all([cached?.stop(), plain?.stop()]);
  });

  const get = async (name: 'cached' | 'plain', path: string, headers: Record<string, string> = {}, token: string | null = tokens[name]) => {
    const server = name === 'cached' ? cached : plain;
    const res = await fetch(`${server.url}/media/${ids[name]}/${path}${token ? `?token=${token}` : ''}`, { headers });
    const body = Buffer.from(await res.arrayBuffer());
    const pick = (h: string) => res.headers.get(h);
    return { status: res.status, body, etag: pick('etag'), length: pick('content-length'), range: pick('content-range'), type: pick('content-type'), cache: pick('cache-control'), nosniff: pick('x-content-type-options') };
  };

  it('whole files and ranges: the same bytes and headers as reads from the store, first and later requests alike', async () => {
    const requests: Array<Record<string, string>> = [{}, { Range: 'bytes=0-99' }, { Range: 'bytes=1000-' }, { Range: 'bytes=-500' }, { Range: 'bytes=299990-400000' }, { Range: 'bytes=400000-' }, { Range: 'bytes=0-1,5-9' }];
    for (let round = 0; round < 2; round++) {
      for (const headers of requests) {
        const [a, b] = [await get('cached', SEGMENT_PATH, headers), await get('plain', SEGMENT_PATH, headers)];
        const { etag: _e, ...rest } = a;
        const { etag: _f, ...other } = b;
        expect(rest).toEqual(other);
        if (a.status === 200) expect(a.body.equals(SEGMENT)).toBe(true);
        if (a.status === 206) {
          const [, start, end] = /^bytes (\d+)-(\d+)\/300000$/.exec(a.range!)!.map(Number);
          expect(a.body.equals(SEGMENT.subarray(start, end + 1))).toBe(true);
        }
      }
    }
    expect((await get('cached', SEGMENT_PATH, { Range: 'bytes=400000-' })).status).toBe(416);
    expect((await get('cached', SEGMENT_PATH, { Range: 'bytes=10-19' })).body.equals(SEGMENT.subarray(10, 20))).toBe(true);
  });

  it('conditional requests: 304 for the current ETag, 412 for another, If-Range that no longer matches gives the whole file', async () => {
    const { etag } = await get('cached', SEGMENT_PATH);
    expect(etag).toMatch(/^"[^"]+"$/);
    const notModified = await get('cached', SEGMENT_PATH, { 'If-None-Match': etag! });
    expect([notModified.status, notModified.body.length]).toEqual([304, 0]);
    expect((await get('cached', SEGMENT_PATH, { 'If-Match': '"other"' })).status).toBe(412);
    const stale = await get('cached', SEGMENT_PATH, { Range: 'bytes=0-9', 'If-Range': '"other"' });
    expect([stale.status, stale.body.equals(SEGMENT)]).toEqual([200, true]);
    const current = await get('cached', SEGMENT_PATH, { Range: 'bytes=0-9', 'If-Range': etag! });
    expect([current.status, current.body.equals(SEGMENT.subarray(0, 10))]).toEqual([206, true]);
  });

  it('a cached file is still checked on every request: no token, a token of another video, a forged token are refused', async () => {
    expect((await get('cached', SEGMENT_PATH)).status).toBe(200);
    const none = await get('cached', SEGMENT_PATH, {}, null);
    expect([none.status, none.body.includes(SEGMENT.subarray(0, 64))]).toEqual([401, false]);
    const other = (await cached.rt.playbackTokens.issue((await createFakeVideo(cached, { ownerId: null, visibility: 'private' })).id)).token;
    expect((await get('cached', SEGMENT_PATH, {}, other)).status).toBe(403);
    expect((await get('cached', SEGMENT_PATH, {}, forgeSignature(tokens.cached))).status).toBe(403);
    expect((await get('cached', `720p/..%2F..%2F${SEGMENT_PATH}`)).status).toBe(404);
  });

  it('a public video made private is refused to anonymous requests within the bound; a removed file is no longer served', async () => {
    const video = await createFakeVideo(cached, { ownerId: null, visibility: 'public' });
    await cached.rt.media.put(`${video.id}/${SEGMENT_PATH}`, SEGMENT, { contentType: 'video/iso.segment' });
    const anonymous = () => fetch(`${cached.url}/media/${video.id}/${SEGMENT_PATH}`).then(async (r) => (await r.arrayBuffer(), r.status));
    expect(await anonymous()).toBe(200);
    await cached.rt.catalog.updateVideo(video.id, { visibility: 'private' });
    expect(await until(anonymous, (s) => s === 401)).toBe(401);
    await cached.rt.catalog.updateVideo(video.id, { visibility: 'public' });
    expect(await until(anonymous, (s) => s === 200)).toBe(200);
    await cached.rt.media.delete(`${video.id}/${SEGMENT_PATH}`);
    expect(await until(anonymous, (s) => s === 404)).toBe(404);
  });
});

describe('VODKIT_MEDIA_DELIVERY=x-accel-redirect', () => {
  let server: TestServer;
  let id: string;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer({ worker: false, flags: { mediaDelivery: 'x-accel-redirect', mediaAccelPrefix: '/internal/media/' } });
    const owner = await server.createUser('uploader');
    id = (await createFakeVideo(server, { ownerId: owner.id, visibility: 'private' })).id;
    token = (await server.rt.playbackTokens.issue(id)).token;
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  const get = async (path: string, t: string | null = token, method = 'GET') => {
    const res = await fetch(`${server.url}/media/${id}/${path}${t ? `?token=${t}` : ''}`, { method });
    return { status: res.status, accel: res.headers.get('x-accel-redirect'), type: res.headers.get('content-type'), cache: res.headers.get('cache-control'), body: await res.text() };
  };

  it('a checked request for a segment, an init segment or the poster: the internal path, no body', async () => {
    for (const [path, type] of [[FAKE_PATHS.segment, 'video/iso.segment'], [FAKE_PATHS.init, 'video/mp4'], [FAKE_PATHS.poster, 'image/jpeg']]) {
      for (const method of ['GET', 'HEAD']) {
        const res = await get(path, token, method);
        expect(res).toEqual({ status: 200, accel: `/internal/media/${id}/${path}`, type, cache: 'private, max-age=31536000, immutable', body: '' });
      }
    }
  });

  it('refusals and playlists are answered by vodkit itself', async () => {
    expect(await get(FAKE_PATHS.segment, null)).toMatchObject({ status: 401, accel: null });
    expect(await get(FAKE_PATHS.segment, forgeSignature(token))).toMatchObject({ status: 403, accel: null });
    expect(await get(`720p/..%2F..%2F..%2Fetc%2Fpasswd`)).toMatchObject({ status: 404, accel: null });
    const playlist = await get(FAKE_PATHS.variant);
    expect(playlist.accel).toBeNull();
    expect(playlist.body).toContain(`seg_00001.m4s?token=${token}`);
  });
});
