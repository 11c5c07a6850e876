import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import HLS from 'hls-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { ffprobeJson, keyframeTimes } from '../support/probe.ts';
import { realMedia, realMediaAvailable } from '../support/real-media.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';

/**
 * The whole pipeline through a real server: signed upload → object-created event → transcode job →
 * HLS ladder + poster + thumbnail → catalog → playback over HTTP, with real ffmpeg and real files.
 */
const hasMedia = realMediaAvailable();

describe.runIf(hasMedia)('upload to playback with real media', () => {
  let server: TestServer;
  let api: ApiClient;
  let scratch: { dir: string; cleanup: () => Promise<void> };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer();
    api = new ApiClient(server.url, server.token);
    scratch = await makeTempDir();
    // Upload everything first so the worker is busy while we check.
    ids.landscape = await api.upload(realMedia('ax_internal_emulator_transformer_output.mp4'), { title: 'Dog' });
    ids.portrait = await api.upload(realMedia('mb_1080p-portrait-derotated.mp4'));
    ids.rotated = await api.upload(realMedia('exo_portrait_4k60.mp4'));
    ids.audio = await api.upload(realMedia('ax_bbb_1ch_8kHz_aac_lc.m4a'), { contentType: 'audio/mp4' });
    ids.silent = await api.upload(realMedia('exo_sample_android_slow_motion.mp4'));
    ids.text = await api.upload(realMedia('thumbor_corrupt2.mp4'));
  });

  afterAll(async () => {
    await server?.stop();
    await scratch?.cleanup();
  });

  /** Downloads a rendition (init + every segment, token carried by the rewritten playlist) to one file. */
  async function downloadRendition(masterUrl: string, uri: string, name: string): Promise<{ path: string; playlist: any }> {
    const url = new URL(uri, masterUrl);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const playlist: any = HLS.parse(await res.text());
    expect(playlist.isMasterPlaylist).toBe(false);
    expect(playlist.endlist).toBe(true);
    const parts: Buffer[] = [];
    const map = playlist.segments[0]?.map;
    if (map) parts.push(Buffer.from(await (await fetch(new URL(map.uri, url))).arrayBuffer()));
    for (const seg of playlist.segments) {
      const r = await fetch(new URL(seg.uri, url));
      expect(r.status).toBe(200);
      expect(r.headers.get('cache-control')).toContain('immutable');
      parts.push(Buffer.from(await r.arrayBuffer()));
    }
    const path = join(scratch.dir, `${name}.mp4`);
    await writeFile(path, Buffer.concat(parts));
    return { path, playlist };
  }

  async function checkLadder(id: string, expectPortrait: boolean | null) {
    const video = await api.waitSettled(id);
    expect(video.status, video.error ?? '').toBe('ready');
    expect(video.progress).toBe(1);
    expect(video.playable).toBe(true);
    const masterUrl: string = video.playback.hls;
    expect(masterUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/media\/[0-9a-z]+\/master\.m3u8\?token=/);
    const masterRes = await fetch(masterUrl);
    expect(masterRes.status).toBe(200);
    expect(masterRes.headers.get('cache-control')).not.toContain('immutable');
    const master: any = HLS.parse(await masterRes.text());
    expect(master.isMasterPlaylist).toBe(true);
    const variants = master.variants;
    expect(variants.length).toBeGreaterThan(0);
    const keyframes: number[][] = [];
    for (const [i, v] of variants.entries()) {
      expect(v.bandwidth).toBeGreaterThan(0);
      expect(v.averageBandwidth).toBeGreaterThan(0);
      expect(v.codecs).toMatch(/avc1\.64/); // High profile
      expect(v.frameRate).toBeGreaterThan(0);
      const { path } = await downloadRendition(masterUrl, v.uri, `${id}-${i}`);
      const probe = await ffprobeJson(path);
      const vs = probe.streams.find((s: any) => s.codec_type === 'video');
      expect(vs.codec_name).toBe('h264');
      expect(vs.profile).toBe('High');
      expect(vs.pix_fmt).toBe('yuv420p');
      expect(vs.width % 2).toBe(0);
      expect(vs.height % 2).toBe(0);
      expect([vs.width, vs.height]).toEqual([v.resolution.width, v.resolution.height]);
      if (expectPortrait !== null) expect(vs.height > vs.width).toBe(expectPortrait);
      keyframes.push(await keyframeTimes(path));
    }
    for (const k of keyframes.slice(1)) expect(k).toEqual(keyframes[0]);
    // Poster (full size) and thumbnail (small): JPEGs with the picture's aspect ratio.
    for (const [which, url] of [['poster', video.poster], ['thumbnail', video.thumbnail]] as const) {
      const res = await fetch(url);
      expect(res.status, which).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.subarray(0, 3).toString('hex')).toBe('ffd8ff');
      const path = join(scratch.dir, `${id}-${which}.jpg`);
      await writeFile(path, bytes);
      const img = (await ffprobeJson(path)).streams[0];
      expect(Math.abs(img.width / img.height - video.width / video.height)).toBeLessThan(0.03);
    }
    const poster = (await ffprobeJson(join(scratch.dir, `${id}-poster.jpg`))).streams[0];
    const thumb = (await ffprobeJson(join(scratch.dir, `${id}-thumbnail.jpg`))).streams[0];
    expect(thumb.width).toBeLessThan(poster.width);
    return video;
  }

  it('720p landscape phone clip: aligned ladder, poster and thumbnail', async () => {
    const video = await checkLadder(ids.landscape, false);
    expect(video.title).toBe('Dog');
    expect(video.width).toBe(1280);
    expect(video.height).toBe(720);
    expect(video.durationSec).toBeGreaterThan(4.5);
    expect(video.renditions.map((r: any) => r.height)).toEqual(expect.arrayContaining([720, 480, 360]));
    expect(video.renditions.every((r: any) => r.height <= 720)).toBe(true);
  });

  it('portrait pixels stay portrait, no upscaling', async () => {
    const video = await checkLadder(ids.portrait, true);
    expect(video.height).toBeGreaterThan(video.width);
    expect(video.renditions.every((r: any) => r.width <= 1080 && r.height <= 1920)).toBe(true);
  });

  it('a phone clip with rotation metadata comes out upright (portrait)', async () => {
    const video = await checkLadder(ids.rotated, true);
    expect(video.height).toBeGreaterThan(video.width);
  });

  it('audio-only input gives an audio-only HLS', async () => {
    const video = await api.waitSettled(ids.audio);
    expect(video.status, video.error ?? '').toBe('ready');
    expect(video.poster).toBeNull();
    const master: any = HLS.parse(await (await fetch(video.playback.hls)).text());
    const codecs = master.variants.map((v: any) => v.codecs).join(',');
    expect(codecs).toContain('mp4a.40.2');
    expect(codecs).not.toContain('avc1');
  });

  it('video without audio gives video-only renditions', async () => {
    const video = await checkLadder(ids.silent, false);
    expect(video.renditions.every((r: any) => !r.codecs.includes('mp4a'))).toBe(true);
  });

  it('a text file named .mp4 ends failed with a reason', async () => {
    const video = await api.waitSettled(ids.text);
    expect(video.status).toBe('failed');
    expect(video.error).toMatch(/not a video or audio file|invalid|unsupported/i);
    expect(video.playback.hls).toBeNull();
  });

  it('media serving: byte ranges, content types, tokens that open only their own video', async () => {
    const video = await api.waitSettled(ids.landscape);
    const other = await api.waitSettled(ids.portrait);
    const posterUrl = new URL(video.poster);
    const full = Buffer.from(await (await fetch(posterUrl)).arrayBuffer());
    const ranged = await fetch(posterUrl, { headers: { Range: 'bytes=10-19' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 10-19/${full.length}`);
    expect(Buffer.from(await ranged.arrayBuffer())).toEqual(full.subarray(10, 20));
    // No token → 401; another video's token → 403.
    const bare = new URL(video.playback.hls);
    const token = bare.searchParams.get('token')!;
    bare.search = '';
    expect((await fetch(bare)).status).toBe(401);
    const otherToken = new URL(other.playback.hls).searchParams.get('token')!;
    bare.searchParams.set('token', otherToken);
    expect((await fetch(bare)).status).toBe(403);
    bare.searchParams.set('token', token);
    expect((await fetch(bare)).status).toBe(200);
  });

  it('catalog API: list newest first with cursors, PATCH, DELETE removes outputs', async () => {
    const first = await api.request('GET', '/api/v1/videos?limit=2');
    expect(first.status).toBe(200);
    expect(first.json.items).toHaveLength(2);
    const all: string[] = [...first.json.items.map((v: any) => v.id)];
    let cursor = first.json.nextCursor;
    while (cursor) {
      const page = await api.request('GET', `/api/v1/videos?limit=2&cursor=${encodeURIComponent(cursor)}`);
      all.push(...page.json.items.map((v: any) => v.id));
      cursor = page.json.nextCursor;
    }
    expect(all).toEqual(Object.values(ids).reverse());
    const patched = await api.request('PATCH', `/api/v1/videos/${ids.silent}`, { title: 'Slow motion' });
    expect(patched.status).toBe(200);
    expect(patched.json.title).toBe('Slow motion');
    const bad = await api.request('PATCH', `/api/v1/videos/${ids.silent}`, { title: '' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('ValidationError');

    const video = await api.waitSettled(ids.silent);
    const del = await api.request('DELETE', `/api/v1/videos/${ids.silent}`);
    expect(del.status).toBe(204);
    expect((await api.request('GET', `/api/v1/videos/${ids.silent}`)).status).toBe(404);
    expect((await fetch(video.playback.hls)).status).toBe(404);
    expect(await server.rt.media.list(`${ids.silent}/`)).toEqual([]);
    expect(await server.rt.sources.head(video.filename ? `${ids.silent}.mp4` : '')).toBeNull();
  });

  it('every /api route needs a valid bearer token; errors are JSON', async () => {
    const anon = new ApiClient(server.url, null);
    const r = await anon.request('GET', '/api/v1/videos');
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBe('Unauthorized');
    const wrong = new ApiClient(server.url, 'vk_not-a-real-token');
    expect((await wrong.request('GET', '/api/v1/videos')).status).toBe(401);
    expect((await anon.request('POST', '/api/v1/uploads', { filename: 'a.mp4', size: 10, contentType: 'video/mp4' })).status).toBe(401);
  });
});

describe('signed upload URLs through the server', () => {
  let server: TestServer;
  let api: ApiClient;
  beforeAll(async () => {
    server = await startTestServer({ worker: false });
    api = new ApiClient(server.url, server.token);
  });
  afterAll(async () => server?.stop());

  async function create(size: number, contentType = 'video/mp4') {
    const r = await api.request('POST', '/api/v1/uploads', { filename: 'clip.mp4', size, contentType });
    expect(r.status).toBe(201);
    return r.json;
  }

  it('answers 201 with a PUT URL bound to one server-made key', async () => {
    const { video, upload } = await create(1000);
    expect(upload.method).toBe('PUT');
    expect(upload.headers['Content-Type']).toBe('video/mp4');
    expect(new URL(upload.url).pathname).toContain(video.id);
    expect(Date.parse(upload.expiresAt)).toBeGreaterThan(Date.now());
    expect(video.status).toBe('uploading');
  });

  it('tampering with any signed part → 403 SignatureDoesNotMatch; the untouched URL works', async () => {
    const body = Buffer.alloc(1000, 7);
    const { video, upload } = await create(body.length);
    const url = new URL(upload.url);
    const variants: URL[] = [];
    for (const [k, v] of url.searchParams) {
      const u = new URL(url);
      u.searchParams.set(k, /^\d+$/.test(v) ? String(Number(v) + 1) : `${v.slice(0, -1)}${v.endsWith('A') ? 'B' : 'A'}`);
      variants.push(u);
    }
    const otherKey = new URL(url);
    otherKey.pathname = otherKey.pathname.replace(video.id, 'aaaaaaaaaaaaaaaa');
    variants.push(otherKey);
    for (const u of variants) {
      const r = await fetch(u, { method: 'PUT', headers: upload.headers, body });
      expect(r.status, u.toString()).toBe(403);
      expect((await r.json()).error.code).toBe('SignatureDoesNotMatch');
    }
    const wrongType = await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'video/webm' }, body });
    expect(wrongType.status).toBe(403);
    const ok = await fetch(url, { method: 'PUT', headers: upload.headers, body });
    expect(ok.status).toBe(200);
    const stored = await server.rt.sources.get(video.sourceKey ?? `${video.id}.mp4`);
    const hash = createHash('sha256');
    for await (const chunk of stored.body) hash.update(chunk as Buffer);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
    // The object-created event queued the transcode.
    const after = await api.request('GET', `/api/v1/videos/${video.id}`);
    expect(after.json.status).toBe('queued');
  });

  it('a body larger than declared → 413 EntityTooLarge and nothing stored', async () => {
    const { video, upload } = await create(1000);
    const r = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: Buffer.alloc(5000) });
    expect(r.status).toBe(413);
    expect((await r.json()).error.code).toBe('EntityTooLarge');
    expect(await server.rt.sources.head(`${video.id}.mp4`)).toBeNull();
    expect((await api.request('GET', `/api/v1/videos/${video.id}`)).json.status).toBe('uploading');
  });

  it('refuses uploads that are not video or audio before any byte is sent', async () => {
    for (const body of [
      { filename: 'list.m3u8', size: 10, contentType: 'application/vnd.apple.mpegurl' },
      { filename: 'notes.txt', size: 10, contentType: 'text/plain' },
      { filename: 'a.mp4', size: 0, contentType: 'video/mp4' },
      { filename: 'a.mp4', size: 10, contentType: 'text/html' },
    ]) {
      const r = await api.request('POST', '/api/v1/uploads', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.message.length).toBeGreaterThan(5);
    }
  });
});
