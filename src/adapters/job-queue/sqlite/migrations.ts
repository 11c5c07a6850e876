import type Database from 'better-sqlite3';

/**
 * Schema of the SQLite job queue. Versions are applied in order, each once, and recorded in
 * job_queue_migrations, so the queue can share a database file with other stores.
 * Never edit a released migration: append a new one.
 */
export const jobQueueMigrations: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        idempotency_key TEXT NOT NULL UNIQUE,
        payload TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('waiting', 'active', 'completed', 'failed', 'cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
        last_error TEXT,
        run_at INTEGER NOT NULL,
        lease_owner TEXT,
        lease_expires_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX jobs_waiting_due ON jobs (run_at, created_at) WHERE state = 'waiting';
      CREATE INDEX jobs_active_lease ON jobs (lease_expires_at) WHERE state = 'active';
      CREATE INDEX jobs_state ON jobs (state);
    `,
  },
  {
    // Lanes and priorities: the job type (a lane is a set of types) and the priority rank
    // (1 high, 2 normal, 3 low). Jobs queued before this version are normal-priority.
    version: 2,
    sql: `
      ALTER TABLE jobs ADD COLUMN type TEXT NOT NULL DEFAULT 'transcode';
      UPDATE jobs SET type = COALESCE(json_extract(payload, '$.type'), 'transcode');
      ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 2;
      CREATE INDEX jobs_waiting_by_type ON jobs (type, priority, run_at) WHERE state = 'waiting';
    `,
  },
];

export const migrationsTable = 'job_queue_migrations';

/** Applies pending migrations inside one IMMEDIATE transaction (safe when processes open the file at once). */
export function migrate(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ${migrationsTable} (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`);
  const apply = db.transaction(() => {
    const row = db.prepare(`SELECT MAX(version) AS version FROM ${migrationsTable}`).get() as { version: number | null };
    const current = row.version ?? 0;
    const latest = jobQueueMigrations[jobQueueMigrations.length - 1].version;
    if (current > latest) {
      throw new Error(
        `the job queue schema is at version ${current}, newer than this vodkit knows (${latest}): upgrade vodkit`,
      );
    }
    for (const migration of jobQueueMigrations) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      db.prepare(`INSERT INTO ${migrationsTable} (version, applied_at) VALUES (?, ?)`).run(
        migration.version,
        new Date().toISOString(),
      );
    }
  });
  apply.immediate();
}
