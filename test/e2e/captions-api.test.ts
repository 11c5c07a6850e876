import HLS from 'hls-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createFakeVideo } from '../security/support/fake-video.ts';

/**
 * The captions API on a real server: the owner adds (VTT and SRT), replaces and removes tracks;
 * whoever may watch the video lists them and plays them through the master playlist with the
 * playback token; others get nothing, and a bad file is refused with the line at fault.
 */
describe('captions API', () => {
  let server: TestServer;
  let owner: ApiClient;
  let viewer: ApiClient;
  let otherUploader: ApiClient;
  let anonymous: ApiClient;
  let ownerId: string;

  const VTT = 'WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHello from the captions API\n';
  const SRT = '1\n00:00:00,500 --> 00:00:01,800\nBonjour\n';

  beforeAll(async () => {
    server = await startTestServer({ worker: false });
    const o = await server.createUser('uploader');
    ownerId = o.id;
    owner = new ApiClient(server.url, o.token);
    viewer = new ApiClient(server.url, (await server.createUser('viewer')).token);
    otherUploader = new ApiClient(server.url, (await server.createUser('uploader')).token);
    anonymous = new ApiClient(server.url, null);
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function text(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; type: string | null }> {
    const res = await fetch(url, { headers });
    return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
  }

  it('the owner adds a WebVTT and an SRT track; the master lists both, and the token reaches the caption files', async () => {
    const video = await createFakeVideo(server, { ownerId, visibility: 'private' });
    const added = await owner.request('POST', `/api/v1/videos/${video.id}/captions`, { language: 'en', label: 'English', format: 'vtt', text: VTT });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ language: 'en', label: 'English', source: 'api' });
    expect(added.json.url).toMatch(new RegExp(`/media/${video.id}/captions/en\\.vtt\\?token=`));
    const srt = await owner.request('POST', `/api/v1/videos/${video.id}/captions`, { language: 'fr', format: 'srt', text: SRT });
    expect(srt.status).toBe(201);
    expect(srt.json.label).toBe('French');

    const view = await owner.request('GET', `/api/v1/videos/${video.id}`);
    expect(view.json.captions.map((c: any) => [c.language, c.label])).toEqual([
      ['en', 'English'],
      ['fr', 'French'],
    ]);
    const masterUrl: string = view.json.playback.hls;
    const master = await text(masterUrl);
    expect(master.status).toBe(200);
    const parsed: any = HLS.parse(master.body);
    const subs = parsed.variants[0].subtitles;
    expect(subs.map((s: any) => s.language)).toEqual(['en', 'fr']);
    expect(master.body).toContain('SUBTITLES="subs"');
    // Anonymous player: only the token of the master URL, carried by the rewritten playlists.
    const playlistUrl = new URL(subs[1].uri, masterUrl).toString();
    expect(playlistUrl).toContain('token=');
    const playlist = await text(playlistUrl);
    expect(playlist.status).toBe(200);
    const media: any = HLS.parse(playlist.body);
    expect(media.endlist).toBe(true);
    expect(media.targetDuration).toBe(2);
    const vtt = await text(new URL(media.segments[0].uri, playlistUrl).toString());
    expect(vtt.status).toBe(200);
    expect(vtt.type).toMatch(/^text\/vtt/);
    expect(vtt.body).toContain('X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000');
    expect(vtt.body).toContain('00:00:00.500 --> 00:00:01.800\nBonjour');
  });

  it('replaces a track of the same language, and removes tracks until the master has no subtitles group', async () => {
    const video = await createFakeVideo(server, { ownerId, visibility: 'public' });
    const path = `/api/v1/videos/${video.id}/captions`;
    expect((await owner.request('POST', path, { language: 'en', format: 'vtt', text: VTT })).status).toBe(201);
    const replaced = await owner.request('POST', path, { language: 'EN', label: 'English (SDH)', format: 'vtt', text: VTT.replace('Hello', 'Replaced') });
    expect(replaced.status).toBe(201);
    const listed = await anonymous.request('GET', path);
    expect(listed.status).toBe(200);
    expect(listed.json.items.map((c: any) => c.label)).toEqual(['English (SDH)']);
    expect((await text(listed.json.items[0].url)).body).toContain('Replaced');

    expect((await owner.request('DELETE', `${path}/en`)).status).toBe(204);
    expect((await owner.request('DELETE', `${path}/en`)).status).toBe(404);
    expect((await owner.request('GET', path)).json.items).toEqual([]);
    const master = await text(`${server.url}/media/${video.id}/master.m3u8`);
    expect(master.body).not.toContain('SUBTITLES');
    expect((await text(`${server.url}/media/${video.id}/captions/en.vtt`)).status).toBe(404);
    expect((await server.rt.catalog.getVideo(video.id))?.captions ?? null).toBeNull();
  });

  it('keeps every track of concurrent additions, and the master lists them all', async () => {
    const video = await createFakeVideo(server, { ownerId, visibility: 'public' });
    const languages = ['de', 'en', 'es', 'fr', 'it'];
    const answers = await Promise.all(languages.map((language) => owner.request('POST', `/api/v1/videos/${video.id}/captions`, { language, format: 'vtt', text: VTT })));
    expect(answers.map((a) => a.status)).toEqual(languages.map(() => 201));
    expect((await anonymous.request('GET', `/api/v1/videos/${video.id}/captions`)).json.items.map((c: any) => c.language)).toEqual(languages);
    const master: any = HLS.parse(await (await fetch(`${server.url}/media/${video.id}/master.m3u8`)).text());
    expect(master.variants[0].subtitles.map((s: any) => s.language)).toEqual(languages);
  });

  it('refuses bad captions with the line at fault, and stores nothing', async () => {
    const video = await createFakeVideo(server, { ownerId, visibility: 'private' });
    const path = `/api/v1/videos/${video.id}/captions`;
    const backwards = await owner.request('POST', path, { language: 'en', format: 'vtt', text: 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:04.000 --> 00:00:03.000\nbad\n' });
    expect(backwards.status).toBe(400);
    expect(backwards.json.error.message).toBe('line 6: the cue ends before it starts');
    const srt = await owner.request('POST', path, { language: 'en', format: 'srt', text: '1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:05,000 --> 00:00:04,000\nbad\n' });
    expect(srt.status).toBe(400);
    expect(srt.json.error.message).toBe('line 6: the cue ends before it starts');
    expect((await owner.request('POST', path, { language: 'english', format: 'vtt', text: VTT })).json.error.message).toMatch(/not a language tag/);
    expect((await owner.request('POST', path, { language: 'en', format: 'ass', text: VTT })).status).toBe(400);
    expect((await owner.request('POST', path, { language: 'en', format: 'vtt', text: 'x'.repeat(2 * 1024 * 1024 + 1) })).status).toBe(400);
    expect((await server.rt.catalog.getVideo(video.id))?.captions ?? null).toBeNull();
    expect(await server.rt.media.head(`${video.id}/captions/en.vtt`)).toBeNull();
    // Before the video can be played, its first encode stage would remove them: not yet.
    const queued = await createFakeVideo(server, { ownerId, visibility: 'private' });
    await server.rt.catalog.updateVideo(queued.id, { status: 'queued', playable: false });
    const early = await owner.request('POST', `/api/v1/videos/${queued.id}/captions`, { language: 'en', format: 'vtt', text: VTT });
    expect(early.status).toBe(409);
    expect(early.json.error.message).toBe('captions can be added once the video can be played');
  });

  it('lets viewers of the video list tracks, and no one else list, read or change them', async () => {
    const hidden = await createFakeVideo(server, { ownerId, visibility: 'private' });
    const unlisted = await createFakeVideo(server, { ownerId, visibility: 'unlisted' });
    for (const v of [hidden, unlisted]) {
      expect((await owner.request('POST', `/api/v1/videos/${v.id}/captions`, { language: 'en', format: 'vtt', text: VTT })).status).toBe(201);
    }
    const before = await server.rt.catalog.getVideo(hidden.id);

    expect((await viewer.request('GET', `/api/v1/videos/${unlisted.id}/captions`)).json.items.map((c: any) => c.language)).toEqual(['en']);
    expect((await viewer.request('GET', `/api/v1/videos/${hidden.id}/captions`)).status).toBe(404);
    expect((await otherUploader.request('GET', `/api/v1/videos/${hidden.id}/captions`)).status).toBe(404);
    expect((await anonymous.request('GET', `/api/v1/videos/${hidden.id}/captions`)).status).toBe(401);

    // The files themselves, through /media, without a token of the video.
    const vttUrl = `${server.url}/media/${hidden.id}/captions/en.vtt`;
    expect((await text(vttUrl, { Authorization: `Bearer ${viewer.token}` })).status).toBe(403);
    expect((await text(vttUrl)).status).toBe(401);
    expect((await text(`${server.url}/media/${hidden.id}/captions/en.m3u8`, { Authorization: `Bearer ${otherUploader.token}` })).status).toBe(403);
    expect((await text(vttUrl, { Authorization: `Bearer ${owner.token}` })).status).toBe(200);

    // Changes: 404 to those who may not see the video, 403 to those who may see but not change it.
    expect((await otherUploader.request('POST', `/api/v1/videos/${hidden.id}/captions`, { language: 'de', format: 'vtt', text: VTT })).status).toBe(404);
    expect((await viewer.request('POST', `/api/v1/videos/${unlisted.id}/captions`, { language: 'de', format: 'vtt', text: VTT })).status).toBe(403);
    expect((await otherUploader.request('DELETE', `/api/v1/videos/${unlisted.id}/captions/en`)).status).toBe(403);
    expect((await anonymous.request('DELETE', `/api/v1/videos/${hidden.id}/captions/en`)).status).toBe(401);
    expect(await server.rt.catalog.getVideo(hidden.id)).toEqual(before);
    expect((await server.rt.catalog.getVideo(unlisted.id))?.captions?.map((c) => c.language)).toEqual(['en']);

    // An admin may change anyone's.
    const admin = new ApiClient(server.url, server.token);
    expect((await admin.request('DELETE', `/api/v1/videos/${hidden.id}/captions/en`)).status).toBe(204);
  });
});
