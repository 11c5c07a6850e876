import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { makeClip } from '../support/clips.ts';
import { startS3rver, type S3rverHandle } from '../support/s3rver.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import type { ConfigFlags } from '../../src/config/config.ts';

/**
 * /media answers HEAD, conditional and range requests as a static file server does (RFC 9110):
 * HEAD gives GET's headers without the body; ETag and Last-Modified validators; If-None-Match and
 * If-Modified-Since → 304; If-Match and If-Unmodified-Since → 412; one byte range → 206, a range
 * set that cannot be satisfied → 416, malformed, other-unit or multiple ranges → 200 with the
 * whole file; If-Range sends the range only while its validator (a strong entity tag, or exactly
 * the Last-Modified date) still matches. Over real HTTP, on the local-disk store and on S3.
 */
let s3: S3rverHandle;
let temp: { dir: string; cleanup: () => Promise<void> };
let clipPath: string;
beforeAll(async () => {
  temp = await makeTempDir('vodkit-media-http-');
  clipPath = (await makeClip(temp.dir, 'landscape', { seconds: 2 })).path;
  s3 = await startS3rver();
  process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
});
afterAll(async () => {
  await s3?.stop();
  await temp?.cleanup();
});

// With S3 the client reports the finished upload (the bucket's events are not wired to s3rver).
const stores: Array<[string, () => ConfigFlags, boolean]> = [
  ['local disk', () => ({}), false],
  ['S3 (s3rver)', () => ({ storage: `s3://${s3.bucket}/media-http-${Date.now()}?endpoint=${encodeURIComponent(s3.endpoint)}&forcePathStyle=true&region=${s3.region}` }), true],
];

describe.each(stores)('media over HTTP: %s', (_name, flags, reportsCompletion) => {
  let server: TestServer;
  let api: ApiClient;
  let video: any;
  /** A segment of the private video, with its playback token. */
  let segment: URL;
  let full: Buffer;
  let etag: string;
  let lastModified: string;

  beforeAll(async () => {
    server = await startTestServer({ flags: flags() });
    api = new ApiClient(server.url, server.token);
    const id = await api.upload(clipPath, { visibility: 'private' });
    if (reportsCompletion) expect((await api.request('POST', `/api/v1/uploads/${id}/complete`)).status).toBe(200);
    video = await api.waitSettled(id, 120_000);
    expect(video.status).toBe('ready');
    const master = new URL(video.playback.hls);
    const uris = async (url: URL) => (await (await fetch(url)).text()).split('\n').filter((l) => l && !l.startsWith('#'));
    const variantPath = (await uris(master)).find((l) => /\.m3u8(\?|$)/.test(l))!;
    const variant = new URL(variantPath, master);
    const segmentPath = (await uris(variant)).find((l) => /\.(m4s|ts)(\?|$)/.test(l))!;
    segment = new URL(segmentPath, variant);
    const res = await fetch(segment);
    expect(res.status).toBe(200);
    full = Buffer.from(await res.arrayBuffer());
    etag = res.headers.get('etag')!;
    lastModified = res.headers.get('last-modified')!;
  }, 180_000);
  afterAll(async () => server?.stop());

  const get = (headers: Record<string, string> = {}, url: URL = segment) => fetch(url, { headers });
  const head = (headers: Record<string, string> = {}, url: URL = segment) => fetch(url, { method: 'HEAD', headers });
  const bytes = async (res: Response) => Buffer.from(await res.arrayBuffer());

  it('GET carries strong validators and the whole length', async () => {
    expect(full.length).toBeGreaterThan(100);
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(lastModified).toBeTruthy();
    expect(new Date(lastModified).getTime()).not.toBeNaN();
    const res = await get();
    expect(res.headers.get('content-length')).toBe(String(full.length));
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    await res.arrayBuffer();
  });

  it("HEAD answers GET's headers, with the real Content-Length, and no body", async () => {
    const [g, h] = await Promise.all([get(), head()]);
    await g.arrayBuffer();
    expect(h.status).toBe(200);
    for (const name of ['content-length', 'content-type', 'etag', 'last-modified', 'accept-ranges', 'cache-control']) {
      expect(h.headers.get(name), name).toBe(g.headers.get(name));
    }
    expect(h.headers.get('content-length')).toBe(String(full.length));
    expect((await bytes(h)).length).toBe(0);
  });

  it('If-None-Match: the current tag (also weak, in a list, or *) → 304 without a body; another tag → 200', async () => {
    for (const value of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
      const res = await get({ 'If-None-Match': value });
      expect(res.status, value).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
      expect((await bytes(res)).length).toBe(0);
      const h = await head({ 'If-None-Match': value });
      expect(h.status, `HEAD ${value}`).toBe(304);
      await h.arrayBuffer();
    }
    const other = await get({ 'If-None-Match': '"some-other-version"' });
    expect(other.status).toBe(200);
    expect(await bytes(other)).toEqual(full);
  });

  it('If-Modified-Since: not modified since → 304; modified since → 200; If-None-Match wins over it', async () => {
    for (const since of [lastModified, new Date(Date.now() + 3600_000).toUTCString()]) {
      const res = await get({ 'If-Modified-Since': since });
      expect(res.status, since).toBe(304);
      expect((await bytes(res)).length).toBe(0);
    }
    const older = await get({ 'If-Modified-Since': new Date(new Date(lastModified).getTime() - 3600_000).toUTCString() });
    expect(older.status).toBe(200);
    expect(await bytes(older)).toEqual(full);
    const mismatch = await get({ 'If-None-Match': '"other"', 'If-Modified-Since': lastModified });
    expect(mismatch.status).toBe(200);
    await mismatch.arrayBuffer();
  });

  it('If-Match and If-Unmodified-Since that fail → 412; that hold → 200', async () => {
    const failing: Array<Record<string, string>> = [{ 'If-Match': '"other"' }, { 'If-Unmodified-Since': new Date(new Date(lastModified).getTime() - 3600_000).toUTCString() }];
    for (const headers of failing) {
      const res = await get(headers);
      expect(res.status, JSON.stringify(headers)).toBe(412);
      await res.arrayBuffer();
    }
    const holding: Array<Record<string, string>> = [{ 'If-Match': etag }, { 'If-Match': '*' }, { 'If-Unmodified-Since': lastModified }];
    for (const headers of holding) {
      const res = await get(headers);
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(await bytes(res)).toEqual(full);
    }
  });

  it('one byte range → 206 with Content-Range (first-last, open-ended and suffix ranges); HEAD too', async () => {
    const size = full.length;
    for (const [range, start, end] of [
      ['bytes=10-19', 10, 19],
      [`bytes=${size - 7}-`, size - 7, size - 1],
      ['bytes=-5', size - 5, size - 1],
      [`bytes=3-${size + 100}`, 3, size - 1],
      ['bytes=0-1,2-9', 0, 9],
    ] as const) {
      const res = await get({ Range: range });
      expect(res.status, range).toBe(206);
      expect(res.headers.get('content-range'), range).toBe(`bytes ${start}-${end}/${size}`);
      expect(res.headers.get('content-length'), range).toBe(String(end - start + 1));
      expect(res.headers.get('etag')).toBe(etag);
      expect(await bytes(res), range).toEqual(full.subarray(start, end + 1));
    }
    const h = await head({ Range: 'bytes=10-19' });
    await h.arrayBuffer();
    expect(h.status).toBe(206);
    expect(h.headers.get('content-range')).toBe(`bytes 10-19/${size}`);
    expect(h.headers.get('content-length')).toBe('10');
  });

  it('a range that cannot be satisfied → 416 with the size; malformed, other-unit and multiple ranges → 200 whole', async () => {
    const size = full.length;
    // (RFC 9110 lets a server ignore or refuse a range whose end comes before its start: refused, as `send` does.)
    for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=20-10']) {
      const res = await get({ Range: range });
      expect(res.status, range).toBe(416);
      expect(res.headers.get('content-range'), range).toBe(`bytes */${size}`);
      await res.arrayBuffer();
    }
    for (const range of ['bytes=abc', 'items=0-5', 'bytes=0-1,10-11', 'bytes=']) {
      const res = await get({ Range: range });
      expect(res.status, range).toBe(200);
      expect(res.headers.get('content-range'), range).toBeNull();
      expect(await bytes(res), range).toEqual(full);
    }
  });

  it('If-Range: the current strong tag or exact Last-Modified → 206; a changed or weak tag, or another date → 200 whole', async () => {
    for (const ifRange of [etag, lastModified]) {
      const res = await get({ Range: 'bytes=0-9', 'If-Range': ifRange });
      expect(res.status, ifRange).toBe(206);
      expect(await bytes(res)).toEqual(full.subarray(0, 10));
    }
    const earlier = new Date(new Date(lastModified).getTime() - 3600_000).toUTCString();
    for (const ifRange of ['"a-previous-version"', `W/${etag}`, earlier]) {
      const res = await get({ Range: 'bytes=0-9', 'If-Range': ifRange });
      expect(res.status, ifRange).toBe(200);
      expect(await bytes(res), ifRange).toEqual(full);
    }
  });

  it('a playlist rewritten for a playback token has the tag of the bytes sent: 304 for the same URL, another tag for another token', async () => {
    const master = new URL(video.playback.hls);
    const first = await get({}, master);
    const text = await first.text();
    expect(text).toContain('token=');
    const tag = first.headers.get('etag')!;
    expect(tag).toMatch(/^"[^"]+"$/);
    expect(first.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    const h = await head({}, master);
    await h.arrayBuffer();
    expect(h.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(h.headers.get('etag')).toBe(tag);
    const again = await get({ 'If-None-Match': tag }, master);
    expect(again.status).toBe(304);
    expect((await bytes(again)).length).toBe(0);
    const ranged = await get({ Range: 'bytes=0-6' }, master);
    expect(ranged.status).toBe(206);
    expect(await ranged.text()).toBe(text.slice(0, 7));

    // Another token for the same video (tokens carry their issue time, in seconds): other bytes,
    // another tag, and the old tag no longer matches.
    let other = master;
    for (let i = 0; i < 100 && other.searchParams.get('token') === master.searchParams.get('token'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      other = new URL((await api.request('GET', `/api/v1/videos/${video.id}`)).json.playback.hls);
    }
    expect(other.searchParams.get('token')).not.toBe(master.searchParams.get('token'));
    const res = await get({ 'If-None-Match': tag }, other);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toMatch(/^"[^"]+"$/);
    expect(res.headers.get('etag')).not.toBe(tag);
    expect(await res.text()).toContain(other.searchParams.get('token')!);
  });
});
