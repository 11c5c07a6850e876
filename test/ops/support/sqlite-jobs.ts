import { join } from 'node:path';
import Database from 'better-sqlite3';
import { waitFor } from './vodkit-process.ts';

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

/**
 * The jobs of one video once none is running. A handler records the video's outcome (ready,
 * failed) just before the queue records the job's, so right after a video settles its job can
 * still read 'active' for a moment.
 */
export function settledJobsFor(dataDir: string, videoId: string, timeoutMs = 10_000): Promise<JobRow[]> {
  return waitFor(`the queue to record the outcome of ${videoId}'s job`, () => {
    const rows = jobsFor(dataDir, videoId);
    return rows.some((r) => r.state === 'active') ? null : rows;
  }, timeoutMs);
}
