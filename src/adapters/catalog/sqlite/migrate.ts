import type { Database } from 'better-sqlite3';
import { ConflictError } from '../../../core/errors.ts';
import type { Migration } from './migrations.ts';

export interface AppliedMigration {
  version: number;
  appliedAt: string;
}

/**
 * Applies the migrations that are not yet recorded in schema_migrations, in order, each in its own
 * IMMEDIATE transaction (so two processes opening the same file apply each migration once).
 * Returns the versions applied by this call.
 */
export function migrateSqlite(db: Database, migrations: readonly Migration[], now: () => Date): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const latestKnown = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  const current = (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
  if (current > latestKnown) {
    throw new ConflictError(
      `The catalog database is at schema version ${current}, newer than this vodkit supports (${latestKnown}); upgrade vodkit.`,
    );
  }
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?');
  const record = db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)');
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    const apply = db.transaction(() => {
      if (isApplied.get(m.version)) return;
      db.exec(m.sql);
      record.run(m.version, now().toISOString());
      applied.push(m.version);
    });
    apply.immediate();
  }
  return applied;
}

export function appliedSqliteMigrations(db: Database): AppliedMigration[] {
  return (
    db.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all() as Array<{
      version: number;
      applied_at: string;
    }>
  ).map((r) => ({ version: r.version, appliedAt: r.applied_at }));
}
