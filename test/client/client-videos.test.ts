import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVodkitClient, VideoFailedError, VodkitApiError, VodkitConnectionError, type VodkitClient } from '../../src/client/index.ts';
import { makeClip } from '../support/clips.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';

/** The client's video, caption and playback helpers, and its errors, against a real server. */
describe('client videos, captions and playback', () => {
  let server: TestServer;
  let temp: { dir: string; cleanup: () => Promise<void> };
  let client: VodkitClient;
  let id: string;

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-client-videos-');
    server = await startTestServer();
    client = createVodkitClient({ baseUrl: `${server.url}/`, token: server.token });
    const clip = await makeClip(temp.dir, 'landscape');
    id = (await client.upload(clip.path, { title: 'Client video' })).id;
  });
  afterAll(async () => {
    await server?.stop();
    await temp?.cleanup();
  });

  it('waits until the video plays and gives its watch page and media URLs', async () => {
    const seen: number[] = [];
    const playable = await client.waitUntilPlayable(id, { intervalMs: 200, onProgress: (v) => seen.push(v.progress) });
    expect(playable.watchUrl).toBe(`${server.url}/watch/${id}`);
    expect(seen.length).toBeGreaterThan(0);
    const playback = await client.playback(id);
    expect(playback.watchUrl).toBe(playable.watchUrl);
    expect(playback.hls).toMatch(new RegExp(`/media/${id}/.*master\\.m3u8`));
    const master = await fetch(playback.hls!);
    expect(master.status).toBe(200);
    expect(await master.text()).toContain('#EXT-X-STREAM-INF');
  });

  it('lists, gets, changes and deletes videos', async () => {
    const page = await client.videos.list({ limit: 50 });
    expect(page.items.map((v) => v.id)).toContain(id);
    expect((await client.videos.get(id)).title).toBe('Client video');

    const changed = await client.videos.update(id, { title: 'Renamed by the client', visibility: 'unlisted' });
    expect(changed).toMatchObject({ id, title: 'Renamed by the client', visibility: 'unlisted' });
    expect((await server.rt.catalog.getVideo(id))?.title).toBe('Renamed by the client');

    const other = await client.upload((await makeClip(temp.dir, 'no-audio')).path);
    await client.videos.delete(other.id);
    const missing = await client.videos.get(other.id).catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(VodkitApiError);
    expect(missing).toMatchObject({ status: 404, code: 'NotFound' });
  });

  it('adds, lists and deletes captions', async () => {
    const track = await client.captions.add(id, { language: 'en', label: 'English', format: 'srt', text: '1\n00:00:00,000 --> 00:00:01,000\nHello\n' });
    expect(track).toMatchObject({ language: 'en', label: 'English' });
    const listed = await client.captions.list(id);
    expect(listed.map((c) => c.language)).toEqual(['en']);
    const vtt = await fetch(listed[0].url!);
    expect(await vtt.text()).toMatch(/^WEBVTT[\s\S]*00:00:00\.000 --> 00:00:01\.000\nHello/);
    await client.captions.delete(id, 'en');
    expect(await client.captions.list(id)).toEqual([]);
    await expect(client.captions.add(id, { language: 'en', format: 'vtt', text: 'not a caption file' })).rejects.toMatchObject({ status: 400, code: 'ValidationError' });
  });

  it('throws VideoFailedError when processing fails', async () => {
    const path = join(temp.dir, 'words.mp4');
    await writeFile(path, 'Not a video at all, only words.\n'.repeat(50));
    const video = await client.upload(path);
    const failed = await client.waitUntilPlayable(video.id, { intervalMs: 200 }).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(VideoFailedError);
    expect((failed as VideoFailedError).videoId).toBe(video.id);
    expect((failed as VideoFailedError).message.length).toBeGreaterThan(0);
  });

  it('a refused token, an unreachable server and an abort each say what happened', async () => {
    const refused = await createVodkitClient({ baseUrl: server.url, token: 'vk_wrong' }).videos.list().catch((err: unknown) => err);
    expect(refused).toMatchObject({ name: 'VodkitApiError', status: 401, code: 'Unauthorized' });

    const unreachable = await createVodkitClient({ baseUrl: 'http://127.0.0.1:9', token: 'x' }).videos.get('a').catch((err: unknown) => err);
    expect(unreachable).toBeInstanceOf(VodkitConnectionError);
    expect((unreachable as Error).message).toMatch(/^cannot reach the server at http:\/\/127\.0\.0\.1:9/);

    const stop = new AbortController();
    stop.abort(new Error('stopped by the caller'));
    await expect(client.waitUntilPlayable(id, { signal: stop.signal })).rejects.toThrow('stopped by the caller');
  });
});
