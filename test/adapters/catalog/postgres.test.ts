import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresCatalog } from '../../../src/adapters/catalog/postgres/postgres-catalog.ts';
import { POSTGRES_MIGRATIONS } from '../../../src/adapters/catalog/postgres/migrations.ts';
import { migratePostgres } from '../../../src/adapters/catalog/postgres/migrate.ts';
import { TransientError, ValidationError } from '../../../src/core/errors.ts';
import type { Video } from '../../../src/core/model/video.ts';
import { ManualClock } from '../../../src/core/ports/clock.ts';
import { catalogConformance, makeVideo } from '../../conformance/catalog-suite.ts';
import { assertPostgresReachable, dropSchema, listSchemas, testDatabaseUrl, uniqueSchemaName } from '../../support/postgres.ts';

const url = testDatabaseUrl();
/** Every schema of this file starts with this prefix, so afterAll can check none is left behind. */
const runPrefix = uniqueSchemaName('t_catalog');
let schemaSeq = 0;
const nextSchema = () => `${runPrefix}_${++schemaSeq}`;

let reachable = false;

beforeAll(async () => {
  await assertPostgresReachable(url);
  reachable = true;
});

afterAll(async () => {
  if (!reachable) return;
  const leftovers = await listSchemas(runPrefix, url);
  for (const s of leftovers) await dropSchema(s, url);
  expect(leftovers, 'schemas left behind by the tests').toEqual([]);
});

catalogConformance('postgres', async () => {
  const schema = nextSchema();
  const catalog = await PostgresCatalog.open({ connectionString: url, schema, poolSize: 5 });
  return {
    catalog,
    openAnother: () => PostgresCatalog.open({ connectionString: url, schema, poolSize: 5 }),
    cleanup: async () => {
      await catalog.close();
      await dropSchema(schema, url);
    },
  };
});

const video = (id: string, over: Partial<Video> = {}): Video => makeVideo({ id, ...over });

describe('PostgresCatalog', () => {
  /** Opens catalogs on fresh schemas; closes them and drops the schemas afterwards. */
  async function withSchema(fn: (schema: string) => Promise<void>, opened: PostgresCatalog[] = []): Promise<void> {
    const schema = nextSchema();
    try {
      await fn(schema);
    } finally {
      for (const c of opened) await c.close();
      await dropSchema(schema, url);
    }
  }

  it('declares migrations with strictly increasing versions', () => {
    POSTGRES_MIGRATIONS.forEach((m, i) => expect(m.version).toBe(i + 1));
  });

  it('applies migrations once when several processes open a fresh schema at once', async () => {
    const opened: PostgresCatalog[] = [];
    await withSchema(async (schema) => {
      const results = await Promise.all(
        Array.from({ length: 4 }, () => PostgresCatalog.open({ connectionString: url, schema, poolSize: 2 })),
      );
      opened.push(...results);
      const applied = await results[0].appliedMigrations();
      expect(applied.map((m) => m.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
      for (const c of results) expect(await c.appliedMigrations()).toEqual(applied);
      await results[1].createVideo(video('seen-by-all'));
      for (const c of results) expect((await c.getVideo('seen-by-all'))?.id).toBe('seen-by-all');
    }, opened);
  });

  it('keeps data across reopening and does not re-run migrations', async () => {
    const opened: PostgresCatalog[] = [];
    await withSchema(async (schema) => {
      const first = await PostgresCatalog.open({ connectionString: url, schema });
      opened.push(first);
      const applied = await first.appliedMigrations();
      const v = await first.createVideo(video('keep-me'));
      await first.close();
      const second = await PostgresCatalog.open({ connectionString: url, schema });
      opened.push(second);
      expect(await second.getVideo('keep-me')).toEqual(v);
      expect(await second.appliedMigrations()).toEqual(applied);
    }, opened);
  });

  it('fills the title keys of the videos stored before migration 9 for search and the title order', async () => {
    const opened: PostgresCatalog[] = [];
    await withSchema(async (schema) => {
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      try {
        await migratePostgres(pool, schema, POSTGRES_MIGRATIONS.filter((m) => m.version < 9));
        for (const [id, title] of [['old-1', 'Übung Zwei'], ['old-2', 'Apfel']]) {
          await pool.query(
            `INSERT INTO "${schema}".videos (id, title, status, progress, filename, content_type, source_size, source_key, visibility, created_at, updated_at)
             VALUES ($1, $2, 'ready', 1, 'a.mp4', 'video/mp4', 1, $1, 'private', now(), now())`,
            [id, title],
          );
        }
      } finally {
        await pool.end();
      }
      const c = await PostgresCatalog.open({ connectionString: url, schema });
      opened.push(c);
      expect((await c.listVideos({ limit: 10, search: 'ubung' })).items.map((v) => v.id)).toEqual(['old-1']);
      expect((await c.listVideos({ limit: 10, sort: 'title' })).items.map((v) => v.id)).toEqual(['old-2', 'old-1']);
    }, opened);
  });

  it('keeps schemas apart: tables live in the schema it was opened with', async () => {
    const opened: PostgresCatalog[] = [];
    const other = nextSchema();
    try {
      await withSchema(async (schema) => {
        const a = await PostgresCatalog.open({ connectionString: url, schema });
        const b = await PostgresCatalog.open({ connectionString: url, schema: other });
        opened.push(a, b);
        await a.createVideo(video('only-in-a'));
        expect(await b.getVideo('only-in-a')).toBeNull();
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          const r = await client.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema]);
          expect(r.rows.map((row) => row.table_name)).toEqual(['api_tokens', 'schema_migrations', 'users', 'videos', 'webhook_deliveries', 'webhook_endpoints']);
          const count = await client.query(`SELECT COUNT(*)::int AS n FROM "${schema}".videos`);
          expect(count.rows[0].n).toBe(1);
        } finally {
          await client.end();
        }
      }, opened);
    } finally {
      await dropSchema(other, url);
    }
  });

  it('refuses a schema whose version is newer than it knows', async () => {
    const opened: PostgresCatalog[] = [];
    await withSchema(async (schema) => {
      const c = await PostgresCatalog.open({ connectionString: url, schema });
      opened.push(c);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`INSERT INTO "${schema}".schema_migrations (version) VALUES (999)`);
      await client.end();
      await expect(PostgresCatalog.open({ connectionString: url, schema })).rejects.toThrow(/version 999/);
    }, opened);
  });

  it('sets updatedAt from the injected clock', async () => {
    const opened: PostgresCatalog[] = [];
    await withSchema(async (schema) => {
      const clock = new ManualClock(new Date('2030-05-05T05:05:05.555Z'));
      const c = await PostgresCatalog.open({ connectionString: url, schema, clock });
      opened.push(c);
      await c.createVideo(video('clocked'));
      expect((await c.updateVideo('clocked', { progress: 0.5 }))?.updatedAt).toBe('2030-05-05T05:05:05.555Z');
      clock.advance(1001);
      expect((await c.updateVideo('clocked', {}))?.updatedAt).toBe('2030-05-05T05:05:06.556Z');
    }, opened);
  });

  it('reports an unreachable server as a TransientError naming host:port', async () => {
    const err = await PostgresCatalog.open({ connectionString: 'postgres://postgres@127.0.0.1:1/test', schema: nextSchema() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/Cannot reach PostgreSQL at 127\.0\.0\.1:1\b/);
  });

  it('reports a server that goes away after opening as a TransientError', async () => {
    const opened: PostgresCatalog[] = [];
    await withSchema(async (schema) => {
      const applicationName = `${schema}_app`;
      const c = await PostgresCatalog.open({ connectionString: url, schema, poolSize: 1, applicationName });
      opened.push(c);
      await c.ping();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        // Kill the catalog's pooled connection from the server side.
        const r = await client.query('SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
        expect(r.rows).toEqual([{ killed: true }]);
      } finally {
        await client.end();
      }
      // The pool drops the dead connection and reconnects, so the catalog keeps working.
      let lastError: unknown = null;
      for (let i = 0; i < 3; i++) {
        lastError = await c.ping().then(() => null, (e: unknown) => e);
        if (lastError === null) break;
        expect(lastError).toBeInstanceOf(TransientError);
      }
      expect(lastError).toBeNull();
    }, opened);
  });

  it('refuses invalid options with ValidationError', async () => {
    await expect(PostgresCatalog.open({ connectionString: url, schema: 'bad-name; DROP' })).rejects.toBeInstanceOf(ValidationError);
    await expect(PostgresCatalog.open({ connectionString: '' })).rejects.toBeInstanceOf(ValidationError);
    await expect(PostgresCatalog.open({ connectionString: url, poolSize: 0 })).rejects.toBeInstanceOf(ValidationError);
  });
});
