import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../src/core/errors.ts';
import type { Rendition, Video, VideoPatch } from '../../src/core/model/video.ts';
import type { Catalog, ListVideosQuery } from '../../src/core/ports/catalog.ts';
import { at, b64, type CatalogUnderTest, fullVideo, ISO_MS, listAll, makeVideo, newestFirst, RENDITIONS } from './catalog-fixtures.ts';

/** Catalog contract, part of catalog-suite.ts: videos (create, read, update, delete, and listing with filters and cursors). */
export function videoCases(current: () => CatalogUnderTest): void {
  let catalog: Catalog;
  beforeEach(() => {
    ({ catalog } = current());
  });

  describe('videos', () => {
    it('createVideo returns the stored video and getVideo reads back every field exactly', async () => {
      const v = fullVideo();
      expect(await catalog.createVideo(v)).toEqual(v);
      expect(await catalog.getVideo(v.id)).toEqual(v);
      const minimal = makeVideo();
      await catalog.createVideo(minimal);
      expect(await catalog.getVideo(minimal.id)).toEqual(minimal);
    });

    it('getVideo returns null for an unknown id', async () => {
      expect(await catalog.getVideo('no-such-video')).toBeNull();
    });

    it('createVideo with an existing id throws ConflictError and keeps the original', async () => {
      const v = makeVideo({ title: 'original' });
      await catalog.createVideo(v);
      await expect(catalog.createVideo({ ...v, title: 'duplicate' })).rejects.toBeInstanceOf(ConflictError);
      expect((await catalog.getVideo(v.id))?.title).toBe('original');
    });

    it('returns timestamps as UTC ISO strings with millisecond precision', async () => {
      const v = await catalog.createVideo(makeVideo({ createdAt: '2026-03-04T05:06:07Z', updatedAt: '2026-03-04T07:06:07.123+02:00' }));
      expect(v.createdAt).toBe('2026-03-04T05:06:07.000Z');
      expect(v.updatedAt).toBe('2026-03-04T05:06:07.123Z');
      expect(await catalog.getVideo(v.id)).toEqual(v);
      const updated = await catalog.updateVideo(v.id, { title: 't' });
      expect(updated?.updatedAt).toMatch(ISO_MS);
      expect(updated?.createdAt).toBe('2026-03-04T05:06:07.000Z');
      const listed = await catalog.listVideos({ limit: 10 });
      expect(listed.items[0].createdAt).toMatch(ISO_MS);
      expect(listed.items[0].updatedAt).toMatch(ISO_MS);
    });

    it('createVideo rejects malformed values with ValidationError and stores nothing', async () => {
      const bad: Array<Partial<Video>> = [
        { createdAt: 'yesterday' },
        { createdAt: '2026-01-01 10:00:00' },
        { updatedAt: '2026-13-45T99:00:00Z' },
        { status: 'bogus' as Video['status'] },
        { visibility: 'secret' as Video['visibility'] },
        { progress: Number.NaN },
        { renditions: 'nope' as unknown as Rendition[] },
      ];
      for (const over of bad) {
        const v = makeVideo(over);
        await expect(catalog.createVideo(v), JSON.stringify(over)).rejects.toBeInstanceOf(ValidationError);
        expect(await catalog.getVideo(v.id)).toBeNull();
      }
    });

    it('stores encrypted (false when absent) through create, update and get', async () => {
      const plain = await catalog.createVideo(makeVideo());
      expect(plain.encrypted ?? false).toBe(false);
      const v = await catalog.createVideo(makeVideo({ encrypted: true }));
      expect(v.encrypted).toBe(true);
      expect((await catalog.getVideo(v.id))?.encrypted).toBe(true);
      expect((await catalog.updateVideo(v.id, { encrypted: false }))?.encrypted ?? false).toBe(false);
      expect((await catalog.getVideo(v.id))?.encrypted ?? false).toBe(false);
      await expect(catalog.updateVideo(v.id, { encrypted: 'yes' as never })).rejects.toBeInstanceOf(ValidationError);
    });

    it('stores retryable (true when absent) through create, update and get', async () => {
      const v = await catalog.createVideo(makeVideo());
      expect(v.retryable ?? true).toBe(true);
      const failed = await catalog.updateVideo(v.id, { status: 'failed', error: 'not a video or audio file', retryable: false });
      expect(failed?.retryable).toBe(false);
      expect((await catalog.getVideo(v.id))?.retryable).toBe(false);
      expect((await catalog.updateVideo(v.id, { retryable: true }))?.retryable ?? true).toBe(true);
      expect((await catalog.getVideo(v.id))?.retryable ?? true).toBe(true);
      await expect(catalog.updateVideo(v.id, { retryable: 'no' as never })).rejects.toBeInstanceOf(ValidationError);
    });

    it('round-trips renditions JSON exactly through create, update and list', async () => {
      const v = await catalog.createVideo(makeVideo({ renditions: RENDITIONS }));
      expect(v.renditions).toEqual(RENDITIONS);
      const reversed = [...RENDITIONS].reverse();
      const updated = await catalog.updateVideo(v.id, { renditions: reversed });
      expect(updated?.renditions).toEqual(reversed);
      expect((await catalog.getVideo(v.id))?.renditions).toEqual(reversed);
      expect((await catalog.listVideos({ limit: 1 })).items[0].renditions).toEqual(reversed);
      expect((await catalog.updateVideo(v.id, { renditions: [] }))?.renditions).toEqual([]);
    });

    it('stores captions, storyboard, download, DASH and poster time (absent when never set) through create, update, get and list', async () => {
      const plain = await catalog.createVideo(makeVideo());
      for (const key of ['captions', 'storyboard', 'downloadKey', 'dashKey', 'posterTimeSec'] as const) expect(plain[key] ?? null).toBeNull();
      const captions = [
        { language: 'en', label: 'English', vttKey: `${plain.id}/captions/en.vtt`, playlistKey: `${plain.id}/captions/en.m3u8`, source: 'api' as const },
        { language: 'pt-BR', label: 'Português (Brasil) "1"', vttKey: `${plain.id}/captions/pt-BR.vtt`, playlistKey: `${plain.id}/captions/pt-BR.m3u8`, source: 'upload' as const },
      ];
      const storyboard = { vttKey: `${plain.id}/storyboard/storyboard.vtt`, imageKey: `${plain.id}/storyboard/storyboard.jpg` };
      const patched = { captions, storyboard, downloadKey: `${plain.id}/download.mp4`, dashKey: `${plain.id}/manifest.mpd`, posterTimeSec: 12.5 };
      const updated = await catalog.updateVideo(plain.id, patched);
      expect(updated).toMatchObject(patched);
      expect(await catalog.getVideo(plain.id)).toMatchObject(patched);
      expect((await catalog.listVideos({ limit: 1 })).items[0]).toMatchObject(patched);
      const created = await catalog.createVideo(makeVideo(patched));
      expect(await catalog.getVideo(created.id)).toMatchObject(patched);
      const cleared = await catalog.updateVideo(plain.id, { captions: null, storyboard: null, downloadKey: null, dashKey: null, posterTimeSec: null });
      for (const key of ['captions', 'storyboard', 'downloadKey', 'dashKey', 'posterTimeSec'] as const) expect(cleared?.[key] ?? null).toBeNull();
      await expect(catalog.updateVideo(plain.id, { captions: 'en' as never })).rejects.toThrow(/captions/);
    });

    it('stores whether a video gets a download: absent (the default) when never set, true or false, back to absent with null', async () => {
      const plain = await catalog.createVideo(makeVideo());
      expect(plain.downloads ?? null).toBeNull();
      expect((await catalog.getVideo(plain.id))?.downloads ?? null).toBeNull();
      for (const downloads of [true, false]) {
        expect((await catalog.updateVideo(plain.id, { downloads }))?.downloads).toBe(downloads);
        expect((await catalog.getVideo(plain.id))?.downloads).toBe(downloads);
        expect((await catalog.listVideos({ limit: 1 })).items[0].downloads).toBe(downloads);
      }
      const created = await catalog.createVideo(makeVideo({ downloads: false }));
      expect((await catalog.getVideo(created.id))?.downloads).toBe(false);
      const cleared = await catalog.updateVideo(plain.id, { downloads: null });
      expect(cleared?.downloads ?? null).toBeNull();
      expect('downloads' in (await catalog.getVideo(plain.id))!).toBe(false);
      await expect(catalog.updateVideo(plain.id, { downloads: 'yes' as never })).rejects.toThrow(/downloads/);
    });

    it('updateVideo applies the patch, keeps other fields and createdAt, and bumps updatedAt', async () => {
      const v = await catalog.createVideo(fullVideo({ status: 'processing', createdAt: at(0), updatedAt: at(0) }));
      const before = Date.now();
      const updated = await catalog.updateVideo(v.id, { status: 'ready', progress: 1, playable: true, durationSec: 3.5 });
      const after = Date.now();
      expect(updated).not.toBeNull();
      const { updatedAt, ...rest } = updated!;
      expect(rest).toEqual({ ...v, status: 'ready', progress: 1, playable: true, durationSec: 3.5, updatedAt: undefined });
      expect(Date.parse(updatedAt)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(updatedAt)).toBeLessThanOrEqual(after);
      expect(await catalog.getVideo(v.id)).toEqual(updated);
    });

    it('updateVideo returns null for an unknown id', async () => {
      expect(await catalog.updateVideo('no-such-video', { title: 'x' })).toBeNull();
      expect(await catalog.updateVideo('no-such-video', { title: 'x' }, { expectStatus: ['uploading'] })).toBeNull();
    });

    it('updateVideo with expectStatus applies only when the current status matches', async () => {
      const v = await catalog.createVideo(makeVideo({ status: 'uploading' }));
      const queued = await catalog.updateVideo(v.id, { status: 'queued' }, { expectStatus: ['uploading', 'failed'] });
      expect(queued?.status).toBe('queued');
      expect(await catalog.updateVideo(v.id, { status: 'processing', title: 'no' }, { expectStatus: ['uploading'] })).toBeNull();
      expect(await catalog.getVideo(v.id)).toEqual(queued);
      expect(await catalog.updateVideo(v.id, { title: 'never' }, { expectStatus: [] })).toBeNull();
      expect(await catalog.getVideo(v.id)).toEqual(queued);
      await expect(
        catalog.updateVideo(v.id, { title: 'x' }, { expectStatus: ['nope' as Video['status']] }),
      ).rejects.toBeInstanceOf(ValidationError);
    });

    it('updateVideo sets fields to null, skips undefined values and ignores id and createdAt', async () => {
      const v = await catalog.createVideo(fullVideo());
      const patch = { error: null, ownerId: null, masterKey: null, width: null, title: undefined, id: 'other', createdAt: at(5) } as VideoPatch;
      const updated = await catalog.updateVideo(v.id, patch);
      expect(updated).toMatchObject({ id: v.id, createdAt: v.createdAt, title: v.title, error: null, ownerId: null, masterKey: null, width: null });
      expect(await catalog.getVideo('other')).toBeNull();
    });

    it('updateVideo rejects invalid values with ValidationError and changes nothing', async () => {
      const v = await catalog.createVideo(makeVideo());
      for (const patch of [{ status: 'bogus' }, { progress: 'half' }, { playable: 'yes' }, { width: 1.5 }, { renditions: [{ name: 1 }] }]) {
        await expect(catalog.updateVideo(v.id, patch as VideoPatch), JSON.stringify(patch)).rejects.toBeInstanceOf(ValidationError);
      }
      expect(await catalog.getVideo(v.id)).toEqual(v);
    });

    it('lets exactly one of 20 concurrent compare-and-set updates win', async () => {
      const v = await catalog.createVideo(makeVideo({ status: 'uploading' }));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => catalog.updateVideo(v.id, { status: 'queued', title: `winner ${i}` }, { expectStatus: ['uploading'] })),
      );
      const winners = results.filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      const stored = await catalog.getVideo(v.id);
      expect(stored?.status).toBe('queued');
      expect(stored?.title).toBe(winners[0]?.title);
    });

    it('deleteVideo returns true once, then false, and the video is gone', async () => {
      const v = await catalog.createVideo(makeVideo());
      expect(await catalog.deleteVideo(v.id)).toBe(true);
      expect(await catalog.getVideo(v.id)).toBeNull();
      expect(await catalog.deleteVideo(v.id)).toBe(false);
      expect((await catalog.listVideos({ limit: 10 })).items).toEqual([]);
    });

    it('deleteVideo with expectStatus deletes only when the current status matches', async () => {
      const v = await catalog.createVideo(makeVideo({ status: 'queued' }));
      expect(await catalog.deleteVideo(v.id, { expectStatus: ['uploading'] })).toBe(false);
      expect(await catalog.deleteVideo(v.id, { expectStatus: [] })).toBe(false);
      expect(await catalog.getVideo(v.id)).toEqual(v);
      await expect(catalog.deleteVideo(v.id, { expectStatus: ['nope' as Video['status']] })).rejects.toBeInstanceOf(ValidationError);
      expect(await catalog.deleteVideo(v.id, { expectStatus: ['uploading', 'queued'] })).toBe(true);
      expect(await catalog.getVideo(v.id)).toBeNull();
      expect(await catalog.deleteVideo(v.id, { expectStatus: ['queued'] })).toBe(false);
    });
  });

  describe('listVideos', () => {
    it('lists nothing in an empty catalog', async () => {
      expect(await catalog.listVideos({ limit: 10 })).toEqual({ items: [], nextCursor: null });
    });

    it('pages 250 videos by 7, newest first, with no duplicates or gaps', async () => {
      const videos: Video[] = [];
      for (let i = 0; i < 250; i++) {
        // Groups of three share a createdAt, so ties are broken by id; ids are not in time order.
        const n = (i * 7919) % 250;
        videos.push(makeVideo({ id: `p${String(n).padStart(3, '0')}`, createdAt: at(Math.floor(n / 3) * 1000) }));
      }
      for (const v of videos) await catalog.createVideo(v);
      const expected = [...videos].sort(newestFirst).map((v) => v.id);
      const { ids, pages } = await listAll(catalog, { limit: 7 });
      expect(new Set(ids).size).toBe(250);
      expect(ids).toEqual(expected);
      expect(pages).toBe(36);
      const first = await catalog.listVideos({ limit: 1 });
      expect(first.items[0]).toEqual(videos.find((v) => v.id === expected[0]));
    });

    it('returns nextCursor null on the last page, also when it is full', async () => {
      for (let i = 0; i < 14; i++) await catalog.createVideo(makeVideo({ createdAt: at(i) }));
      const p1 = await catalog.listVideos({ limit: 7 });
      expect(p1.items).toHaveLength(7);
      expect(p1.nextCursor).toEqual(expect.any(String));
      const p2 = await catalog.listVideos({ limit: 7, cursor: p1.nextCursor });
      expect(p2.items).toHaveLength(7);
      expect(p2.nextCursor).toBeNull();
      const all = await catalog.listVideos({ limit: 100, cursor: null });
      expect(all.items).toHaveLength(14);
      expect(all.nextCursor).toBeNull();
    });

    it('keeps pages stable when videos are inserted or deleted between requests', async () => {
      const originals: Video[] = [];
      for (let i = 0; i < 20; i++) originals.push(await catalog.createVideo(makeVideo({ id: `s-${String(i).padStart(2, '0')}`, createdAt: at(i * 1000) })));
      const p1 = await catalog.listVideos({ limit: 5 });
      expect(p1.items.map((v) => v.id)).toEqual(['s-19', 's-18', 's-17', 's-16', 's-15']);
      // Newer, and same time as the cursor but sorting before it: both belong to pages already read.
      await catalog.createVideo(makeVideo({ id: 'new', createdAt: at(100_000) }));
      await catalog.createVideo(makeVideo({ id: 's-15b', createdAt: at(15_000) }));
      // Same time as the cursor but sorting after it, and older than everything: both still to come.
      await catalog.createVideo(makeVideo({ id: 's-10-tie', createdAt: at(15_000) }));
      await catalog.createVideo(makeVideo({ id: 'old', createdAt: at(-100_000) }));
      // The cursor's own video and a not-yet-read one are deleted.
      await catalog.deleteVideo('s-15');
      await catalog.deleteVideo('s-03');
      const rest: string[] = [];
      let cursor = p1.nextCursor;
      while (cursor !== null) {
        const page = await catalog.listVideos({ limit: 5, cursor });
        rest.push(...page.items.map((v) => v.id));
        cursor = page.nextCursor;
      }
      const expected = ['s-10-tie', ...originals.slice(0, 15).reverse().map((v) => v.id).filter((id) => id !== 's-03'), 'old'];
      expect(rest).toEqual(expected);
    });

    it('rejects a limit outside 1..100 with ValidationError', async () => {
      for (const limit of [0, -1, 101, 1.5, Number.NaN, '10' as unknown as number]) {
        await expect(catalog.listVideos({ limit }), String(limit)).rejects.toBeInstanceOf(ValidationError);
      }
      await catalog.createVideo(makeVideo());
      expect((await catalog.listVideos({ limit: 1 })).items).toHaveLength(1);
      expect((await catalog.listVideos({ limit: 100 })).items).toHaveLength(1);
    });

    it('rejects a malformed cursor with ValidationError', async () => {
      const cursors = ['', 'not a cursor!', 'abc+/=', b64('hello'), b64('[1,2]'), b64('{"a":1}'), b64('["yesterday","x"]'), b64('["2026-01-01T00:00:00.000Z"]'), b64('null')];
      for (const cursor of cursors) {
        await expect(catalog.listVideos({ limit: 5, cursor }), cursor).rejects.toBeInstanceOf(ValidationError);
      }
    });

    it('filters by status, owner and visibility ("mine or public"), also across pages', async () => {
      const owners = ['alice', 'bob', null];
      const statuses: Video['status'][] = ['uploading', 'queued', 'processing', 'ready', 'failed'];
      const visibilities: Video['visibility'][] = ['private', 'unlisted', 'public'];
      const videos: Video[] = [];
      for (let i = 0; i < 45; i++) {
        videos.push(
          await catalog.createVideo(
            makeVideo({ id: `f${String(i).padStart(2, '0')}`, ownerId: owners[i % 3], status: statuses[i % 5], visibility: visibilities[Math.floor(i / 3) % 3], createdAt: at(i % 9) }),
          ),
        );
      }
      const check = async (query: Omit<ListVideosQuery, 'limit' | 'cursor'>, keep: (v: Video) => boolean) => {
        const expected = videos.filter(keep).sort(newestFirst).map((v) => v.id);
        expect((await catalog.listVideos({ ...query, limit: 100 })).items.map((v) => v.id), JSON.stringify(query)).toEqual(expected);
        expect((await listAll(catalog, { ...query, limit: 2 })).ids, JSON.stringify(query)).toEqual(expected);
        return expected.length;
      };
      expect(await check({ status: ['ready'] }, (v) => v.status === 'ready')).toBe(9);
      await check({ status: ['ready', 'failed'] }, (v) => v.status === 'ready' || v.status === 'failed');
      expect(await check({ ownerId: 'alice' }, (v) => v.ownerId === 'alice')).toBe(15);
      await check({ visibility: ['public'] }, (v) => v.visibility === 'public');
      await check({ visibility: ['public', 'unlisted'] }, (v) => v.visibility !== 'private');
      const mineOrPublic = await check({ ownerId: 'alice', visibility: ['public'] }, (v) => v.ownerId === 'alice' || v.visibility === 'public');
      expect(mineOrPublic).toBeGreaterThan(15);
      await check({ ownerId: 'bob', visibility: ['public'], status: ['ready', 'queued'] }, (v) => (v.ownerId === 'bob' || v.visibility === 'public') && (v.status === 'ready' || v.status === 'queued'));
      await check({ status: [] }, () => false);
      await check({ visibility: [] }, () => false);
      await check({ ownerId: 'alice', visibility: [] }, (v) => v.ownerId === 'alice');
      await check({ ownerId: 'nobody' }, () => false);
      await expect(catalog.listVideos({ limit: 5, status: ['bogus' as Video['status']] })).rejects.toBeInstanceOf(ValidationError);
      await expect(catalog.listVideos({ limit: 5, visibility: ['secret' as Video['visibility']] })).rejects.toBeInstanceOf(ValidationError);
    });

    it('stores shares (absent when never set) and lists videos shared with a user, OR with owner and visibility, across pages', async () => {
      const plain = await catalog.createVideo(makeVideo({ id: 'sh00', ownerId: 'alice', visibility: 'private', createdAt: at(0) }));
      expect(plain.shares ?? null).toBeNull();
      expect((await catalog.getVideo(plain.id))!.shares ?? null).toBeNull();
      const videos: Video[] = [plain];
      for (let i = 1; i < 12; i++) {
        const shares = i % 3 === 0 ? ['carol'] : i % 3 === 1 ? ['dave', 'carol'] : null;
        videos.push(await catalog.createVideo(makeVideo({ id: `sh${String(i).padStart(2, '0')}`, ownerId: i % 2 ? 'alice' : 'bob', visibility: i % 4 === 0 ? 'public' : 'private', createdAt: at(i % 5), shares })));
      }
      expect((await catalog.getVideo('sh01'))!.shares).toEqual(['dave', 'carol']);
      // A share added, changed and removed by update.
      expect((await catalog.updateVideo('sh00', { shares: ['carol'] }))!.shares).toEqual(['carol']);
      videos[0] = (await catalog.getVideo('sh00'))!;
      expect(videos[0].shares).toEqual(['carol']);
      const check = async (query: Omit<ListVideosQuery, 'limit' | 'cursor'>, keep: (v: Video) => boolean) => {
        const expected = videos.filter(keep).sort(newestFirst).map((v) => v.id);
        expect((await catalog.listVideos({ ...query, limit: 100 })).items.map((v) => v.id), JSON.stringify(query)).toEqual(expected);
        expect((await listAll(catalog, { ...query, limit: 2 })).ids, JSON.stringify(query)).toEqual(expected);
        return expected.length;
      };
      const has = (v: Video, user: string) => (v.shares ?? []).includes(user);
      expect(await check({ sharedWith: 'carol' }, (v) => has(v, 'carol'))).toBe(8);
      expect(await check({ sharedWith: 'dave' }, (v) => has(v, 'dave'))).toBe(4);
      await check({ sharedWith: 'car' }, () => false);
      await check({ visibility: ['public'], sharedWith: 'dave' }, (v) => v.visibility === 'public' || has(v, 'dave'));
      await check({ ownerId: 'bob', visibility: ['public'], sharedWith: 'dave' }, (v) => v.ownerId === 'bob' || v.visibility === 'public' || has(v, 'dave'));
      await check({ ownerId: 'bob', visibility: [], sharedWith: 'dave', status: ['ready'] }, (v) => (v.ownerId === 'bob' || has(v, 'dave')) && v.status === 'ready');
      expect((await catalog.updateVideo('sh01', { shares: null }))!.shares ?? null).toBeNull();
      videos[1] = (await catalog.getVideo('sh01'))!;
      await check({ sharedWith: 'dave' }, (v) => has(v, 'dave'));
    });
  });
}
