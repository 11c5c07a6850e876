import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../../../src/adapters/catalog/sqlite/sqlite-catalog.ts';
import { SQLITE_MIGRATIONS } from '../../../src/adapters/catalog/sqlite/migrations.ts';
import { migrateSqlite } from '../../../src/adapters/catalog/sqlite/migrate.ts';
import { ConflictError, ValidationError } from '../../../src/core/errors.ts';
import type { Video } from '../../../src/core/model/video.ts';
import { ManualClock } from '../../../src/core/ports/clock.ts';
import { catalogConformance, makeVideo } from '../../conformance/catalog-suite.ts';
import { makeTempDir } from '../../support/temp-dir.ts';

catalogConformance('sqlite (file)', async () => {
  const tmp = await makeTempDir('vodkit-catalog-');
  const catalog = await SqliteCatalog.open({ path: join(tmp.dir, 'catalog.db') });
  return {
    catalog,
    openAnother: () => SqliteCatalog.open({ path: join(tmp.dir, 'catalog.db') }),
    cleanup: async () => {
      await catalog.close();
      await tmp.cleanup();
    },
  };
});

catalogConformance('sqlite (:memory:)', async () => {
  const catalog = await SqliteCatalog.open({ path: ':memory:' });
  // A :memory: database exists only for its one connection: "another" handle is the same one.
  return { catalog, openAnother: async () => catalog, cleanup: () => catalog.close() };
});

const video = (id: string, over: Partial<Video> = {}): Video => makeVideo({ id, ...over });

describe('SqliteCatalog', () => {
  let dir: string;
  let cleanupDir: () => Promise<void>;
  const opened: SqliteCatalog[] = [];
  const open = async (options: Partial<Parameters<typeof SqliteCatalog.open>[0]> = {}) => {
    const c = await SqliteCatalog.open({ path: join(dir, 'catalog.db'), ...options });
    opened.push(c);
    return c;
  };

  beforeEach(async () => {
    ({ dir, cleanup: cleanupDir } = await makeTempDir('vodkit-catalog-'));
  });
  afterEach(async () => {
    for (const c of opened.splice(0)) await c.close();
    await cleanupDir();
  });

  it('declares migrations with strictly increasing versions', () => {
    const versions = SQLITE_MIGRATIONS.map((m) => m.version);
    expect(versions[0]).toBe(1);
    versions.forEach((v, i) => expect(v).toBe(i + 1));
  });

  it('keeps data across reopening and does not re-run migrations', async () => {
    const first = await open();
    const applied = await first.appliedMigrations();
    expect(applied.map((m) => m.version)).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
    const v = await first.createVideo(video('keep-me', { renditions: [{ name: 'audio', width: 0, height: 0, bandwidth: 1, averageBandwidth: 1, codecs: 'mp4a.40.2', frameRate: null, playlist: 'audio/index.m3u8' }] }));
    await first.createUser({ id: 'u1', email: 'U1@example.com', passwordHash: null, role: 'admin', disabled: false, createdAt: '2026-01-01T00:00:00.000Z' });
    await first.close();

    const second = await open();
    expect(await second.getVideo('keep-me')).toEqual(v);
    expect((await second.getUserByEmail('u1@EXAMPLE.com'))?.id).toBe('u1');
    expect(await second.appliedMigrations()).toEqual(applied);
    await expect(second.createVideo(v)).rejects.toBeInstanceOf(ConflictError);
  });

  it('migration 9 indexes the titles of the videos stored before it for search and the title order', async () => {
    const raw = new BetterSqlite3(join(dir, 'catalog.db'));
    migrateSqlite(raw, SQLITE_MIGRATIONS.filter((m) => m.version < 9), () => new Date());
    const insert = raw.prepare(`INSERT INTO videos (id, title, status, progress, filename, content_type, source_size, source_key, visibility, created_at, updated_at)
      VALUES (?, ?, 'ready', 1, 'a.mp4', 'video/mp4', 1, ?, 'private', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`);
    insert.run('old-1', 'Übung Zwei', 'k1.mp4');
    insert.run('old-2', 'Apfel', 'k2.mp4');
    raw.close();
    const c = await open();
    expect((await c.listVideos({ limit: 10, search: 'ubung' })).items.map((v) => v.id)).toEqual(['old-1']);
    expect((await c.listVideos({ limit: 10, sort: 'title' })).items.map((v) => v.id)).toEqual(['old-2', 'old-1']);
    await c.updateVideo('old-1', { title: 'Drei' });
    expect((await c.listVideos({ limit: 10, search: 'ubung' })).items).toEqual([]);
    expect((await c.listVideos({ limit: 10, search: 'dre' })).items.map((v) => v.id)).toEqual(['old-1']);
  });

  it('uses WAL journaling and enforces its schema through the file', async () => {
    await open();
    const raw = new BetterSqlite3(join(dir, 'catalog.db'), { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
      expect(tables).toEqual(expect.arrayContaining(['api_tokens', 'schema_migrations', 'users', 'videos']));
      const count = raw.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number };
      expect(count.n).toBe(SQLITE_MIGRATIONS.length);
    } finally {
      raw.close();
    }
  });

  it('stores created_at as millisecond ISO text so text order is time order', async () => {
    const c = await open();
    await c.createVideo(video('a', { createdAt: '2026-01-01T00:00:09+00:00' }));
    const raw = new BetterSqlite3(join(dir, 'catalog.db'), { readonly: true });
    try {
      expect(raw.prepare('SELECT created_at FROM videos').get()).toEqual({ created_at: '2026-01-01T00:00:09.000Z' });
    } finally {
      raw.close();
    }
  });

  it('refuses a database whose schema is newer than it knows', async () => {
    await (await open()).close();
    const raw = new BetterSqlite3(join(dir, 'catalog.db'));
    raw.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (999, ?)').run(new Date().toISOString());
    raw.close();
    await expect(open()).rejects.toThrow(/schema version 999/);
  });

  it('sets updatedAt from the injected clock', async () => {
    const clock = new ManualClock(new Date('2030-05-05T05:05:05.555Z'));
    const c = await open({ clock });
    await c.createVideo(video('clocked'));
    expect((await c.updateVideo('clocked', { progress: 0.5 }))?.updatedAt).toBe('2030-05-05T05:05:05.555Z');
    clock.advance(1001);
    expect((await c.updateVideo('clocked', {}))?.updatedAt).toBe('2030-05-05T05:05:06.556Z');
  });

  it('shares one file between two connections, with compare-and-set across them', async () => {
    const a = await open();
    const b = await open();
    await a.createVideo(video('shared'));
    expect((await b.getVideo('shared'))?.id).toBe('shared');
    expect(await b.updateVideo('shared', { status: 'queued' }, { expectStatus: ['uploading'] })).not.toBeNull();
    expect(await a.updateVideo('shared', { status: 'queued' }, { expectStatus: ['uploading'] })).toBeNull();
  });

  it('refuses an empty path and reports a folder that does not exist', async () => {
    await expect(SqliteCatalog.open({ path: '' })).rejects.toBeInstanceOf(ValidationError);
    await expect(SqliteCatalog.open({ path: join(dir, 'missing', 'catalog.db') })).rejects.toThrow(/Cannot open the SQLite catalog at/);
  });
});
