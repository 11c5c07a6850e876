import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Visibility } from '../../src/core/model/video.ts';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createFakeVideo, FAKE_PATHS, FAKE_SEGMENT } from './support/fake-video.ts';

/**
 * Who may do what: anonymous, viewer, another uploader, the owner and an admin ×
 * private / unlisted / public × playlist, segment, poster, API GET, PATCH, DELETE, retry.
 * Media requests here carry no playback token: they show what the account alone allows.
 * Every refused write is followed at once by a look at the stored record: it must be exactly
 * as it was (a status code alone would not show a write made before the access check).
 */
type Who = 'anonymous' | 'viewer' | 'other uploader' | 'owner' | 'admin';
type Action = 'playlist' | 'segment' | 'poster' | 'GET' | 'PATCH' | 'DELETE' | 'retry';

const WHO: Who[] = ['anonymous', 'viewer', 'other uploader', 'owner', 'admin'];
const VISIBILITIES: Visibility[] = ['private', 'unlisted', 'public'];

function expected(who: Who, visibility: Visibility, action: Action): number {
  const manages = who === 'owner' || who === 'admin';
  const media = action === 'playlist' || action === 'segment' || action === 'poster';
  if (media) {
    // Whoever has an unlisted video's link may play it, signed in or not.
    if (visibility !== 'private' || manages) return 200;
    return who === 'anonymous' ? 401 : 403;
  }
  if (who === 'anonymous') return action === 'GET' && visibility !== 'private' ? 200 : 401;
  const sees = manages || visibility !== 'private';
  if (action === 'GET') return sees ? 200 : 404;
  if (!sees) return 404; // no existence leak to those who may not see it
  if (!manages) return 403;
  return action === 'PATCH' ? 200 : action === 'retry' ? 202 : 204;
}

describe('access matrix', () => {
  let server: TestServer;
  const clients = {} as Record<Who, ApiClient>;
  let ownerId: string;
  const videos = {} as Record<Visibility, string>;

  beforeAll(async () => {
    server = await startTestServer({ worker: false });
    const owner = await server.createUser('uploader');
    ownerId = owner.id;
    clients.anonymous = new ApiClient(server.url, null);
    clients.viewer = new ApiClient(server.url, (await server.createUser('viewer')).token);
    clients['other uploader'] = new ApiClient(server.url, (await server.createUser('uploader')).token);
    clients.owner = new ApiClient(server.url, owner.token);
    clients.admin = new ApiClient(server.url, (await server.createUser('admin')).token);
    for (const visibility of VISIBILITIES) videos[visibility] = (await createFakeVideo(server, { ownerId, visibility })).id;
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function attempt(who: Who, id: string, action: Action): Promise<number> {
    const client = clients[who];
    const headers: Record<string, string> = client.token ? { Authorization: `Bearer ${client.token}` } : {};
    const media = { playlist: FAKE_PATHS.playlist, segment: FAKE_PATHS.segment, poster: FAKE_PATHS.poster } as Record<string, string>;
    if (action in media) {
      const res = await fetch(`${server.url}/media/${id}/${media[action]}`, { headers });
      await res.arrayBuffer();
      return res.status;
    }
    if (action === 'GET') return (await client.request('GET', `/api/v1/videos/${id}`)).status;
    if (action === 'PATCH') return (await client.request('PATCH', `/api/v1/videos/${id}`, { title: `renamed by ${who}` })).status;
    if (action === 'retry') return (await client.request('POST', `/api/v1/videos/${id}/retry`)).status;
    return (await client.request('DELETE', `/api/v1/videos/${id}`)).status;
  }

  /** Runs a write that must be refused and checks, right after it, that nothing was stored. */
  async function refusedWrite(id: string, write: () => Promise<number>): Promise<number> {
    const before = await server.rt.catalog.getVideo(id);
    const jobs = await server.rt.queue.counts();
    const status = await write();
    expect(await server.rt.catalog.getVideo(id), `the record after a refused write (${status})`).toEqual(before);
    expect(await server.rt.queue.counts(), 'jobs after a refused write').toEqual(jobs);
    return status;
  }

  /** A video whose encode failed, its source still stored: the one state retry accepts. */
  async function createFailedVideo(visibility: Visibility): Promise<string> {
    const video = await createFakeVideo(server, { ownerId, visibility });
    await server.rt.sources.put(video.sourceKey, Buffer.from('source bytes'), { contentType: 'video/mp4' });
    await server.rt.catalog.updateVideo(video.id, { status: 'failed', error: 'the encode failed' });
    return video.id;
  }

  for (const visibility of VISIBILITIES) {
    for (const who of WHO) {
      for (const action of ['playlist', 'segment', 'poster', 'GET'] as Action[]) {
        const status = expected(who, visibility, action);
        it(`${who} × ${visibility} × ${action} → ${status}`, async () => {
          expect(await attempt(who, videos[visibility], action)).toBe(status);
        });
      }
      const patch = expected(who, visibility, 'PATCH');
      it(`${who} × ${visibility} × PATCH → ${patch}`, async () => {
        const id = videos[visibility];
        if (patch !== 200) {
          expect(await refusedWrite(id, () => attempt(who, id, 'PATCH'))).toBe(patch);
        } else {
          expect(await attempt(who, id, 'PATCH')).toBe(200);
          expect((await server.rt.catalog.getVideo(id))?.title).toBe(`renamed by ${who}`);
        }
      });
      const remove = expected(who, visibility, 'DELETE');
      it(`${who} × ${visibility} × DELETE → ${remove}`, async () => {
        const id = (await createFakeVideo(server, { ownerId, visibility })).id;
        if (remove !== 204) {
          expect(await refusedWrite(id, () => attempt(who, id, 'DELETE'))).toBe(remove);
        } else {
          expect(await attempt(who, id, 'DELETE')).toBe(204);
          expect(await server.rt.catalog.getVideo(id)).toBeNull();
        }
        expect((await server.rt.media.list(`${id}/`)).length === 0).toBe(remove === 204);
      });
      const retry = expected(who, visibility, 'retry');
      it(`${who} × ${visibility} × retry → ${retry}`, async () => {
        const id = await createFailedVideo(visibility);
        if (retry !== 202) {
          expect(await refusedWrite(id, () => attempt(who, id, 'retry'))).toBe(retry);
        } else {
          expect(await attempt(who, id, 'retry')).toBe(202);
          expect((await server.rt.catalog.getVideo(id))?.status).toBe('queued');
        }
      });
    }
  }

  it('signed out, public and unlisted videos can be read; private and missing ones answer the same 401', async () => {
    for (const visibility of ['public', 'unlisted'] as const) {
      const res = await clients.anonymous.request('GET', `/api/v1/videos/${videos[visibility]}`);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ id: videos[visibility], visibility, filename: null, sizeBytes: null });
    }
    const refusals = [];
    for (const id of [videos.private, 'nosuchvideo1']) {
      const res = await clients.anonymous.request('GET', `/api/v1/videos/${id}`);
      refusals.push({ status: res.status, body: res.json });
    }
    expect(refusals[0].status).toBe(401);
    expect(refusals[1]).toEqual(refusals[0]);
  });

  it('signed out, an unlisted video plays from the URLs the API hands out: master, media playlist, segment', async () => {
    const view = (await clients.anonymous.request('GET', `/api/v1/videos/${videos.unlisted}`)).json;
    const master = await fetch(view.playback.hls);
    expect(master.status).toBe(200);
    const variant = (await master.text()).split('\n').find((line) => line.includes('720p/index.m3u8'))!;
    const playlist = await fetch(new URL(variant, view.playback.hls));
    expect(playlist.status).toBe(200);
    const segment = (await playlist.text()).split('\n').find((line) => line.includes('seg_00001.m4s'))!;
    const bytes = await fetch(new URL(segment, new URL(variant, view.playback.hls)));
    expect(bytes.status).toBe(200);
    expect(Buffer.from(await bytes.arrayBuffer())).toEqual(FAKE_SEGMENT);
  });

  it("the uploaded file's name and size are the owner's and admins': others who may watch get null, in the video and in lists", async () => {
    const stored = (await server.rt.catalog.getVideo(videos.public))!;
    for (const who of WHO) {
      const one = await clients[who].request('GET', `/api/v1/videos/${videos.public}`);
      expect(one.status).toBe(200);
      const manages = who === 'owner' || who === 'admin';
      expect(one.json).toMatchObject(manages ? { filename: stored.filename, sizeBytes: stored.sourceSize } : { filename: null, sizeBytes: null, error: null });
      if (who === 'anonymous') continue;
      const listed = (await clients[who].request('GET', '/api/v1/videos?limit=100')).json.items.find((v: { id: string }) => v.id === videos.public);
      expect(listed).toMatchObject(manages ? { filename: stored.filename, sizeBytes: stored.sourceSize } : { filename: null, sizeBytes: null });
    }
  });

  it('nobody, not even the owner, can PATCH fields other than title and visibility', async () => {
    for (const body of [{ ownerId: 'someoneelse01' }, { status: 'ready' }, { masterKey: '../../etc/passwd' }, { title: 'x', playable: true }]) {
      for (const who of ['owner', 'admin'] as Who[]) {
        const status = await refusedWrite(videos.public, async () => (await clients[who].request('PATCH', `/api/v1/videos/${videos.public}`, body)).status);
        expect(status).toBe(400);
      }
    }
    expect((await server.rt.catalog.getVideo(videos.public))!.ownerId).toBe(ownerId);
  });

  it('lists show others only public videos', async () => {
    const ids = async (who: Who) => {
      const res = await clients[who].request('GET', '/api/v1/videos?limit=100');
      expect(res.status).toBe(200);
      return new Set<string>(res.json.items.map((v: { id: string }) => v.id));
    };
    expect((await clients.anonymous.request('GET', '/api/v1/videos')).status).toBe(401);
    for (const who of ['viewer', 'other uploader'] as Who[]) {
      const seen = await ids(who);
      expect(seen.has(videos.public)).toBe(true);
      expect(seen.has(videos.unlisted)).toBe(false);
      expect(seen.has(videos.private)).toBe(false);
    }
    for (const who of ['owner', 'admin'] as Who[]) {
      const seen = await ids(who);
      for (const v of VISIBILITIES) expect(seen.has(videos[v])).toBe(true);
    }
  });

  it('a viewer or another uploader cannot make a video public', async () => {
    for (const who of ['viewer', 'other uploader'] as Who[]) {
      const status = await refusedWrite(videos.unlisted, async () => (await clients[who].request('PATCH', `/api/v1/videos/${videos.unlisted}`, { visibility: 'public' })).status);
      expect(status).toBe(403);
    }
    expect((await server.rt.catalog.getVideo(videos.unlisted))!.visibility).toBe('unlisted');
  });

  it('a viewer cannot upload; uploaders and admins can', async () => {
    const body = { filename: 'clip.mp4', size: 100, contentType: 'video/mp4' };
    expect((await clients.viewer.request('POST', '/api/v1/uploads', body)).status).toBe(403);
    expect((await clients.anonymous.request('POST', '/api/v1/uploads', body)).status).toBe(401);
    expect((await clients.owner.request('POST', '/api/v1/uploads', body)).status).toBe(201);
    expect((await clients.admin.request('POST', '/api/v1/uploads', body)).status).toBe(201);
  });

  it("another uploader cannot touch the owner's upload (parts, complete, abort)", async () => {
    const created = await clients.owner.request('POST', '/api/v1/uploads', { filename: 'm.mp4', size: 100, contentType: 'video/mp4', multipart: true });
    expect(created.status).toBe(201);
    const { video, upload } = created.json;
    const other = clients['other uploader'];
    const refused = async (method: string, path: string, body?: unknown) =>
      refusedWrite(video.id, async () => (await other.request(method, path, body)).status);
    expect(await refused('POST', `/api/v1/uploads/${video.id}/parts`, { uploadId: upload.uploadId, partNumbers: [1] })).toBe(404);
    expect(await refused('GET', `/api/v1/uploads/${video.id}/parts?uploadId=${upload.uploadId}`)).toBe(404);
    expect(await refused('POST', `/api/v1/uploads/${video.id}/complete`, {})).toBe(404);
    expect(await refused('DELETE', `/api/v1/uploads/${video.id}?uploadId=${upload.uploadId}`)).toBe(404);
    expect(await server.rt.catalog.getVideo(video.id)).not.toBeNull();
  });
});
