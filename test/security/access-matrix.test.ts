import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Visibility } from '../../src/core/model/video.ts';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createFakeVideo, FAKE_PATHS } from './support/fake-video.ts';

/**
 * Who may do what: anonymous, viewer, another uploader, the owner and an admin ×
 * private / unlisted / public × playlist, segment, poster, API GET, PATCH, DELETE.
 * Media requests here carry no playback token: they show what the account alone allows.
 */
type Who = 'anonymous' | 'viewer' | 'other uploader' | 'owner' | 'admin';
type Action = 'playlist' | 'segment' | 'poster' | 'GET' | 'PATCH' | 'DELETE';

const WHO: Who[] = ['anonymous', 'viewer', 'other uploader', 'owner', 'admin'];
const VISIBILITIES: Visibility[] = ['private', 'unlisted', 'public'];

function expected(who: Who, visibility: Visibility, action: Action): number {
  const manages = who === 'owner' || who === 'admin';
  const media = action === 'playlist' || action === 'segment' || action === 'poster';
  if (media) {
    if (visibility === 'public' || manages) return 200;
    if (who === 'anonymous') return 401;
    return visibility === 'unlisted' ? 200 : 403;
  }
  if (who === 'anonymous') return action === 'GET' && visibility === 'public' ? 200 : 401;
  const sees = manages || visibility !== 'private';
  if (action === 'GET') return sees ? 200 : 404;
  if (!sees) return 404; // no existence leak to those who may not see it
  if (!manages) return 403;
  return action === 'PATCH' ? 200 : 204;
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
    return (await client.request('DELETE', `/api/v1/videos/${id}`)).status;
  }

  for (const visibility of VISIBILITIES) {
    for (const who of WHO) {
      for (const action of ['playlist', 'segment', 'poster', 'GET', 'PATCH'] as Action[]) {
        const status = expected(who, visibility, action);
        it(`${who} × ${visibility} × ${action} → ${status}`, async () => {
          expect(await attempt(who, videos[visibility], action)).toBe(status);
        });
      }
      const status = expected(who, visibility, 'DELETE');
      it(`${who} × ${visibility} × DELETE → ${status}`, async () => {
        const id = (await createFakeVideo(server, { ownerId, visibility })).id;
        expect(await attempt(who, id, 'DELETE')).toBe(status);
        const still = await server.rt.catalog.getVideo(id);
        expect(still === null).toBe(status === 204);
        expect((await server.rt.media.list(`${id}/`)).length === 0).toBe(status === 204);
      });
    }
  }

  it('signed out, a public video can be read; unlisted, private and missing ones answer the same 401', async () => {
    const pub = await clients.anonymous.request('GET', `/api/v1/videos/${videos.public}`);
    expect(pub.status).toBe(200);
    expect(pub.json).toMatchObject({ id: videos.public, visibility: 'public' });
    const refusals = [];
    for (const id of [videos.unlisted, videos.private, 'nosuchvideo1']) {
      const res = await clients.anonymous.request('GET', `/api/v1/videos/${id}`);
      refusals.push({ status: res.status, body: res.json });
    }
    expect(refusals[0].status).toBe(401);
    expect(refusals[1]).toEqual(refusals[0]);
    expect(refusals[2]).toEqual(refusals[0]);
  });

  it('refused PATCHes change nothing', async () => {
    const video = await server.rt.catalog.getVideo(videos.private);
    expect(video!.title).toMatch(/^renamed by (owner|admin)$|^fake private$/);
    const unlisted = await server.rt.catalog.getVideo(videos.unlisted);
    expect(unlisted!.title).not.toMatch(/viewer|other uploader|anonymous/);
  });

  it('nobody, not even the owner, can PATCH fields other than title and visibility', async () => {
    for (const body of [{ ownerId: 'someoneelse01' }, { status: 'ready' }, { masterKey: '../../etc/passwd' }, { title: 'x', playable: true }]) {
      expect((await clients.owner.request('PATCH', `/api/v1/videos/${videos.public}`, body)).status).toBe(400);
      expect((await clients.admin.request('PATCH', `/api/v1/videos/${videos.public}`, body)).status).toBe(400);
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
      expect((await clients[who].request('PATCH', `/api/v1/videos/${videos.unlisted}`, { visibility: 'public' })).status).toBe(403);
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
    expect((await other.request('POST', `/api/v1/uploads/${video.id}/parts`, { uploadId: upload.uploadId, partNumbers: [1] })).status).toBe(404);
    expect((await other.request('GET', `/api/v1/uploads/${video.id}/parts?uploadId=${upload.uploadId}`)).status).toBe(404);
    expect((await other.request('POST', `/api/v1/uploads/${video.id}/complete`, {})).status).toBe(404);
    expect((await other.request('DELETE', `/api/v1/uploads/${video.id}?uploadId=${upload.uploadId}`)).status).toBe(404);
    expect(await server.rt.catalog.getVideo(video.id)).not.toBeNull();
  });
});
