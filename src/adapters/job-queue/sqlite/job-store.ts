import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Clock } from '../../../core/ports/clock.ts';
import type { JobInfo, JobPayload, JobPriority, JobState, JobType } from '../../../core/ports/job-queue.ts';
import { emptyCounts } from '../enqueue-input.ts';
import { priorityOfRank, priorityRank } from '../lanes.ts';

interface JobRow {
  id: string;
  idempotency_key: string;
  payload: string;
  type: string;
  /** 1 high, 2 normal, 3 low. */
  priority: number;
  state: JobState;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  run_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  created_at: number;
  updated_at: number;
}

/** A job leased to one worker: `leaseOwner` is unique to this claim. */
export interface ClaimedJob {
  id: string;
  payload: JobPayload;
  attempt: number;
  maxAttempts: number;
  leaseOwner: string;
}

const stoppedResponding = `'worker stopped responding (attempt ' || attempts || ' of ' || max_attempts || ')'`;

/** The job types a worker takes, bound as @types: a JSON array. */
const ofTypes = `type IN (SELECT value FROM json_each(@types))`;

/**
 * Synchronous row operations of the SQLite job queue. Every state change of a leased job is
 * conditioned on `lease_owner`, so a worker that lost its lease can never overwrite the job.
 */
export class SqliteJobStore {
  private readonly insertJob: Database.Statement;
  private readonly selectByKey: Database.Statement;
  private readonly selectById: Database.Statement;
  private readonly reapExpired: Database.Statement;
  private readonly claimExpired: Database.Statement;
  private readonly claimWaiting: Database.Statement;
  private readonly renewLease: Database.Statement;
  private readonly completeJob: Database.Statement;
  private readonly failJob: Database.Statement;
  private readonly retryJob: Database.Statement;
  private readonly releaseJob: Database.Statement;
  private readonly cancelJob: Database.Statement;
  private readonly countStates: Database.Statement;
  private readonly nextWaitingDue: Database.Statement;
  private readonly nextLeaseExpiry: Database.Statement;
  private readonly claimTx: (owner: string, leaseMs: number, types: string) => JobRow | undefined;
  private readonly enqueueTx: (row: JobRow) => { id: string; created: boolean };

  constructor(
    readonly db: Database.Database,
    private readonly clock: Clock,
  ) {
    this.insertJob = db.prepare(`
      INSERT INTO jobs (id, idempotency_key, payload, type, priority, state, attempts, max_attempts, last_error, run_at,
                        lease_owner, lease_expires_at, created_at, updated_at)
      VALUES (@id, @idempotency_key, @payload, @type, @priority, 'waiting', 0, @max_attempts, NULL, @run_at, NULL, NULL,
              @created_at, @updated_at)
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING id`);
    this.selectByKey = db.prepare('SELECT id FROM jobs WHERE idempotency_key = ?');
    this.selectById = db.prepare('SELECT * FROM jobs WHERE id = ?');
    this.reapExpired = db.prepare(`
      UPDATE jobs SET state = 'failed', last_error = ${stoppedResponding},
                      lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
      WHERE state = 'active' AND lease_expires_at <= @now AND attempts >= max_attempts`);
    this.claimExpired = db.prepare(`
      UPDATE jobs SET attempts = attempts + 1, last_error = ${stoppedResponding},
                      lease_owner = @owner, lease_expires_at = @expires, updated_at = @now
      WHERE id = (SELECT id FROM jobs WHERE state = 'active' AND lease_expires_at <= @now AND ${ofTypes}
                  ORDER BY lease_expires_at LIMIT 1)
      RETURNING *`);
    this.claimWaiting = db.prepare(`
      UPDATE jobs SET state = 'active', attempts = attempts + 1,
                      lease_owner = @owner, lease_expires_at = @expires, updated_at = @now
      WHERE id = (SELECT id FROM jobs WHERE state = 'waiting' AND run_at <= @now AND ${ofTypes}
                  ORDER BY priority, run_at, rowid LIMIT 1)
      RETURNING *`);
    const leased = `WHERE id = @id AND lease_owner = @owner AND state = 'active'`;
    this.renewLease = db.prepare(`UPDATE jobs SET lease_expires_at = @expires, updated_at = @now ${leased}`);
    this.completeJob = db.prepare(`
      UPDATE jobs SET state = 'completed', lease_owner = NULL, lease_expires_at = NULL, updated_at = @now ${leased}`);
    this.failJob = db.prepare(`
      UPDATE jobs SET state = 'failed', last_error = @error, lease_owner = NULL, lease_expires_at = NULL,
                      updated_at = @now ${leased}`);
    this.retryJob = db.prepare(`
      UPDATE jobs SET state = 'waiting', last_error = @error, run_at = @run_at, lease_owner = NULL,
                      lease_expires_at = NULL, updated_at = @now ${leased}`);
    this.releaseJob = db.prepare(`
      UPDATE jobs SET state = 'waiting', attempts = attempts - 1, run_at = @now, lease_owner = NULL,
                      lease_expires_at = NULL, updated_at = @now ${leased}`);
    this.cancelJob = db.prepare(`
      UPDATE jobs SET state = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
      WHERE id = @id AND state IN ('waiting', 'active')`);
    this.countStates = db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state');
    this.nextWaitingDue = db.prepare(`SELECT MIN(run_at) AS t FROM jobs WHERE state = 'waiting' AND ${ofTypes}`);
    this.nextLeaseExpiry = db.prepare(`SELECT MIN(lease_expires_at) AS t FROM jobs WHERE state = 'active' AND ${ofTypes}`);

    this.claimTx = db.transaction((owner: string, leaseMs: number, types: string) => {
      const now = this.now();
      const params = { now, owner, expires: now + leaseMs, types };
      this.reapExpired.run({ now });
      return (this.claimExpired.get(params) ?? this.claimWaiting.get(params)) as JobRow | undefined;
    }).immediate;
    this.enqueueTx = db.transaction((row: JobRow) => {
      const inserted = this.insertJob.get(row) as { id: string } | undefined;
      if (inserted) return { id: inserted.id, created: true };
      const existing = this.selectByKey.get(row.idempotency_key) as { id: string };
      return { id: existing.id, created: false };
    }).immediate;
  }

  now(): number {
    return this.clock.now().getTime();
  }

  enqueue(
    payload: JobPayload,
    idempotencyKey: string,
    maxAttempts: number,
    priority: JobPriority,
    delayMs = 0,
  ): { id: string; created: boolean } {
    const now = this.now();
    return this.enqueueTx({
      id: randomUUID(),
      idempotency_key: idempotencyKey,
      payload: JSON.stringify(payload),
      type: payload.type,
      priority: priorityRank(priority),
      state: 'waiting',
      attempts: 0,
      max_attempts: maxAttempts,
      last_error: null,
      run_at: now + delayMs,
      lease_owner: null,
      lease_expires_at: null,
      created_at: now,
      updated_at: now,
    });
  }

  get(id: string): JobInfo | null {
    const row = this.selectById.get(id) as JobRow | undefined;
    if (!row) return null;
    return {
      id: row.id,
      payload: JSON.parse(row.payload) as JobPayload,
      state: row.state,
      priority: priorityOfRank(row.priority),
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
      lastError: row.last_error,
    };
  }

  /**
   * Fails jobs (of any type) whose worker died on their last attempt, then leases one job of
   * `types`: first one whose lease expired (a dead worker's), else the due waiting job of the
   * highest priority, the first due among equals. One IMMEDIATE transaction.
   */
  claim(leaseMs: number, types: readonly JobType[]): ClaimedJob | null {
    const owner = randomUUID();
    const row = this.claimTx(owner, leaseMs, JSON.stringify(types));
    if (!row) return null;
    return {
      id: row.id,
      payload: JSON.parse(row.payload) as JobPayload,
      attempt: row.attempts,
      maxAttempts: row.max_attempts,
      leaseOwner: owner,
    };
  }

  /** False when the lease is gone (cancelled, or taken by another worker after it expired). */
  renew(job: ClaimedJob, leaseMs: number): boolean {
    const now = this.now();
    return this.renewLease.run({ id: job.id, owner: job.leaseOwner, now, expires: now + leaseMs }).changes > 0;
  }

  complete(job: ClaimedJob): boolean {
    return this.completeJob.run({ id: job.id, owner: job.leaseOwner, now: this.now() }).changes > 0;
  }

  fail(job: ClaimedJob, error: string): boolean {
    return this.failJob.run({ id: job.id, owner: job.leaseOwner, now: this.now(), error }).changes > 0;
  }

  retry(job: ClaimedJob, error: string, delayMs: number): boolean {
    const now = this.now();
    return this.retryJob.run({ id: job.id, owner: job.leaseOwner, now, error, run_at: now + delayMs }).changes > 0;
  }

  /** Back to waiting, due now, the interrupted attempt not counted. */
  release(job: ClaimedJob): boolean {
    return this.releaseJob.run({ id: job.id, owner: job.leaseOwner, now: this.now() }).changes > 0;
  }

  cancel(id: string): boolean {
    return this.cancelJob.run({ id, now: this.now() }).changes > 0;
  }

  counts(): Record<JobState, number> {
    const counts = emptyCounts();
    for (const row of this.countStates.all() as Array<{ state: JobState; n: number }>) counts[row.state] = row.n;
    return counts;
  }

  /** Milliseconds until a waiting job of `types` falls due or a lease on one expires (null when neither exists). */
  msUntilNextDue(types: readonly JobType[]): number | null {
    const params = { types: JSON.stringify(types) };
    const waiting = (this.nextWaitingDue.get(params) as { t: number | null }).t;
    const lease = (this.nextLeaseExpiry.get(params) as { t: number | null }).t;
    const times = [waiting, lease].filter((t): t is number => t !== null);
    if (times.length === 0) return null;
    return Math.min(...times) - this.now();
  }

  ping(): void {
    this.db.prepare('SELECT 1').get();
  }
}
