import { beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.ts';
import type { Video } from '../../src/core/model/video.ts';
import type { Catalog, ListVideosQuery } from '../../src/core/ports/catalog.ts';
import { at, type CatalogUnderTest, listAll, makeVideo, newestFirst } from './catalog-fixtures.ts';

/** Byte order of two ASCII keys, then the id: the SQL catalogs' and DynamoDB's order. */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Catalog contract, part of catalog-suite.ts: listing with a title search and in the other
 * orders (title, duration, oldest first), page after page.
 */
export function listCases(current: () => CatalogUnderTest): void {
  let catalog: Catalog;
  beforeEach(() => {
    ({ catalog } = current());
  });

  /** Lists with `query` in one page and in pages of 2, both in the expected order. */
  const expectList = async (query: Omit<ListVideosQuery, 'limit' | 'cursor'>, expected: string[]) => {
    expect((await catalog.listVideos({ ...query, limit: 100 })).items.map((v) => v.id), JSON.stringify(query)).toEqual(expected);
    expect((await listAll(catalog, { ...query, limit: 2 })).ids, `${JSON.stringify(query)} by 2`).toEqual(expected);
  };

  describe('listVideos: search and order', () => {
    const titles: Record<string, string> = {
      t1: 'Été à Paris',
      t2: 'ETE indien',
      t3: 'Summer in Paris',
      t4: 'parisian nights',
      t5: 'Café "quoted" OR NEAR(x) *star* \'single\' a:b & !c \\',
      t6: "l'été",
      t7: 'Naïve Übung',
      t8: 'x264 test 2026',
    };
    const search = async (text: string, expected: string[], extra: Omit<ListVideosQuery, 'limit' | 'cursor'> = {}) =>
      expectList({ ...extra, search: text }, [...expected].sort().reverse());
    const seed = async () => {
      let i = 0;
      for (const [id, title] of Object.entries(titles)) {
        await catalog.createVideo(makeVideo({ id, title, ownerId: i % 2 ? 'alice' : 'bob', status: i % 3 ? 'ready' : 'failed', createdAt: at(Number(id.slice(1)) * 1000) }));
        i += 1;
      }
    };

    it('search: every word begins a word of the title, case and accents aside', async () => {
      await seed();
      await search('paris', ['t1', 't3', 't4']);
      await search('PARIS ete', ['t1']);
      await search('été', ['t1', 't2', 't6']);
      await search('ETE', ['t1', 't2', 't6']);
      await search('in', ['t2', 't3']);
      await search('ari', []);
      await search('nai ub', ['t7']);
      await search('naïve ÜBUNG', ['t7']);
      await search('paris nowhere', []);
      await search('x26 2026', ['t8']);
      await search('  ', ['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8']);
      await search('', ['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8']);
    });

    it('search: quotes, operators and punctuation in the text are words or separators, never query syntax', async () => {
      await seed();
      await search('"quoted" OR', ['t5']);
      await search('near(', ['t5']);
      await search('*star', ['t5']);
      await search("'single' a:b", ['t5']);
      await search('& ! \\ c', ['t5']);
      await search('*', ['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8']);
      await search("'; DROP TABLE videos; --", []);
      await search('NOT paris', []);
      await search('paris OR summer', []);
      expect((await catalog.listVideos({ limit: 100 })).items).toHaveLength(8);
    });

    it('search: with the other filters, and follows title changes and deletions', async () => {
      await seed();
      await search('paris', ['t4'], { ownerId: 'alice' });
      await search('paris', ['t3'], { status: ['ready'] });
      await search('ete', ['t1'], { ownerId: 'bob', visibility: ['public'] });
      await catalog.updateVideo('t2', { visibility: 'public' });
      await catalog.updateVideo('t6', { visibility: 'unlisted' });
      await search('ete', ['t1', 't2'], { ownerId: 'bob', visibility: ['public'] });
      await search('ete', ['t2'], { ownerId: 'bob', visibility: ['public'], onlyVisibility: ['public', 'unlisted'] });
      await search('ete', ['t2', 't6'], { onlyVisibility: ['public', 'unlisted'] });
      await search('ete', [], { onlyVisibility: [] });
      await expectList({ ownerId: 'bob', onlyVisibility: ['private'] }, ['t7', 't5', 't3', 't1']);
      await catalog.updateVideo('t3', { title: 'Winter in Berlin' });
      await catalog.updateVideo('t8', { progress: 0.5 });
      await search('paris', ['t1', 't4']);
      await search('berl wint', ['t3']);
      await search('x264', ['t8']);
      await catalog.deleteVideo('t1');
      await search('paris', ['t4']);
      await catalog.createVideo(makeVideo({ id: 't9', title: 'Paris again', createdAt: at(9000) }));
      await search('paris', ['t4', 't9']);
    });

    it('sorts by title (folded words, then id), both orders, page after page', async () => {
      const titles = ['banana', 'Apple', 'apple pie', 'Éclair', 'cherry', 'Apple', 'apple', '', 'Zebra!', 'zèbre'];
      const videos: Video[] = [];
      for (const [i, title] of titles.entries()) videos.push(await catalog.createVideo(makeVideo({ id: `ti${i}`, title, createdAt: at(i) })));
      const key = (v: Video) => v.title.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().match(/[\p{L}\p{N}]+/gu)?.join(' ') ?? '';
      const asc = [...videos].sort((a, b) => cmp(key(a), key(b)) || cmp(a.id, b.id)).map((v) => v.id);
      expect(asc.slice(0, 5)).toEqual(['ti7', 'ti1', 'ti5', 'ti6', 'ti2']);
      await expectList({ sort: 'title' }, asc);
      await expectList({ sort: 'title', order: 'asc' }, asc);
      await expectList({ sort: 'title', order: 'desc' }, [...asc].reverse());
      await expectList({ sort: 'title', search: 'apple' }, ['ti1', 'ti5', 'ti6', 'ti2']);
    });

    it('sorts by duration with unknown durations last in both orders, ties by id, page after page', async () => {
      const durations = [12.5, null, 3, 12.5, null, 600, 0.04, 3, null];
      const videos: Video[] = [];
      for (const [i, durationSec] of durations.entries()) {
        videos.push(await catalog.createVideo(makeVideo({ id: `du${i}`, durationSec, status: i % 2 ? 'ready' : 'processing', createdAt: at(9 - i) })));
      }
      const known = videos.filter((v) => v.durationSec !== null);
      const unknown = videos.filter((v) => v.durationSec === null);
      const asc = [...known].sort((a, b) => a.durationSec! - b.durationSec! || cmp(a.id, b.id)).map((v) => v.id);
      const desc = [...known].sort((a, b) => b.durationSec! - a.durationSec! || cmp(b.id, a.id)).map((v) => v.id);
      const unknownAsc = unknown.map((v) => v.id).sort(cmp);
      expect(asc).toEqual(['du6', 'du2', 'du7', 'du0', 'du3', 'du5']);
      await expectList({ sort: 'duration' }, [...asc, ...unknownAsc]);
      await expectList({ sort: 'duration', order: 'desc' }, [...desc, ...[...unknownAsc].reverse()]);
      await expectList({ sort: 'duration', status: ['ready'] }, ['du7', 'du3', 'du5', 'du1']);
    });

    it('sorts oldest first, and keeps pages of every order stable when videos come and go', async () => {
      const videos: Video[] = [];
      for (let i = 0; i < 12; i++) {
        videos.push(await catalog.createVideo(makeVideo({ id: `o${String(i).padStart(2, '0')}`, title: `clip ${i % 4}`, durationSec: i % 3 ? i : null, createdAt: at(Math.floor(i / 2) * 1000) })));
      }
      const oldest = [...videos].sort(newestFirst).reverse().map((v) => v.id);
      await expectList({ sort: 'created', order: 'asc' }, oldest);
      for (const order of [{ sort: 'created', order: 'asc' }, { sort: 'title' }, { sort: 'duration', order: 'desc' }] as const) {
        const all = (await catalog.listVideos({ ...order, limit: 100 })).items.map((v) => v.id);
        const first = await catalog.listVideos({ ...order, limit: 4 });
        expect(first.items.map((v) => v.id)).toEqual(all.slice(0, 4));
        // The cursor's own video goes, one already read goes: the next page starts right after it.
        await catalog.deleteVideo(all[3]!);
        await catalog.deleteVideo(all[1]!);
        const second = await catalog.listVideos({ ...order, limit: 4, cursor: first.nextCursor });
        expect(second.items.map((v) => v.id), JSON.stringify(order)).toEqual(all.slice(4, 8));
        await catalog.createVideo(videos.find((v) => v.id === all[3])!);
        await catalog.createVideo(videos.find((v) => v.id === all[1])!);
      }
    });

    it('refuses a cursor of another order, an unknown sort or order', async () => {
      for (let i = 0; i < 3; i++) await catalog.createVideo(makeVideo({ title: `t ${i}`, durationSec: i, createdAt: at(i) }));
      const byTitle = await catalog.listVideos({ sort: 'title', limit: 1 });
      const newest = await catalog.listVideos({ limit: 1 });
      await expect(catalog.listVideos({ limit: 1, cursor: byTitle.nextCursor })).rejects.toBeInstanceOf(ValidationError);
      await expect(catalog.listVideos({ sort: 'title', order: 'desc', limit: 1, cursor: byTitle.nextCursor })).rejects.toBeInstanceOf(ValidationError);
      await expect(catalog.listVideos({ sort: 'duration', limit: 1, cursor: newest.nextCursor })).rejects.toBeInstanceOf(ValidationError);
      await expect(catalog.listVideos({ sort: 'size' as 'title', limit: 1 })).rejects.toBeInstanceOf(ValidationError);
      await expect(catalog.listVideos({ order: 'up' as 'asc', limit: 1 })).rejects.toBeInstanceOf(ValidationError);
      expect((await catalog.listVideos({ sort: 'title', limit: 5, cursor: byTitle.nextCursor })).items.map((v) => v.title)).toEqual(['t 1', 't 2']);
    });
  });
}
