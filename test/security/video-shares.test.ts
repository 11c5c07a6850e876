import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createFakeVideo, FAKE_PATHS } from './support/fake-video.ts';

/**
 * Sharing a private video with named users: the owner (or an admin) lists their e-mails in
 * `shares`; those users may watch it and their lists show it; nobody else learns anything, and
 * only those who manage the video see whom it is shared with.
 */
describe('sharing a private video with named users', () => {
  let server: TestServer;
  let owner: ApiClient;
  let admin: ApiClient;
  let b: ApiClient;
  let c: ApiClient;
  let anonymous: ApiClient;
  let bUser: { id: string; email: string };
  let videoId: string;

  beforeAll(async () => {
    server = await startTestServer({ worker: false });
    const o = await server.createUser('uploader');
    const bu = await server.createUser('viewer');
    bUser = { id: bu.id, email: bu.email };
    owner = new ApiClient(server.url, o.token);
    admin = new ApiClient(server.url, (await server.createUser('admin')).token);
    b = new ApiClient(server.url, bu.token);
    c = new ApiClient(server.url, (await server.createUser('uploader')).token);
    anonymous = new ApiClient(server.url, null);
    videoId = (await createFakeVideo(server, { ownerId: o.id, visibility: 'private', title: 'for B' })).id;
  });
  afterAll(async () => {
    await server?.stop();
  });

  const listed = async (client: ApiClient) => {
    const res = await client.request('GET', '/api/v1/videos?limit=100');
    expect(res.status).toBe(200);
    return res.json.items.map((v: { id: string }) => v.id) as string[];
  };
  const media = (client: ApiClient) =>
    fetch(`${server.url}/media/${videoId}/${FAKE_PATHS.segment}`, { headers: { Authorization: `Bearer ${client.token}` } }).then((r) => r.status);
  /** The media route reads a video's record at most once a second: a change of shares reaches it within that. */
  const mediaBecomes = async (client: ApiClient, status: number) => {
    const until = Date.now() + 10_000;
    let last = await media(client);
    while (last !== status && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      last = await media(client);
    }
    return last;
  };

  it('before it is shared, B may neither see, list nor play it', async () => {
    expect((await b.request('GET', `/api/v1/videos/${videoId}`)).status).toBe(404);
    expect(await listed(b)).not.toContain(videoId);
    expect(await media(b)).toBe(403);
  });

  it('an e-mail no account has is refused with a sentence, and nothing changes', async () => {
    const before = await server.rt.catalog.getVideo(videoId);
    const res = await owner.request('PATCH', `/api/v1/videos/${videoId}`, { shares: [bUser.email, 'nobody@example.test'] });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/no account has the e-mail "nobody@example.test"/);
    expect(await server.rt.catalog.getVideo(videoId)).toEqual(before);
  });

  it('others may not change whom it is shared with', async () => {
    expect((await b.request('PATCH', `/api/v1/videos/${videoId}`, { shares: [bUser.email] })).status).toBe(404);
    expect((await c.request('PATCH', `/api/v1/videos/${videoId}`, { shares: [bUser.email] })).status).toBe(404);
    expect((await anonymous.request('PATCH', `/api/v1/videos/${videoId}`, { shares: [bUser.email] })).status).toBe(401);
    expect((await server.rt.catalog.getVideo(videoId))!.shares ?? null).toBeNull();
  });

  it('shared by its owner, B may see, list and play it; C still may not', async () => {
    const res = await owner.request('PATCH', `/api/v1/videos/${videoId}`, { shares: [bUser.email.toUpperCase()] });
    expect(res.status).toBe(200);
    expect(res.json.shares).toEqual([{ id: bUser.id, email: bUser.email }]);
    expect((await server.rt.catalog.getVideo(videoId))!.shares).toEqual([bUser.id]);

    const seen = await b.request('GET', `/api/v1/videos/${videoId}`);
    expect(seen.status).toBe(200);
    expect(seen.json).toMatchObject({ id: videoId, visibility: 'private', shares: null, filename: null });
    expect(await listed(b)).toContain(videoId);
    expect(await mediaBecomes(b, 200)).toBe(200);
    expect((await fetch(seen.json.playback.hls)).status).toBe(200);
    // Watching is not managing.
    expect((await b.request('PATCH', `/api/v1/videos/${videoId}`, { title: 'mine now' })).status).toBe(403);

    expect((await c.request('GET', `/api/v1/videos/${videoId}`)).status).toBe(404);
    expect(await listed(c)).not.toContain(videoId);
    expect(await media(c)).toBe(403);
    const signedOut = await anonymous.request('GET', `/api/v1/videos/${videoId}`);
    const missing = await anonymous.request('GET', '/api/v1/videos/nosuchvideo1');
    expect(signedOut.status).toBe(401);
    expect(signedOut.json).toEqual(missing.json);
  });

  it('whom it is shared with is shown to the owner and admins only', async () => {
    expect((await owner.request('GET', `/api/v1/videos/${videoId}`)).json.shares).toEqual([{ id: bUser.id, email: bUser.email }]);
    expect((await admin.request('GET', `/api/v1/videos/${videoId}`)).json.shares).toEqual([{ id: bUser.id, email: bUser.email }]);
    expect((await b.request('GET', `/api/v1/videos/${videoId}`)).json.shares).toBeNull();
  });

  it('an admin may unshare it: B loses it from sight and list', async () => {
    const res = await admin.request('PATCH', `/api/v1/videos/${videoId}`, { shares: [] });
    expect(res.status).toBe(200);
    expect(res.json.shares).toEqual([]);
    expect((await b.request('GET', `/api/v1/videos/${videoId}`)).status).toBe(404);
    expect(await listed(b)).not.toContain(videoId);
    expect(await mediaBecomes(b, 403)).toBe(403);
  });
});
