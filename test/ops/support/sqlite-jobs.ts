import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface JobRow {
  idempotency_key: string;
  state: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
}

/** The jobs of one video in the embedded (SQLite) queue of `dataDir`, oldest first. */
export function jobsFor(dataDir: string, videoId: string): JobRow[] {
  const db = new Database(join(dataDir, 'queue.db'), { readonly: true });
  try {
    return db
      .prepare('SELECT idempotency_key, state, attempts, max_attempts, last_error FROM jobs WHERE payload LIKE ? ORDER BY created_at')
      .all(`%"videoId":"${videoId}"%`) as JobRow[];
  } finally {
    db.close();
  }
}
