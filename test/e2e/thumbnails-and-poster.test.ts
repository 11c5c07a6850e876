import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiClient } from '../support/api-client.ts';
import { makeClip } from '../support/clips.ts';
import { ffprobeJson } from '../support/probe.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { VideoFrames } from '../../src/core/videos/video-frames.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { finishEncode } from '../../src/core/pipeline/finish-encode.ts';

/**
 * Thumbnails on demand (GET /media/<id>/thumbnail.jpg?time=&width=), the poster time (PATCH
 * posterTime) and the storyboard of a real encode, over real HTTP on the local-disk store.
 */
let temp: { dir: string; cleanup: () => Promise<void> };
let server: TestServer;
let owner: ApiClient;
let stranger: ApiClient;
let video: any;
let token: string;

beforeAll(async () => {
  temp = await makeTempDir('vodkit-thumbs-');
  const clip = await makeClip(temp.dir, 'landscape', { seconds: 6 });
  server = await startTestServer();
  const o = await server.createUser('uploader');
  const s = await server.createUser('uploader');
  owner = new ApiClient(server.url, o.token);
  stranger = new ApiClient(server.url, s.token);
  const id = await owner.upload(clip.path, { visibility: 'private' });
  video = await owner.waitSettled(id, 120_000);
  expect(video.status).toBe('ready');
  token = new URL(video.playback.hls).searchParams.get('token')!;
  expect(token).toBeTruthy();
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await temp?.cleanup();
});

const thumbUrl = (query: Record<string, string | number>) => {
  const url = new URL(`/media/${video.id}/thumbnail.jpg`, server.url);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
  return url;
};

async function jpegSize(bytes: Buffer): Promise<[string, number, number]> {
  const path = join(temp.dir, `probe-${Math.random().toString(36).slice(2)}.jpg`);
  await writeFile(path, bytes);
  const s = (await ffprobeJson(path)).streams[0];
  return [s.codec_name, s.width, s.height];
}

describe('thumbnails on demand', () => {
  it('refuses a private video without a token (401), with a stranger\'s credentials or a bad token (403)', async () => {
    expect((await fetch(thumbUrl({ time: 1 }))).status).toBe(401);
    expect((await fetch(thumbUrl({ time: 1 }), { headers: { Authorization: `Bearer ${stranger.token}` } })).status).toBe(403);
    expect((await fetch(thumbUrl({ time: 1, token: `${token}x` }))).status).toBe(403);
  });

  it('answers a JPEG of the asked width in the video\'s aspect, with the token or to the owner', async () => {
    const res = await fetch(thumbUrl({ time: 2, width: 200, token }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    // 568x320 source: 200 wide keeps 16:9-ish as 200x112.
    expect(await jpegSize(Buffer.from(await res.arrayBuffer()))).toEqual(['mjpeg', 200, 112]);
    const signedIn = await fetch(thumbUrl({ time: 2, width: 200 }), { headers: { Authorization: `Bearer ${owner.token}` } });
    expect(signedIn.status).toBe(200);
  });

  it('clamps the width to 64 and to the best rendition, and the time to the video', async () => {
    const small = await fetch(thumbUrl({ time: 1, width: 10, token }));
    expect(await jpegSize(Buffer.from(await small.arrayBuffer()))).toEqual(['mjpeg', 64, 36]);
    const large = await fetch(thumbUrl({ time: 1, width: 5000, token }));
    expect(await jpegSize(Buffer.from(await large.arrayBuffer()))).toEqual(['mjpeg', 568, 320]);
    const late = await fetch(thumbUrl({ time: 999, width: 160, token }));
    expect(late.status).toBe(200);
    expect(await server.rt.media.head(`${video.id}/thumbs/5.9-160.jpg`)).not.toBeNull();
    expect((await fetch(thumbUrl({ time: 'soon', token }))).status).toBe(400);
  });

  it('keeps each thumbnail and serves the kept one the second time', async () => {
    const key = `${video.id}/thumbs/3.0-240.jpg`;
    expect(await server.rt.media.head(key)).toBeNull();
    const first = await fetch(thumbUrl({ time: 3, width: 240, token }));
    expect(first.status).toBe(200);
    const firstBytes = Buffer.from(await first.arrayBuffer());
    expect(await server.rt.media.head(key)).not.toBeNull();
    // Replace the kept picture: the next answer must be those bytes, not a new frame.
    const marker = Buffer.concat([firstBytes, Buffer.from('kept')]);
    await server.rt.media.put(key, marker, { contentType: 'image/jpeg' });
    const second = await fetch(thumbUrl({ time: 3.04, width: 240, token }));
    expect(Buffer.from(await second.arrayBuffer()).equals(marker)).toBe(true);
    const etag = second.headers.get('etag')!;
    expect((await fetch(thumbUrl({ time: 3, width: 240, token }), { headers: { 'If-None-Match': etag } })).status).toBe(304);
  });

  it('without a frame grabber, serves kept thumbnails and says new ones are not available', async () => {
    const frames = new VideoFrames({ catalog: server.rt.catalog, media: server.rt.media, videos: server.rt.videos, logger: silentLogger });
    expect(frames.available).toBe(false);
    const stored = (await server.rt.catalog.getVideo(video.id))!;
    const kept = await frames.thumbnail(stored, { timeSec: 3, width: 240 });
    kept.body.destroy();
    expect(kept.key).toBe(`${video.id}/thumbs/3.0-240.jpg`);
    await expect(frames.thumbnail(stored, { timeSec: 4, width: 240 })).rejects.toThrow(/not available on this server/);
  });
});

describe('storyboard of the encode', () => {
  it('is in the video object, authorized like the rest of the media', async () => {
    expect(video.storyboard).toEqual({ vtt: expect.stringContaining('/storyboard/storyboard.vtt'), image: expect.stringContaining('/storyboard/storyboard.jpg') });
    const vtt = await fetch(video.storyboard.vtt);
    expect(vtt.status).toBe(200);
    const text = await vtt.text();
    expect(text.match(/-->/g)).toHaveLength(6);
    expect(text).toContain('storyboard.jpg#xywh=0,0,160,90');
    const image = await fetch(video.storyboard.image);
    expect(await jpegSize(Buffer.from(await image.arrayBuffer()))).toEqual(['mjpeg', 960, 90]);
    const bare = new URL(video.storyboard.image);
    bare.search = '';
    expect((await fetch(bare)).status).toBe(401);
  });
});

describe('PATCH posterTime', () => {
  it('lets the owner take the poster from another frame, under a new key', async () => {
    const before = await owner.request('GET', `/api/v1/videos/${video.id}`);
    const res = await owner.request('PATCH', `/api/v1/videos/${video.id}`, { posterTime: 2.5 });
    expect(res.status).toBe(200);
    expect(res.json.poster).not.toBe(before.json.poster);
    expect(new URL(res.json.poster).pathname).toBe(`/media/${video.id}/poster-2.5.jpg`);
    const stored = await server.rt.catalog.getVideo(video.id);
    expect([stored!.posterKey, stored!.posterTimeSec]).toEqual([`${video.id}/poster-2.5.jpg`, 2.5]);
    const poster = await fetch(res.json.poster);
    expect(await jpegSize(Buffer.from(await poster.arrayBuffer()))).toEqual(['mjpeg', 568, 320]);
    // A title may come with it.
    const both = await owner.request('PATCH', `/api/v1/videos/${video.id}`, { posterTime: 1, title: 'New title' });
    expect([both.status, both.json.title, new URL(both.json.poster).pathname]).toEqual([200, 'New title', `/media/${video.id}/poster-1.0.jpg`]);
    expect(await server.rt.media.head(`${video.id}/poster-2.5.jpg`)).toBeNull();
  });

  it('refuses a stranger, and times outside the video with a sentence', async () => {
    const stranger404 = await stranger.request('PATCH', `/api/v1/videos/${video.id}`, { posterTime: 1 });
    expect(stranger404.status).toBe(404);
    const late = await owner.request('PATCH', `/api/v1/videos/${video.id}`, { posterTime: 60 });
    expect(late.status).toBe(400);
    expect(late.json.error.message).toMatch(/beyond the end of the video/);
    expect((await owner.request('PATCH', `/api/v1/videos/${video.id}`, { posterTime: -1 })).status).toBe(400);
    expect((await owner.request('PATCH', `/api/v1/videos/${video.id}`, { posterTime: 'later' })).status).toBe(400);
    expect((await server.rt.catalog.getVideo(video.id))!.posterTimeSec).toBe(1);
  });

  it('keeps the chosen poster when a ladder finishes again', async () => {
    const stored = (await server.rt.catalog.getVideo(video.id))!;
    expect(stored.posterKey).toBe(`${video.id}/poster-1.0.jpg`);
    await server.rt.catalog.updateVideo(video.id, { status: 'processing', attemptId: 'again' });
    const outcome = await finishEncode(
      { catalog: server.rt.catalog, media: server.rt.media, logger: silentLogger },
      { videoId: video.id, attemptId: 'again', mode: 'ladder', result: { masterKey: stored.masterKey!, renditions: stored.renditions, posterKey: `${video.id}/poster.jpg`, thumbnailKey: stored.thumbnailKey } },
    );
    expect(outcome).toBe('ready');
    const after = (await server.rt.catalog.getVideo(video.id))!;
    expect([after.status, after.posterKey, after.posterTimeSec]).toEqual(['ready', `${video.id}/poster-1.0.jpg`, 1]);
    // Its file gone (a new attempt starts from an empty folder): the ladder's poster is taken.
    await server.rt.media.delete(`${video.id}/poster-1.0.jpg`);
    await server.rt.catalog.updateVideo(video.id, { status: 'processing', attemptId: 'third' });
    await finishEncode(
      { catalog: server.rt.catalog, media: server.rt.media, logger: silentLogger },
      { videoId: video.id, attemptId: 'third', mode: 'ladder', result: { masterKey: stored.masterKey!, renditions: stored.renditions, posterKey: `${video.id}/poster.jpg`, thumbnailKey: stored.thumbnailKey } },
    );
    expect((await server.rt.catalog.getVideo(video.id))!.posterKey).toBe(`${video.id}/poster.jpg`);
    // The poster can be chosen again.
    expect((await owner.request('PATCH', `/api/v1/videos/${video.id}`, { posterTime: 1 })).status).toBe(200);
  });

  it('refuses a video that is not playable yet', async () => {
    const created = await owner.request('POST', '/api/v1/uploads', { filename: 'later.mp4', size: 1000, contentType: 'video/mp4' });
    expect(created.status).toBe(201);
    const res = await owner.request('PATCH', `/api/v1/videos/${created.json.video.id}`, { posterTime: 1 });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/once the video is playable/);
  });
});
