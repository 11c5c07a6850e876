/**
 * JobQueue: durable, at-least-once background jobs with leases.
 * Adapters: SQLite-backed local queue (src/adapters/job-queue/sqlite), BullMQ (src/adapters/job-queue/bullmq).
 * Conformance suite: test/conformance/job-queue-suite.ts.
 *
 * Semantics every adapter keeps:
 * - enqueue with an idempotency key: a second enqueue with the same key returns the first job
 *   (`created: false`) for as long as that job exists, whatever its state.
 * - a job is leased to one worker at a time; the lease is renewed (heartbeat) while the handler runs.
 *   A worker that dies loses the lease after `leaseMs` and another worker takes the job (attempt + 1).
 * - a handler that throws is retried with exponential backoff up to maxAttempts, except when the error
 *   is permanent (isPermanent(err) from core/errors): then the job fails at once.
 * - cancel(): a waiting job never runs; a running job in this process sees its AbortSignal fire.
 */
export interface TranscodeJobPayload {
  type: 'transcode';
  videoId: string;
  sourceKey: string;
}

/** Discriminated union of every job vodkit runs. */
export type JobPayload = TranscodeJobPayload;

export type JobState = 'waiting' | 'active' | 'completed' | 'failed' | 'cancelled';

export interface EnqueueOptions {
  idempotencyKey: string;
  /** Default: the queue's configured default (3). */
  maxAttempts?: number;
}

export interface JobInfo {
  id: string;
  payload: JobPayload;
  state: JobState;
  /** Attempts started so far. */
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
}

export interface JobContext {
  id: string;
  payload: JobPayload;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  /** Fires when the job is cancelled or the worker stops without waiting. */
  signal: AbortSignal;
}

export type JobHandler = (ctx: JobContext) => Promise<void>;

export interface QueueWorker {
  /**
   * graceful (default): take no new jobs and wait for running ones.
   * not graceful: abort running handlers (their jobs go back to waiting, attempt not counted as failed).
   */
  stop(options?: { graceful?: boolean }): Promise<void>;
}

export interface JobQueue {
  enqueue(payload: JobPayload, options: EnqueueOptions): Promise<{ id: string; created: boolean }>;
  getJob(id: string): Promise<JobInfo | null>;
  /** True when the job existed and was not finished. */
  cancel(id: string): Promise<boolean>;
  counts(): Promise<Record<JobState, number>>;
  work(handler: JobHandler, options: { concurrency: number }): QueueWorker;
  ping(): Promise<void>;
  close(): Promise<void>;
}
