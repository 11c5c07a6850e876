import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * PostgreSQL for tests: a real server (default postgres://postgres@127.0.0.1:5432/test, trust auth),
 * overridable with VODKIT_TEST_DATABASE_URL. Each test file works in its own schema and drops it after.
 */
export function testDatabaseUrl(): string {
  return process.env.VODKIT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/** A schema name no other test run uses, e.g. "t_catalog_lx2k3m_9f3a1c". */
export function uniqueSchemaName(prefix = 't'): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 30);
  return `${clean}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Throws a clear error when the test server cannot be reached (tests must fail, never skip). */
export async function assertPostgresReachable(url = testDatabaseUrl()): Promise<void> {
  try {
    await withClient(url, (c) => c.query('SELECT 1'));
  } catch (err) {
    const detail = err instanceof AggregateError ? err.errors.map(String).join('; ') : String(err);
    throw new Error(
      `PostgreSQL for tests is unreachable at ${url.replace(/\/\/[^@/]*@/, '//')} (${detail}). ` +
        'Start it (db "test", user "postgres", trust auth on 127.0.0.1:5432) or set VODKIT_TEST_DATABASE_URL.',
    );
  }
}

/** Drops a schema and everything in it. */
export async function dropSchema(schema: string, url = testDatabaseUrl()): Promise<void> {
  await withClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema.replace(/"/g, '""')}" CASCADE`));
}

/** Creates a unique empty schema; `drop` removes it. */
export async function makeTestSchema(
  prefix = 't',
  url = testDatabaseUrl(),
): Promise<{ connectionString: string; schema: string; drop: () => Promise<void> }> {
  await assertPostgresReachable(url);
  const schema = uniqueSchemaName(prefix);
  await withClient(url, (c) => c.query(`CREATE SCHEMA "${schema}"`));
  return { connectionString: url, schema, drop: () => dropSchema(schema, url) };
}

/** Schemas whose name starts with `prefix` (to check that tests cleaned up). */
export async function listSchemas(prefix: string, url = testDatabaseUrl()): Promise<string[]> {
  return withClient(url, async (c) => {
    const r = await c.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)', [prefix]);
    return r.rows.map((row) => row.nspname);
  });
}
