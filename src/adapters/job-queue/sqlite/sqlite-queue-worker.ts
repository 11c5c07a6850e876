import { AbortedError } from '../../../core/errors.ts';
import type { JobHandler, JobType, QueueWorker } from '../../../core/ports/job-queue.ts';
import { failureOutcome, type BackoffOptions } from '../retry-policy.ts';
import type { ClaimedJob, SqliteJobStore } from './job-store.ts';

export interface SqliteWorkerSettings {
  /** The job types this worker takes: one lane's. */
  types: readonly JobType[];
  concurrency: number;
  leaseMs: number;
  pollIntervalMs: number;
  backoff: BackoffOptions;
  onError: (error: unknown) => void;
}

interface RunningJob {
  job: ClaimedJob;
  controller: AbortController;
  heartbeat: NodeJS.Timeout | null;
  /** Set by a non-graceful stop: the job goes back to waiting unless its handler already succeeded. */
  stopRequested: boolean;
  done: Promise<void>;
}

type Status = 'running' | 'stopping' | 'stopped' | 'crashed';

/** Never poll more often than this, even when a job falls due sooner. */
const minPollDelayMs = 5;

/**
 * One worker loop on a SQLite job queue, for one lane: claims up to `concurrency` jobs of the lane's
 * types, renews each lease every leaseMs/3 while its handler runs, and records the outcome under
 * that lease.
 */
export class SqliteQueueWorker implements QueueWorker {
  private readonly running = new Map<string, RunningJob>();
  private status: Status = 'running';
  private pollTimer: NodeJS.Timeout | null = null;
  private wakeScheduled = false;
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly store: SqliteJobStore,
    private readonly handler: JobHandler,
    private readonly settings: SqliteWorkerSettings,
    private readonly onStopped: (worker: SqliteQueueWorker) => void,
  ) {}

  /** Looks for work on the next turn of the event loop (coalesced). */
  wake(): void {
    if (this.status !== 'running' || this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.fill();
    });
  }

  /** Fires the signal of job `id` when this worker runs it. */
  abortJob(id: string, reason: Error): boolean {
    const entry = this.running.get(id);
    if (!entry) return false;
    entry.controller.abort(reason);
    return true;
  }

  stop(options: { graceful?: boolean } = {}): Promise<void> {
    if (this.status === 'crashed' || this.status === 'stopped') return this.stopping ?? Promise.resolve();
    this.status = 'stopping';
    this.clearPoll();
    if (options.graceful === false) {
      for (const entry of this.running.values()) {
        entry.stopRequested = true;
        entry.controller.abort(new AbortedError('the worker is stopping; the job will run again'));
      }
    }
    this.stopping ??= (async () => {
      while (this.running.size > 0) {
        await Promise.allSettled([...this.running.values()].map((entry) => entry.done));
      }
      if (this.status === 'stopping') this.status = 'stopped';
      this.onStopped(this);
    })();
    return this.stopping;
  }

  /** Stops every timer at once and never touches the database again: what a killed process leaves. */
  crash(): void {
    this.status = 'crashed';
    this.clearPoll();
    for (const entry of this.running.values()) this.clearHeartbeat(entry);
  }

  private fill(): void {
    if (this.status !== 'running') return;
    this.clearPoll();
    try {
      while (this.running.size < this.settings.concurrency) {
        const job = this.store.claim(this.settings.leaseMs, this.settings.types);
        if (!job) break;
        this.start(job);
      }
    } catch (err) {
      // Busy or unavailable database: the next poll tries again.
      this.settings.onError(err);
    }
    this.schedulePoll();
  }

  private schedulePoll(): void {
    if (this.status !== 'running' || this.running.size >= this.settings.concurrency) return;
    let delay = this.settings.pollIntervalMs;
    try {
      const due = this.store.msUntilNextDue(this.settings.types);
      if (due !== null) delay = Math.min(delay, Math.max(minPollDelayMs, due));
    } catch (err) {
      this.settings.onError(err);
    }
    this.pollTimer = setTimeout(() => this.fill(), delay);
  }

  private clearPoll(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  private start(job: ClaimedJob): void {
    const entry: RunningJob = {
      job,
      controller: new AbortController(),
      heartbeat: null,
      stopRequested: false,
      done: Promise.resolve(),
    };
    entry.heartbeat = setInterval(() => this.renew(entry), Math.max(1, Math.floor(this.settings.leaseMs / 3)));
    this.running.set(job.id, entry);
    entry.done = this.execute(entry).finally(() => {
      this.clearHeartbeat(entry);
      this.running.delete(job.id);
      this.wake();
    });
  }

  private renew(entry: RunningJob): void {
    if (this.status === 'crashed') return;
    try {
      if (!this.store.renew(entry.job, this.settings.leaseMs)) {
        this.clearHeartbeat(entry);
        entry.controller.abort(new AbortedError('the job was cancelled or its lease passed to another worker'));
      }
    } catch (err) {
      this.settings.onError(err);
    }
  }

  private clearHeartbeat(entry: RunningJob): void {
    if (entry.heartbeat) clearInterval(entry.heartbeat);
    entry.heartbeat = null;
  }

  private async execute(entry: RunningJob): Promise<void> {
    const { job } = entry;
    let succeeded = false;
    let failure: unknown = null;
    try {
      await this.handler({
        id: job.id,
        payload: job.payload,
        attempt: job.attempt,
        maxAttempts: job.maxAttempts,
        signal: entry.controller.signal,
      });
      succeeded = true;
    } catch (err) {
      failure = err;
    }
    if (this.status === 'crashed') return;
    this.clearHeartbeat(entry);
    try {
      // Each write is a no-op when the lease is gone (job cancelled or taken over).
      if (succeeded) {
        this.store.complete(job);
      } else if (entry.stopRequested) {
        this.store.release(job);
      } else {
        const outcome = failureOutcome(failure, job.attempt, job.maxAttempts, this.settings.backoff);
        if (outcome.kind === 'fail') this.store.fail(job, outcome.error);
        else this.store.retry(job, outcome.error, outcome.delayMs);
      }
    } catch (err) {
      // The lease stays; it expires and another worker runs the job again.
      this.settings.onError(err);
    }
  }
}
