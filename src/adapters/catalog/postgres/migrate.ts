import type { Pool, PoolClient } from 'pg';
import { ConflictError } from '../../../core/errors.ts';
import type { Migration } from './migrations.ts';

export interface AppliedMigration {
  version: number;
  appliedAt: string;
}

/** Namespace for the catalog's advisory locks (the second key is a hash of the schema name). */
const LOCK_NAMESPACE = 0x766f64;

/** The schema name, quoted as an identifier (the name is checked by the caller). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function inLockedTransaction<T>(client: PoolClient, schema: string, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_NAMESPACE, schema]);
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Creates the schema if missing and applies the migrations not yet recorded in
 * schema_migrations, each in its own transaction holding a transaction-scoped advisory lock
 * on the schema, so N processes starting at once apply every migration exactly once.
 * Returns the versions applied by this call.
 */
export async function migratePostgres(pool: Pool, schema: string, migrations: readonly Migration[]): Promise<number[]> {
  const s = quoteIdent(schema);
  const latestKnown = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  const client = await pool.connect();
  const applied: number[] = [];
  let failure: Error | undefined;
  try {
    const current = await inLockedTransaction(client, schema, async () => {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
        version    integer PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const r = await client.query<{ v: number | null }>(`SELECT MAX(version) AS v FROM ${s}.schema_migrations`);
      return r.rows[0]?.v ?? 0;
    });
    if (current > latestKnown) {
      throw new ConflictError(
        `The catalog schema "${schema}" is at version ${current}, newer than this vodkit supports (${latestKnown}); upgrade vodkit.`,
      );
    }
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      await inLockedTransaction(client, schema, async () => {
        const done = await client.query(`SELECT 1 FROM ${s}.schema_migrations WHERE version = $1`, [m.version]);
        if (done.rowCount) return;
        await client.query(`SET LOCAL search_path TO ${s}`);
        await client.query(m.sql);
        await client.query(`INSERT INTO ${s}.schema_migrations (version) VALUES ($1)`, [m.version]);
        applied.push(m.version);
      });
    }
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    // A failed connection is discarded rather than returned to the pool.
    client.release(failure);
  }
  return applied;
}

export async function appliedPostgresMigrations(pool: Pool, schema: string): Promise<AppliedMigration[]> {
  const r = await pool.query<{ version: number; applied_at: Date }>(
    `SELECT version, applied_at FROM ${quoteIdent(schema)}.schema_migrations ORDER BY version`,
  );
  return r.rows.map((row) => ({ version: row.version, appliedAt: row.applied_at.toISOString() }));
}
