import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parse as parseMpd } from 'mpd-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { makeClip } from '../support/clips.ts';
import { ffprobeJson } from '../support/probe.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';

/**
 * Downloads (VODKIT_DOWNLOADS, `downloads` per video) and the DASH manifest over real HTTP on the
 * local-disk store: the view's URLs, the attachment with its name, range requests, tokens reaching
 * the manifest's segments, and refusals for a private video.
 */
let temp: { dir: string; cleanup: () => Promise<void> };
let server: TestServer;
let owner: ApiClient;
let stranger: ApiClient;
let video: any;
const TITLE = 'Holiday 2026/été';

async function stored(key: string): Promise<Buffer> {
  const { body } = await server.rt.media.get(key);
  const chunks: Buffer[] = [];
  for await (const chunk of body as Readable) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function createAndUpload(client: ApiClient, path: string, extra: Record<string, unknown>): Promise<string> {
  const bytes = await readFile(path);
  const created = await client.request('POST', '/api/v1/uploads', { filename: 'clip.mp4', size: bytes.length, contentType: 'video/mp4', ...extra });
  expect(created.status).toBe(201);
  const put = await fetch(created.json.upload.url, { method: 'PUT', headers: created.json.upload.headers, body: bytes });
  expect(put.status).toBe(200);
  return created.json.video.id;
}

beforeAll(async () => {
  temp = await makeTempDir('vodkit-downloads-');
  const clip = await makeClip(temp.dir, 'landscape', { seconds: 5 });
  server = await startTestServer({ flags: { downloads: true } });
  const o = await server.createUser('uploader');
  const s = await server.createUser('uploader');
  owner = new ApiClient(server.url, o.token);
  stranger = new ApiClient(server.url, s.token);
  const id = await owner.upload(clip.path, { visibility: 'private', title: TITLE });
  video = await owner.waitSettled(id, 120_000);
  expect(video.status).toBe('ready');
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await temp?.cleanup();
});

describe('downloads', () => {
  it('lists downloads.mp4 (with the playback token) for a video encoded with VODKIT_DOWNLOADS', () => {
    const url = new URL(video.downloads.mp4);
    expect(url.pathname).toBe(`/media/${video.id}/download.mp4`);
    expect(url.searchParams.get('token')).toBeTruthy();
  });

  it('serves it as an attachment named after the title, byte for byte the stored MP4, which ffprobe reads as H.264 + AAC', async () => {
    const res = await fetch(video.downloads.mp4);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="Holiday 2026__t_.mp4"; filename*=UTF-8''Holiday%202026%2F%C3%A9t%C3%A9.mp4`);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(await stored(`${video.id}/download.mp4`))).toBe(true);
    const path = join(temp.dir, 'downloaded.mp4');
    await writeFile(path, body);
    const probe = await ffprobeJson(path);
    expect(probe.streams.map((s: { codec_name: string }) => s.codec_name).sort()).toEqual(['aac', 'h264']);
  });

  it('answers a range request with 206 and exactly those bytes', async () => {
    const whole = await stored(`${video.id}/download.mp4`);
    const res = await fetch(video.downloads.mp4, { headers: { Range: 'bytes=100-1123' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 100-1123/${whole.length}`);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; /);
    expect(Buffer.from(await res.arrayBuffer()).equals(whole.subarray(100, 1124))).toBe(true);
  });

  it('refuses the download of a private video without a token (401), with a stranger\'s credentials or a bad token (403)', async () => {
    const bare = new URL(video.downloads.mp4);
    bare.search = '';
    expect((await fetch(bare)).status).toBe(401);
    expect((await fetch(bare, { headers: { Authorization: `Bearer ${stranger.token}` } })).status).toBe(403);
    bare.searchParams.set('token', 'not-a-token');
    expect((await fetch(bare)).status).toBe(403);
  });

  it('per video: downloads false at upload makes none; PATCH refuses a non-boolean; PATCH false withdraws one', async () => {
    const clip = await makeClip(temp.dir, 'landscape', { seconds: 2, name: 'short.mp4' });
    const id = await createAndUpload(owner, clip.path, { downloads: false });
    const settled = await owner.waitSettled(id, 120_000);
    expect(settled.status).toBe('ready');
    expect(settled.downloads.mp4).toBeNull();
    expect(await server.rt.media.head(`${id}/download.mp4`)).toBeNull();
    expect((await server.rt.catalog.getVideo(id))?.downloads).toBe(false);

    expect((await owner.request('PATCH', `/api/v1/videos/${id}`, { downloads: 'yes' })).status).toBe(400);
    expect((await stranger.request('PATCH', `/api/v1/videos/${video.id}`, { downloads: false })).status).toBe(404);
    const patched = await owner.request('PATCH', `/api/v1/videos/${video.id}`, { downloads: false });
    expect(patched.status).toBe(200);
    expect(patched.json.downloads.mp4).toBeNull();
    expect(await server.rt.media.head(`${video.id}/download.mp4`)).toBeNull();
    expect((await fetch(video.downloads.mp4)).status).toBe(404);
    expect((await server.rt.catalog.getVideo(video.id))?.downloads).toBe(false);
  }, 180_000);
});

describe('DASH', () => {
  it('serves the manifest as application/dash+xml with the token on every segment URL, and those URLs answer', async () => {
    const mpdUrl = new URL(video.playback.dash);
    expect(mpdUrl.pathname).toBe(`/media/${video.id}/manifest.mpd`);
    const token = mpdUrl.searchParams.get('token')!;
    const res = await fetch(mpdUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/dash+xml');
    const text = await res.text();
    const urls = [...text.matchAll(/(?:sourceURL|media)="([^"]*)"/g)].map((m) => m[1]);
    expect(urls.length).toBeGreaterThan(4);
    for (const u of urls) expect(u).toMatch(new RegExp(`\\?token=${token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    const manifest = parseMpd(text, { manifestUri: mpdUrl.toString() });
    const first = manifest.playlists[0].segments[0];
    for (const u of [first.map.resolvedUri, first.resolvedUri]) expect((await fetch(u)).status).toBe(200);

    const bare = new URL(mpdUrl);
    bare.search = '';
    expect((await fetch(bare)).status).toBe(401);
  });
});
