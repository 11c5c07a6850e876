import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVodkitClient, VodkitApiError, type VodkitClient } from '../../src/client/index.ts';
import { newId } from '../../src/core/ids.ts';
import type { Video } from '../../src/core/model/video.ts';
import { makeVideo } from '../conformance/catalog-fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** GET /api/v1/videos with its query parameters, and POST /api/v1/videos/bulk-delete and bulk-update. */
describe('library API: search, filters, orders and bulk actions', () => {
  let server: TestServer;
  let admin: VodkitClient;
  let alice: VodkitClient;
  let bob: VodkitClient;
  let viewer: VodkitClient;
  let aliceId: string;
  let bobId: string;

  beforeAll(async () => {
    server = await startTestServer({ worker: false });
    const client = (token: string) => createVodkitClient({ baseUrl: server.url, token });
    admin = client(server.token);
    const a = await server.createUser('uploader');
    const b = await server.createUser('uploader');
    aliceId = a.id;
    bobId = b.id;
    alice = client(a.token);
    bob = client(b.token);
    viewer = client((await server.createUser('viewer')).token);
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** Stores a video directly (no upload): `n` orders the creation times and the ids (ties are broken by id). */
  const store = (n: number, over: Partial<Video>) =>
    server.rt.catalog.createVideo(makeVideo({ id: `v${String(n).padStart(3, '0')}${newId(8)}`, createdAt: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(), ...over }));

  const list = async (as: VodkitClient, query: Record<string, unknown>) => {
    const { data } = await as.GET('/api/v1/videos', { params: { query: query as never } });
    return data as { items: Array<{ id: string; title: string; status: string; visibility: string; durationSec: number | null }>; nextCursor: string | null };
  };
  /** Every page of a query, by 2. */
  const all = async (as: VodkitClient, query: Record<string, unknown>) => {
    const titles: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await list(as, { ...query, limit: 2, ...(cursor ? { cursor } : {}) });
      titles.push(...page.items.map((v) => v.title));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return titles;
  };
  const status = (p: Promise<unknown>) =>
    p.then(
      () => 200,
      (err: unknown) => (err instanceof VodkitApiError ? err.status : Promise.reject(err)),
    );

  it('searches titles, filters by status and visibility, and sorts by title and duration, page after page', async () => {
    await store(1, { title: 'Lib Été à Paris', ownerId: aliceId, status: 'ready', visibility: 'private', durationSec: 30 });
    await store(2, { title: 'Lib Summer in Paris', ownerId: aliceId, status: 'failed', visibility: 'public', durationSec: null });
    await store(3, { title: 'Lib parisian nights', ownerId: bobId, status: 'ready', visibility: 'public', durationSec: 5 });
    await store(4, { title: 'Lib Bob private Paris', ownerId: bobId, status: 'ready', visibility: 'private', durationSec: 1 });
    await store(5, { title: 'Lib waiting upload', ownerId: aliceId, status: 'uploading', visibility: 'private' });
    await store(6, { title: 'Lib abc', ownerId: aliceId, status: 'processing', visibility: 'unlisted', durationSec: 30 });

    // alice lists her own videos and public ones; never bob's private one.
    expect(await all(alice, { q: 'lib paris' })).toEqual(['Lib parisian nights', 'Lib Summer in Paris', 'Lib Été à Paris']);
    expect(await all(alice, { q: 'LIB ete' })).toEqual(['Lib Été à Paris']);
    expect(await all(admin, { q: 'lib paris', sort: 'title' })).toEqual(['Lib Bob private Paris', 'Lib Été à Paris', 'Lib parisian nights', 'Lib Summer in Paris']);
    expect(await all(alice, { q: 'lib', sort: 'title', order: 'desc' })).toEqual(['Lib waiting upload', 'Lib Summer in Paris', 'Lib parisian nights', 'Lib Été à Paris', 'Lib abc']);
    expect(await all(alice, { q: 'lib', sort: 'duration' })).toEqual(['Lib parisian nights', 'Lib Été à Paris', 'Lib abc', 'Lib Summer in Paris', 'Lib waiting upload']);
    expect(await all(alice, { q: 'lib', sort: 'duration', order: 'desc' })).toEqual(['Lib abc', 'Lib Été à Paris', 'Lib parisian nights', 'Lib waiting upload', 'Lib Summer in Paris']);
    expect(await all(alice, { q: 'lib', sort: 'created', order: 'asc' })).toEqual(['Lib Été à Paris', 'Lib Summer in Paris', 'Lib parisian nights', 'Lib waiting upload', 'Lib abc']);
    expect(await all(alice, { q: 'lib', status: ['ready'] })).toEqual(['Lib parisian nights', 'Lib Été à Paris']);
    expect(await all(alice, { q: 'lib', status: 'ready,failed' })).toEqual(['Lib parisian nights', 'Lib Summer in Paris', 'Lib Été à Paris']);
    expect(await all(alice, { q: 'lib', status: 'waiting' })).toEqual(['Lib waiting upload']);
    expect(await all(alice, { q: 'lib', status: ['uploading', 'processing'] })).toEqual(['Lib abc', 'Lib waiting upload']);
    expect(await all(alice, { q: 'lib', visibility: 'private' })).toEqual(['Lib waiting upload', 'Lib Été à Paris']);
    expect(await all(alice, { q: 'lib', visibility: 'private,unlisted' })).toEqual(['Lib abc', 'Lib waiting upload', 'Lib Été à Paris']);
    expect(await all(admin, { q: 'lib', visibility: ['private'] })).toEqual(['Lib waiting upload', 'Lib Bob private Paris', 'Lib Été à Paris']);
    expect(await all(viewer, { q: 'lib' })).toEqual(['Lib parisian nights', 'Lib Summer in Paris']);
    expect(await all(viewer, { q: 'lib', visibility: 'private' })).toEqual([]);
    expect(await all(alice, { q: '"lib" * paris:' })).toEqual(['Lib parisian nights', 'Lib Summer in Paris', 'Lib Été à Paris']);
  });

  it('refuses unknown values and a cursor of another order with 400', async () => {
    for (const query of [{ sort: 'size' }, { order: 'up' }, { status: 'lost' }, { visibility: 'secret' }, { limit: 0 }, { limit: 101 }, { limit: 'ten' }, { q: 'x'.repeat(201) }, { colour: 'red' }]) {
      expect(await status(alice.GET('/api/v1/videos', { params: { query: query as never } })), JSON.stringify(query)).toBe(400);
    }
    const byTitle = await list(admin, { sort: 'title', limit: 1 });
    expect(byTitle.nextCursor).not.toBeNull();
    expect(await status(admin.GET('/api/v1/videos', { params: { query: { cursor: byTitle.nextCursor } as never } }))).toBe(400);
    expect(await status(admin.GET('/api/v1/videos', { params: { query: { sort: 'title', cursor: byTitle.nextCursor } as never } }))).toBe(200);
  });

  type BulkPath = '/api/v1/videos/bulk-delete' | '/api/v1/videos/bulk-update';
  /** Posts a body, checked or not, to a bulk route. */
  const post = (as: VodkitClient, path: BulkPath, body: Record<string, unknown>) =>
    path === '/api/v1/videos/bulk-delete'
      ? as.POST('/api/v1/videos/bulk-delete', { body: body as { ids: string[] } })
      : as.POST('/api/v1/videos/bulk-update', { body: body as { ids: string[]; visibility: 'public' } });
  const bulk = async (as: VodkitClient, path: BulkPath, body: Record<string, unknown>) => (await post(as, path, body)).data!.results;

  it('bulk-deletes: each video authorized like DELETE /api/v1/videos/:id, with a result per id', async () => {
    const own = await store(10, { title: 'Bulk own', ownerId: aliceId });
    const othersPublic = await store(11, { title: 'Bulk bob public', ownerId: bobId, visibility: 'public' });
    const othersPrivate = await store(12, { title: 'Bulk bob private', ownerId: bobId, visibility: 'private' });
    const unknown = newId();
    const results = await bulk(alice, '/api/v1/videos/bulk-delete', { ids: [own.id, othersPublic.id, othersPrivate.id, unknown, own.id, 'not an id'] });
    expect(results).toEqual([
      { id: own.id, result: 'ok' },
      { id: othersPublic.id, result: 'forbidden' },
      { id: othersPrivate.id, result: 'not_found' },
      { id: unknown, result: 'not_found' },
      { id: 'not an id', result: 'not_found' },
    ]);
    expect(await server.rt.catalog.getVideo(own.id)).toBeNull();
    expect(await server.rt.catalog.getVideo(othersPublic.id)).not.toBeNull();
    expect(await server.rt.catalog.getVideo(othersPrivate.id)).not.toBeNull();
    expect(await bulk(viewer, '/api/v1/videos/bulk-delete', { ids: [othersPublic.id] })).toEqual([{ id: othersPublic.id, result: 'forbidden' }]);
    expect(await bulk(admin, '/api/v1/videos/bulk-delete', { ids: [othersPublic.id, othersPrivate.id] })).toEqual([
      { id: othersPublic.id, result: 'ok' },
      { id: othersPrivate.id, result: 'ok' },
    ]);
    expect(await server.rt.catalog.getVideo(othersPrivate.id)).toBeNull();
  });

  it('bulk-updates the visibility, authorized per video', async () => {
    const own = await store(20, { title: 'Vis own', ownerId: aliceId, visibility: 'private' });
    const others = await store(21, { title: 'Vis bob', ownerId: bobId, visibility: 'public' });
    expect(await bulk(alice, '/api/v1/videos/bulk-update', { ids: [own.id, others.id], visibility: 'unlisted' })).toEqual([
      { id: own.id, result: 'ok' },
      { id: others.id, result: 'forbidden' },
    ]);
    expect((await server.rt.catalog.getVideo(own.id))!.visibility).toBe('unlisted');
    expect((await server.rt.catalog.getVideo(others.id))!.visibility).toBe('public');
    expect(await bulk(admin, '/api/v1/videos/bulk-update', { ids: [others.id], visibility: 'private' })).toEqual([{ id: others.id, result: 'ok' }]);
    expect((await server.rt.catalog.getVideo(others.id))!.visibility).toBe('private');
  });

  it('refuses a bulk body without ids, with more than 100, or an unknown visibility; signed out is 401', async () => {
    const ids = (n: number) => Array.from({ length: n }, () => newId());
    for (const [path, body] of [
      ['/api/v1/videos/bulk-delete', { ids: [] }],
      ['/api/v1/videos/bulk-delete', { ids: ids(101) }],
      ['/api/v1/videos/bulk-delete', {}],
      ['/api/v1/videos/bulk-update', { ids: ids(1) }],
      ['/api/v1/videos/bulk-update', { ids: ids(1), visibility: 'secret' }],
      ['/api/v1/videos/bulk-update', { ids: ids(1), visibility: 'public', title: 'x' }],
    ] as const) {
      expect(await status(post(alice, path, body)), `${path} ${JSON.stringify(body).slice(0, 60)}`).toBe(400);
    }
    expect((await bulk(alice, '/api/v1/videos/bulk-delete', { ids: ids(100) })).every((r) => r.result === 'not_found')).toBe(true);
    const anonymous = await fetch(`${server.url}/api/v1/videos/bulk-delete`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ids: ids(1) }) });
    expect(anonymous.status).toBe(401);
  });

  it('lists an upload that never arrived as waiting for upload, and deletes it', async () => {
    const { data } = await alice.POST('/api/v1/uploads', { body: { filename: 'never-sent.mp4', size: 1000, contentType: 'video/mp4' } as never });
    const id = (data as { video: { id: string } }).video.id;
    const waiting = await list(alice, { status: 'waiting' });
    expect(waiting.items.map((v) => v.id)).toContain(id);
    expect(waiting.items.every((v) => v.status === 'uploading')).toBe(true);
    await alice.videos.delete(id);
    expect((await list(alice, { status: 'waiting' })).items.map((v) => v.id)).not.toContain(id);
    expect(await server.rt.catalog.getVideo(id)).toBeNull();
  });

  it('documents the query parameters and the bulk routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { parameters?: Array<{ name: string }> }>> };
    expect(doc.paths['/api/v1/videos']!.get!.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(['q', 'status', 'visibility', 'sort', 'order', 'limit', 'cursor']));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/videos/bulk-delete', '/api/v1/videos/bulk-update', '/api/v1/videos/{id}/retry']));
  });
});
