import { expect } from 'vitest';
import type { ApiToken, User } from '../../src/core/model/user.ts';
import type { Rendition, Video } from '../../src/core/model/video.ts';
import type { Catalog, ListVideosQuery } from '../../src/core/ports/catalog.ts';
import type { NewVideo } from '../../src/core/videos/lifecycle.ts';

/** Builders and helpers shared by the Catalog contract's cases (catalog-suite.ts). */

/** The catalog under test in the current case, and how to open another handle on its storage. */
export interface CatalogUnderTest {
  catalog: Catalog;
  openAnother: () => Promise<Catalog>;
}

export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
export const at = (ms: number) => new Date(T0 + ms).toISOString();

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

/** A video as the lifecycle creates it (`createUploading`): no status, progress or attempt yet. */
export function makeNewVideo(over: Partial<NewVideo> = {}): NewVideo {
  const { status: _s, progress: _p, error: _e, playable: _pl, ...video } = makeVideo();
  return { ...video, ...over };
}

export const RENDITIONS: Rendition[] = [
  { name: '1080p', width: 1920, height: 1080, bandwidth: 6_500_000, averageBandwidth: 5_000_000, codecs: 'avc1.640028,mp4a.40.2', frameRate: 29.97, playlist: '1080p/index.m3u8' },
  { name: '360p', width: 640, height: 360, bandwidth: 2 ** 40, averageBandwidth: 0, codecs: 'avc1.4d401e,mp4a.40.2', frameRate: 23.976023976023978, playlist: '360p/index.m3u8' },
  { name: 'audio "ünïcødé" 🎧 \\ /', width: 0, height: 0, bandwidth: 131_072, averageBandwidth: 128_000, codecs: 'mp4a.40.2', frameRate: null, playlist: 'audio/index.m3u8' },
];

export function fullVideo(over: Partial<Video> = {}): Video {
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

export function makeUser(over: Partial<User> = {}): User {
  seq += 1;
  return { id: `user-${seq}`, email: `user${seq}@example.com`, passwordHash: 'scrypt$abc', role: 'uploader', disabled: false, createdAt: at(seq), ...over };
}

export function makeToken(over: Partial<ApiToken> = {}): ApiToken {
  seq += 1;
  return { id: `tok-${seq}`, name: `token ${seq}`, tokenHash: `${seq}`.padStart(64, 'a'), userId: 'user-1', createdAt: at(seq), lastUsedAt: null, ...over };
}

/** Newest first: createdAt desc, then id desc (byte order; test ids are ASCII). */
export function newestFirst(a: Video, b: Video): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export async function listAll(catalog: Catalog, query: Omit<ListVideosQuery, 'cursor'>): Promise<{ ids: string[]; pages: number }> {
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

export const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
