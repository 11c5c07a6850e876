import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../src/core/errors.ts';
import type { ApiToken, User } from '../../src/core/model/user.ts';
import type { Rendition, Video, VideoPatch } from '../../src/core/model/video.ts';
import type { Catalog, ListVideosQuery } from '../../src/core/ports/catalog.ts';
import { stateOf, transition } from '../../src/core/videos/lifecycle.ts';
import type { LifecycleState, TransitionOptions, TransitionPatch, UpdateEvent } from '../../src/core/videos/lifecycle.ts';

/**
 * The Catalog contract. Every catalog adapter's test runs this unchanged; `open` must return an
 * empty catalog of its own, a cleanup that closes it and removes its storage, and `openAnother`,
 * which opens one more catalog on the same storage as another process would (its own
 * connections; the suite closes it). Storage that only one handle can reach (SQLite
 * `:memory:`) returns the same catalog there.
 */
export interface OpenedCatalog {
  catalog: Catalog;
  cleanup: () => Promise<void>;
  openAnother: () => Promise<Catalog>;
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

let seq = 0;
/** A valid video with unique id and source key; `over` replaces fields. */
export function makeVideo(over: Partial<Video> = {}): Video {
  seq += 1;
  return {
    id: `vid-${seq}`,
    title: `Video ${seq}`,
    status: 'uploading',
    progress: 0,
    error: null,
    filename: 'clip.mp4',
    contentType: 'video/mp4',
    sourceSize: 1234,
    sourceKey: `src-${seq}.mp4`,
    ownerId: null,
    visibility: 'private',
    durationSec: null,
    width: null,
    height: null,
    renditions: [],
    masterKey: null,
    posterKey: null,
    thumbnailKey: null,
    playable: false,
    createdAt: at(0),
    updatedAt: at(0),
    ...over,
  };
}

const RENDITIONS: Rendition[] = [
  { name: '1080p', width: 1920, height: 1080, bandwidth: 6_500_000, averageBandwidth: 5_000_000, codecs: 'avc1.640028,mp4a.40.2', frameRate: 29.97, playlist: '1080p/index.m3u8' },
  { name: '360p', width: 640, height: 360, bandwidth: 2 ** 40, averageBandwidth: 0, codecs: 'avc1.4d401e,mp4a.40.2', frameRate: 23.976023976023978, playlist: '360p/index.m3u8' },
  { name: 'audio "ünïcødé" 🎧 \\ /', width: 0, height: 0, bandwidth: 131_072, averageBandwidth: 128_000, codecs: 'mp4a.40.2', frameRate: null, playlist: 'audio/index.m3u8' },
];

function fullVideo(over: Partial<Video> = {}): Video {
  return makeVideo({
    title: 'Ünïcødé title — "quoted" \'single\' 🎬',
    status: 'ready',
    progress: 0.3333333333333333,
    error: 'a readable reason',
    sourceSize: 5_000_000_000_123,
    ownerId: 'user-1',
    visibility: 'public',
    durationSec: 12.345678901234567,
    width: 1920,
    height: 1080,
    renditions: RENDITIONS,
    masterKey: 'abc/master.m3u8',
    posterKey: 'abc/poster.jpg',
    thumbnailKey: 'abc/thumb.jpg',
    playable: true,
    createdAt: '2026-02-03T04:05:06.789Z',
    updatedAt: '2026-02-03T04:05:07.001Z',
    ...over,
  });
}

function makeUser(over: Partial<User> = {}): User {
  seq += 1;
  return { id: `user-${seq}`, email: `user${seq}@example.com`, passwordHash: 'scrypt$abc', role: 'uploader', disabled: false, createdAt: at(seq), ...over };
}

function makeToken(over: Partial<ApiToken> = {}): ApiToken {
  seq += 1;
  return { id: `tok-${seq}`, name: `token ${seq}`, tokenHash: `${seq}`.padStart(64, 'a'), userId: 'user-1', createdAt: at(seq), lastUsedAt: null, ...over };
}

/** Newest first: createdAt desc, then id desc (byte order; test ids are ASCII). */
function newestFirst(a: Video, b: Video): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

async function listAll(catalog: Catalog, query: Omit<ListVideosQuery, 'cursor'>): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await catalog.listVideos({ ...query, cursor });
    pages += 1;
    expect(page.items.length).toBeLessThanOrEqual(query.limit);
    ids.push(...page.items.map((v) => v.id));
    cursor = page.nextCursor;
    expect(pages).toBeLessThan(1000);
  } while (cursor !== null);
  return { ids, pages };
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

export function catalogConformance(name: string, open: () => Promise<OpenedCatalog>): void {
  describe(`Catalog conformance: ${name}`, () => {
    let catalog: Catalog;
    let cleanup: () => Promise<void>;
    let openAnother: () => Promise<Catalog>;

    beforeEach(async () => {
      ({ catalog, cleanup, openAnother } = await open());
    });
    afterEach(async () => {
      await cleanup();
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

    describe('encode attempts', () => {
      it('stores attemptId and encodeJobRef (null when absent) through create, update and get', async () => {
        const plain = await catalog.createVideo(makeVideo());
        expect(plain.attemptId ?? null).toBeNull();
        expect(plain.encodeJobRef ?? null).toBeNull();
        const v = await catalog.createVideo(makeVideo({ status: 'processing', attemptId: 'attempt-1', encodeJobRef: 'job/1' }));
        expect(v).toMatchObject({ attemptId: 'attempt-1', encodeJobRef: 'job/1' });
        expect(await catalog.getVideo(v.id)).toEqual(v);
        const updated = await catalog.updateVideo(v.id, { attemptId: 'attempt-2', encodeJobRef: null });
        expect(updated?.attemptId).toBe('attempt-2');
        expect(updated?.encodeJobRef ?? null).toBeNull();
        expect(await catalog.getVideo(v.id)).toEqual(updated);
        await expect(catalog.updateVideo(v.id, { attemptId: 7 as never })).rejects.toBeInstanceOf(ValidationError);
      });

      it('updateVideo with expectAttemptId applies only to that attempt (null: a video without one), with expectStatus too', async () => {
        const v = await catalog.createVideo(makeVideo({ status: 'queued' }));
        expect(await catalog.updateVideo(v.id, { title: 'no' }, { expectAttemptId: 'attempt-1' })).toBeNull();
        const started = await catalog.updateVideo(v.id, { status: 'processing', attemptId: 'attempt-1' }, { expectStatus: ['queued'], expectAttemptId: null });
        expect(started).toMatchObject({ status: 'processing', attemptId: 'attempt-1' });
        expect(await catalog.updateVideo(v.id, { title: 'no' }, { expectAttemptId: null })).toBeNull();
        expect(await catalog.updateVideo(v.id, { title: 'no' }, { expectAttemptId: 'attempt-0' })).toBeNull();
        expect(await catalog.updateVideo(v.id, { title: 'no' }, { expectStatus: ['queued'], expectAttemptId: 'attempt-1' })).toBeNull();
        expect(await catalog.getVideo(v.id)).toEqual(started);
        const done = await catalog.updateVideo(v.id, { status: 'ready' }, { expectStatus: ['processing'], expectAttemptId: 'attempt-1' });
        expect(done?.status).toBe('ready');
        await expect(catalog.updateVideo(v.id, { title: 'x' }, { expectAttemptId: 1 as never })).rejects.toBeInstanceOf(ValidationError);
        expect(await catalog.updateVideo('no-such-video', { title: 'x' }, { expectAttemptId: null })).toBeNull();
      });

      it('lets exactly one of 20 concurrent attempts, over two handles, take over from the same attempt', async () => {
        const other = await openAnother();
        try {
          const v = await catalog.createVideo(makeVideo({ status: 'processing', attemptId: 'crashed' }));
          const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              (i % 2 ? other : catalog).updateVideo(v.id, { attemptId: `attempt-${i}` }, { expectStatus: ['processing'], expectAttemptId: 'crashed' }),
            ),
          );
          const winners = results.filter((r) => r !== null);
          expect(winners).toHaveLength(1);
          expect((await catalog.getVideo(v.id))?.attemptId).toBe(winners[0]?.attemptId);
        } finally {
          if (other !== catalog) await other.close();
        }
      });
    });

    describe('lifecycle transitions', () => {
      type Move = [UpdateEvent, TransitionPatch, TransitionOptions];
      /** A video in `state` (its attempt, when it has one, is "a1"), and pairs of transitions that exclude each other from there. */
      const RACES: Array<{ state: LifecycleState; video: Partial<Video>; moves: [Move, Move] }> = [
        { state: 'queued', video: { status: 'queued' }, moves: [['start', {}, { attemptId: null }], ['start', {}, { attemptId: null }]] },
        { state: 'processing', video: { status: 'processing', attemptId: 'a1' }, moves: [['start', {}, { attemptId: 'a1' }], ['start', {}, { attemptId: 'a1' }]] },
        { state: 'processing', video: { status: 'processing', attemptId: 'a1' }, moves: [['finish', {}, { attemptId: 'a1' }], ['fail', { error: 'broken' }, { attemptId: 'a1' }]] },
        { state: 'playable', video: { status: 'processing', playable: true, attemptId: 'a1' }, moves: [['finish', {}, { attemptId: 'a1' }], ['requeue', {}, { attemptId: 'a1' }]] },
        { state: 'playable', video: { status: 'processing', playable: true, attemptId: 'a1' }, moves: [['fail', { error: 'crashed every time' }, {}], ['finish', {}, { attemptId: 'a1' }]] },
        { state: 'failed', video: { status: 'failed', error: 'broken' }, moves: [['retry', {}, {}], ['retry', {}, {}]] },
      ];

      for (const { state, video, moves } of RACES) {
        it(`of ${moves[0][0]} and ${moves[1][0]} racing from ${state} over two handles, exactly one applies, 10 times over`, async () => {
          const other = await openAnother();
          try {
            for (let round = 0; round < 10; round++) {
              const v = await catalog.createVideo(makeVideo(video));
              expect(stateOf(v)).toBe(state);
              const [a, b] = await Promise.all([
                transition(catalog, v.id, ...moves[0]),
                transition(other, v.id, ...moves[1]),
              ]);
              expect([a.applied, b.applied].filter(Boolean), `round ${round}`).toHaveLength(1);
              const winner = a.applied ? a.video : b.applied ? b.video : null;
              expect(await catalog.getVideo(v.id)).toEqual(winner);
            }
          } finally {
            if (other !== catalog) await other.close();
          }
        });
      }
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
    });

    describe('users', () => {
      it('creates, reads and lists users; unknown ids give null', async () => {
        const a = makeUser({ passwordHash: null, role: 'admin', disabled: true, createdAt: '2026-01-02T03:04:05+01:00' });
        const b = makeUser();
        expect(await catalog.countUsers()).toBe(0);
        const created = await catalog.createUser(a);
        expect(created).toEqual({ ...a, createdAt: '2026-01-02T02:04:05.000Z' });
        await catalog.createUser(b);
        expect(await catalog.getUser(a.id)).toEqual(created);
        expect(await catalog.getUser('no-such-user')).toBeNull();
        const list = await catalog.listUsers();
        expect(list.map((u) => u.id).sort()).toEqual([a.id, b.id].sort());
        expect(list.find((u) => u.id === b.id)).toEqual(b);
        expect(await catalog.countUsers()).toBe(2);
      });

      it('finds users by e-mail case-insensitively and keeps the stored spelling', async () => {
        const u = await catalog.createUser(makeUser({ email: 'Alice.Smith@Example.COM' }));
        const e = await catalog.createUser(makeUser({ email: 'Élodie@Exemple.fr' }));
        expect(await catalog.getUserByEmail('alice.smith@example.com')).toEqual(u);
        expect(await catalog.getUserByEmail('ALICE.SMITH@EXAMPLE.COM')).toEqual(u);
        expect(await catalog.getUserByEmail('élodie@exemple.fr')).toEqual(e);
        expect(await catalog.getUserByEmail('nobody@example.com')).toBeNull();
      });

      it('rejects a duplicate e-mail (any case) or id with ConflictError', async () => {
        const u = await catalog.createUser(makeUser({ email: 'bob@example.com' }));
        await expect(catalog.createUser(makeUser({ email: 'BOB@example.com' }))).rejects.toBeInstanceOf(ConflictError);
        await expect(catalog.createUser(makeUser({ id: u.id }))).rejects.toBeInstanceOf(ConflictError);
        await expect(catalog.createUser(makeUser({ role: 'root' as User['role'] }))).rejects.toBeInstanceOf(ValidationError);
        expect(await catalog.countUsers()).toBe(1);
      });

      it('updates users, including the e-mail, and refuses a taken e-mail', async () => {
        const u = await catalog.createUser(makeUser({ email: 'carol@example.com' }));
        const other = await catalog.createUser(makeUser({ email: 'dave@example.com' }));
        const updated = await catalog.updateUser(u.id, { role: 'viewer', disabled: true, passwordHash: null, email: 'Carol@New.example' });
        expect(updated).toEqual({ ...u, role: 'viewer', disabled: true, passwordHash: null, email: 'Carol@New.example' });
        expect(await catalog.getUserByEmail('carol@new.example')).toEqual(updated);
        expect(await catalog.getUserByEmail('carol@example.com')).toBeNull();
        await expect(catalog.updateUser(u.id, { email: 'DAVE@example.com' })).rejects.toBeInstanceOf(ConflictError);
        expect(await catalog.getUser(u.id)).toEqual(updated);
        expect(await catalog.getUser(other.id)).toEqual(other);
        expect(await catalog.updateUser('no-such-user', { role: 'admin' })).toBeNull();
      });
    });

    describe('first user', () => {
      it('createFirstUser creates the user in an empty catalog, then refuses with null', async () => {
        const first = makeUser({ role: 'admin' });
        expect(await catalog.createFirstUser(first)).toEqual(first);
        expect(await catalog.createFirstUser(makeUser({ role: 'admin' }))).toBeNull();
        expect(await catalog.listUsers()).toEqual([first]);
      });

      it('createFirstUser refuses with null once any user exists', async () => {
        const existing = await catalog.createUser(makeUser({ role: 'viewer', disabled: true }));
        expect(await catalog.createFirstUser(makeUser({ role: 'admin' }))).toBeNull();
        expect(await catalog.listUsers()).toEqual([existing]);
      });

      it('createFirstUser validates the user like createUser', async () => {
        await expect(catalog.createFirstUser(makeUser({ role: 'root' as User['role'] }))).rejects.toBeInstanceOf(ValidationError);
        expect(await catalog.countUsers()).toBe(0);
      });

      it('of 20 concurrent createFirstUser calls over two handles, exactly one creates its user', async () => {
        const other = await openAnother();
        try {
          const candidates = Array.from({ length: 20 }, () => makeUser({ role: 'admin' }));
          const results = await Promise.all(candidates.map((u, i) => (i % 2 === 0 ? catalog : other).createFirstUser(u)));
          const winners = results.filter((r) => r !== null);
          expect(winners).toHaveLength(1);
          expect(await catalog.listUsers()).toEqual(winners);
          expect(await other.listUsers()).toEqual(winners);
        } finally {
          if (other !== catalog) await other.close();
        }
      });

      it('createFirstUser racing createUser on another handle: at most one first-run user, nothing lost', async () => {
        const other = await openAnother();
        try {
          const plain = makeUser({ role: 'admin' });
          const candidates = Array.from({ length: 10 }, () => makeUser({ role: 'admin' }));
          const [created, ...results] = await Promise.all([other.createUser(plain), ...candidates.map((u) => catalog.createFirstUser(u))]);
          const winners = results.filter((r) => r !== null);
          expect(winners.length).toBeLessThanOrEqual(1);
          const users = await catalog.listUsers();
          expect(users.map((u) => u.id).sort()).toEqual([created.id, ...winners.map((w) => w!.id)].sort());
        } finally {
          if (other !== catalog) await other.close();
        }
      });
    });

    describe('API tokens', () => {
      it('creates tokens, finds them by hash and lists them', async () => {
        const t = makeToken({ createdAt: '2026-05-06T07:08:09Z' });
        const admin = makeToken({ userId: null });
        const created = await catalog.createApiToken(t);
        expect(created).toEqual({ ...t, createdAt: '2026-05-06T07:08:09.000Z' });
        expect(await catalog.createApiToken(admin)).toEqual(admin);
        expect(await catalog.findApiTokenByHash(t.tokenHash)).toEqual(created);
        expect(await catalog.findApiTokenByHash(admin.tokenHash)).toEqual(admin);
        expect(await catalog.findApiTokenByHash('f'.repeat(64))).toBeNull();
        expect((await catalog.listApiTokens()).map((x) => x.id).sort()).toEqual([t.id, admin.id].sort());
      });

      it('rejects a duplicate token hash or id with ConflictError', async () => {
        const t = await catalog.createApiToken(makeToken());
        await expect(catalog.createApiToken(makeToken({ tokenHash: t.tokenHash }))).rejects.toBeInstanceOf(ConflictError);
        await expect(catalog.createApiToken(makeToken({ id: t.id }))).rejects.toBeInstanceOf(ConflictError);
        expect(await catalog.listApiTokens()).toHaveLength(1);
      });

      it('touches and deletes tokens', async () => {
        const t = await catalog.createApiToken(makeToken());
        await catalog.touchApiToken(t.id, '2026-07-01T10:00:00.5+00:00');
        expect((await catalog.findApiTokenByHash(t.tokenHash))?.lastUsedAt).toBe('2026-07-01T10:00:00.500Z');
        await catalog.touchApiToken('no-such-token', at(1));
        await expect(catalog.touchApiToken(t.id, 'now')).rejects.toBeInstanceOf(ValidationError);
        expect(await catalog.deleteApiToken(t.id)).toBe(true);
        expect(await catalog.deleteApiToken(t.id)).toBe(false);
        expect(await catalog.findApiTokenByHash(t.tokenHash)).toBeNull();
      });
    });

    describe('lifecycle', () => {
      it('answers ping and can be closed more than once', async () => {
        await expect(catalog.ping()).resolves.toBeUndefined();
        await catalog.close();
        await catalog.close();
      });
    });
  });
}
