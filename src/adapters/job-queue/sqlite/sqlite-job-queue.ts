import Database from 'better-sqlite3';
import { AbortedError, TransientError, errorMessage, VodkitError } from '../../../core/errors.ts';
import { systemClock, type Clock } from '../../../core/ports/clock.ts';
import type {
  EnqueueOptions,
  JobHandler,
  JobInfo,
  JobPayload,
  JobLookup,
  JobQueue,
  JobQueueCapabilities,
  JobWorkers,
  JobState,
  QueueWorker,
  WorkOptions,
} from '../../../core/ports/job-queue.ts';
import { checkEnqueueInput, checkWorkOptions } from '../enqueue-input.ts';
import { jobTypesOf, workerPerLane } from '../lanes.ts';
import { defaultBackoff, validateBackoff, type BackoffOptions } from '../retry-policy.ts';
import { SqliteJobStore } from './job-store.ts';
import { migrate } from './migrations.ts';
import { SqliteQueueWorker } from './sqlite-queue-worker.ts';

export interface SqliteJobQueueOptions {
  /** Database file; may be shared with other stores and with other processes. */
  path: string;
  /** How long a claimed job stays leased without a heartbeat (renewed every leaseMs/3). */
  leaseMs?: number;
  /** How often idle workers look for due jobs written by other processes. */
  pollIntervalMs?: number;
  defaultMaxAttempts?: number;
  backoff?: BackoffOptions;
  clock?: Clock;
  /** How long a statement waits for another process's write lock. */
  busyTimeoutMs?: number;
  /** Errors workers meet in the background (database busy or gone). Default: console.error. */
  onError?: (error: unknown) => void;
}

/**
 * Durable local job queue in a SQLite file (WAL). Several processes may share the file: a job is
 * leased by one atomic UPDATE ... RETURNING inside an IMMEDIATE transaction, and every later write
 * is conditioned on that lease.
 */
export class SqliteJobQueue implements JobQueue, JobWorkers, JobLookup {
  /** Workers in this process; jobs kept by id; an idempotency key recognised for as long as its job exists. */
  readonly capabilities: JobQueueCapabilities = { workers: this, lookup: this, idempotency: { windowMs: null }, delays: true };
  private readonly workers = new Set<SqliteQueueWorker>();
  private closed = false;

  private constructor(
    private readonly store: SqliteJobStore,
    private readonly settings: {
      leaseMs: number;
      pollIntervalMs: number;
      defaultMaxAttempts: number;
      backoff: BackoffOptions;
      onError: (error: unknown) => void;
    },
  ) {}

  static async open(options: SqliteJobQueueOptions): Promise<SqliteJobQueue> {
    const leaseMs = options.leaseMs ?? 30_000;
    const pollIntervalMs = options.pollIntervalMs ?? 250;
    const defaultMaxAttempts = options.defaultMaxAttempts ?? 3;
    if (!(leaseMs >= 3)) throw new RangeError(`leaseMs must be at least 3 (got ${leaseMs})`);
    if (!(pollIntervalMs > 0)) throw new RangeError(`pollIntervalMs must be positive (got ${pollIntervalMs})`);
    if (!Number.isInteger(defaultMaxAttempts) || defaultMaxAttempts < 1) {
      throw new RangeError(`defaultMaxAttempts must be a whole number of at least 1 (got ${defaultMaxAttempts})`);
    }
    const backoff = validateBackoff(options.backoff ?? defaultBackoff);
    let db: Database.Database | undefined;
    try {
      db = new Database(options.path);
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db);
    } catch (err) {
      db?.close();
      throw new TransientError(`Cannot open the job queue database ${options.path}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    return new SqliteJobQueue(new SqliteJobStore(db, options.clock ?? systemClock), {
      leaseMs,
      pollIntervalMs,
      defaultMaxAttempts,
      backoff,
      onError: options.onError ?? ((error) => console.error('vodkit job queue:', error)),
    });
  }

  async enqueue(payload: JobPayload, options: EnqueueOptions): Promise<{ id: string; created: boolean }> {
    const { maxAttempts, priority, delayMs } = checkEnqueueInput(payload, options, this.settings.defaultMaxAttempts);
    const result = this.guard(() => this.store.enqueue(payload, options.idempotencyKey, maxAttempts, priority, delayMs));
    if (result.created) for (const worker of this.workers) worker.wake();
    return result;
  }

  async getJob(id: string): Promise<JobInfo | null> {
    return this.guard(() => this.store.get(id));
  }

  async cancel(id: string): Promise<boolean> {
    const cancelled = this.guard(() => this.store.cancel(id));
    if (cancelled) {
      for (const worker of this.workers) worker.abortJob(id, new AbortedError('the job was cancelled'));
    }
    return cancelled;
  }

  async counts(): Promise<Record<JobState, number>> {
    return this.guard(() => this.store.counts());
  }

  work(handler: JobHandler, options: WorkOptions): QueueWorker {
    this.assertOpen();
    const lanes = checkWorkOptions(options);
    return workerPerLane(lanes, (lane) => {
      const worker = new SqliteQueueWorker(
        this.store,
        handler,
        {
          types: jobTypesOf(lane),
          concurrency: options.concurrency,
          leaseMs: this.settings.leaseMs,
          pollIntervalMs: this.settings.pollIntervalMs,
          backoff: this.settings.backoff,
          onError: this.settings.onError,
        },
        (stopped) => this.workers.delete(stopped),
      );
      this.workers.add(worker);
      worker.wake();
      return worker;
    });
  }

  async ping(): Promise<void> {
    this.guard(() => this.store.ping());
  }

  /** Stops workers still running (their jobs go back to waiting), then closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.workers].map((worker) => worker.stop({ graceful: false })));
    this.closed = true;
    this.store.db.close();
  }

  /**
   * Stops every timer and closes the database without releasing leases or waiting for handlers:
   * the state a killed process (kill -9) leaves behind. For crash-recovery tests.
   */
  simulateCrash(): void {
    for (const worker of this.workers) worker.crash();
    this.workers.clear();
    this.closed = true;
    this.store.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new TransientError('The job queue is closed');
  }

  private guard<T>(operation: () => T): T {
    this.assertOpen();
    try {
      return operation();
    } catch (err) {
      if (err instanceof VodkitError) throw err;
      throw new TransientError(`The job queue database is busy or unavailable: ${errorMessage(err)}`, { cause: err });
    }
  }
}
