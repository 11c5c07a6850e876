/**
 * JobQueue: durable, at-least-once background jobs with priorities and lanes.
 * Adapters: SQLite-backed local queue (src/adapters/job-queue/sqlite), BullMQ (src/adapters/job-queue/bullmq),
 * SQS FIFO queue whose jobs the platform delivers to a function (src/adapters/job-queue/sqs).
 * Conformance suite: test/conformance/job-queue-suite.ts.
 *
 * What a queue offers beyond enqueue, counts, ping and close is declared in `capabilities` (never
 * probed): workers in this process (`workers`), jobs kept by id (`lookup`), and how long an
 * idempotency key is recognised (`idempotency`). SQLite and BullMQ offer all of it; an SQS queue
 * feeding a Lambda function has no workers here and keeps no job to look up.
 *
 * Semantics every adapter keeps:
 * - enqueue checks its arguments (ValidationError) and a job enqueued is delivered to a handler with
 *   its payload, at least once.
 * - enqueue with an idempotency key: a second enqueue with the same key, within what
 *   `capabilities.idempotency` declares, returns the first job's id and makes no second job.
 * - a handler that throws is retried up to maxAttempts, except when the error is permanent
 *   (isPermanent(err) from core/errors): then the job is not run again.
 *
 * Semantics of queues with workers (`capabilities.workers`):
 * - a job is leased to one worker at a time; the lease is renewed (heartbeat) while the handler runs.
 *   A worker that dies loses the lease after `leaseMs` and another worker takes the job (attempt + 1).
 * - retries wait with exponential backoff.
 * - cancel() (`capabilities.lookup`): a waiting job never runs; a running job in this process sees
 *   its AbortSignal fire.
 *
 * Lanes. Every job type belongs to exactly one lane (`jobLaneOf`), and each lane has workers and
 * slots of its own: a job never waits for a slot held by a job of another lane. A worker started
 * with `lane` takes only that lane's jobs; a worker started without one serves every lane, with
 * `concurrency` slots in each. So the first playable output of a new upload (`prepare`) never
 * queues behind a long `ladder`, even on a machine with one worker, and a webhook delivery
 * (`webhook`) never waits for an encode. A job whose lane no worker
 * serves waits. getJob, cancel and counts see every job whatever its lane.
 *
 * Priorities. Within a lane, a worker with a free slot takes the waiting job of the highest
 * priority (high, then normal, then low), and among jobs of one priority the one that became due
 * first (FIFO). A job in retry backoff waits until its delay has passed, whatever its priority.
 * A running job is never pre-empted by a higher-priority one: priorities order waiting jobs only.
 */

import type { LadderPlan } from '../model/ladder-plan.ts';

/** The former single-stage job: probe, first playable output and the whole ladder in one. */
export interface TranscodeJobPayload {
  type: 'transcode';
  videoId: string;
  sourceKey: string;
}

/** First stage of an upload: probe, validate, plan, and the first playable output. Must run fast. */
export interface PrepareJobPayload {
  type: 'prepare';
  videoId: string;
  sourceKey: string;
  /** Names a retry (absent for the first run): its job gets an idempotency key of its own. */
  retry?: string;
  /**
   * Encode attempts of this stage made before this job, by an encode backend that completes by
   * event (a failed job of such a backend comes back as a new job); absent: none.
   */
  priorAttempts?: number;
}

/** Second stage: the full ladder of renditions (long). */
export interface LadderJobPayload {
  type: 'ladder';
  videoId: string;
  sourceKey: string;
  /** The video's encode attempt (started by its `prepare`) this ladder belongs to; absent: its current one. */
  attemptId?: string;
  /** ETag of the source version `prepare` probed: the ladder encodes that version; absent: the current one. */
  sourceEtag?: string;
  /** Names a retry of the ladder of the same attempt (an encode that completes by event failed): its job gets a key of its own. */
  retry?: string;
  /** As for `prepare`: encode attempts of this ladder made before this job. */
  priorAttempts?: number;
}

/**
 * One part of a ladder split into parts (split-ladder.ts): a time range of its video rungs
 * (`chunk`), or the rest (audio, stills, captions; `chunk` absent). Queued by the `ladder` job of the
 * attempt; the part that finds every part done stitches them (stitch-ladder.ts).
 */
export interface LadderPartJobPayload {
  type: 'ladder-part';
  videoId: string;
  sourceKey: string;
  attemptId: string;
  sourceEtag?: string;
  /** The range this part encodes; absent: the rest. */
  chunk?: { index: number; startSec: number; frames: number | null; firstSegment: number };
  /** How many chunks the ladder was split into (the rest not counted). */
  chunks: number;
  /** The ladder's plan, as its `ladder` job made it: every part encodes the same rungs. */
  plan: LadderPlan;
}

/** One attempt to deliver one event to one webhook endpoint (its record: the catalog's delivery log). */
export interface WebhookJobPayload {
  type: 'webhook';
  /** The video the event is about. */
  videoId: string;
  endpointId: string;
  eventId: string;
  /** The delivery attempt this job makes (absent: the first); a retry is a new, delayed job. */
  attempt?: number;
}

/** The jobs of the encoding pipeline (every one but webhook deliveries). */
export type EncodeJobPayload = TranscodeJobPayload | PrepareJobPayload | LadderJobPayload | LadderPartJobPayload;

/** Discriminated union of every job vodkit runs. */
export type JobPayload = TranscodeJobPayload | PrepareJobPayload | LadderJobPayload | LadderPartJobPayload | WebhookJobPayload;

export type JobType = JobPayload['type'];

/** Every lane, in no particular order of importance (lanes do not compete for slots). */
export const jobLanes = ['prepare', 'ladder', 'webhook'] as const;

export type JobLane = (typeof jobLanes)[number];

/** The lane of each job type. */
export const jobLaneOf: Readonly<Record<JobType, JobLane>> = {
  prepare: 'prepare',
  ladder: 'ladder',
  'ladder-part': 'ladder',
  transcode: 'ladder',
  webhook: 'webhook',
};

/** Order in which waiting jobs of one lane are taken. */
export const jobPriorities = ['high', 'normal', 'low'] as const;

export type JobPriority = (typeof jobPriorities)[number];

export type JobState = 'waiting' | 'active' | 'completed' | 'failed' | 'cancelled';

export interface EnqueueOptions {
  idempotencyKey: string;
  /** Default: the queue's configured default (3). */
  maxAttempts?: number;
  /** Default: 'normal'. Kept by the job through retries and interruptions. */
  priority?: JobPriority;
  /**
   * The job is not run before this many milliseconds have passed (default 0). Only with
   * `capabilities.delays`; a queue without them refuses a positive delay (ValidationError).
   */
  delayMs?: number;
}

export interface JobInfo {
  id: string;
  payload: JobPayload;
  state: JobState;
  priority: JobPriority;
  /** Attempts started so far. */
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
}

export interface JobContext<P extends JobPayload = JobPayload> {
  id: string;
  payload: P;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  /** Fires when the job is cancelled or the worker stops without waiting. */
  signal: AbortSignal;
}

export type JobHandler = (ctx: JobContext) => Promise<void>;

export interface WorkOptions {
  /** Jobs run at once, per lane served (at least 1). */
  concurrency: number;
  /** The one lane this worker takes jobs from. Default: every lane, each with `concurrency` slots. */
  lane?: JobLane;
}

export interface QueueWorker {
  /**
   * graceful (default): take no new jobs and wait for running ones.
   * not graceful: abort running handlers (their jobs go back to waiting, attempt not counted as failed).
   */
  stop(options?: { graceful?: boolean }): Promise<void>;
}

/** Starts workers in this process that take the queue's jobs. */
export interface JobWorkers {
  work(handler: JobHandler, options: WorkOptions): QueueWorker;
}

/** Jobs kept by id once enqueued, to look up and to cancel. */
export interface JobLookup {
  getJob(id: string): Promise<JobInfo | null>;
  /** True when the job existed and was not finished. */
  cancel(id: string): Promise<boolean>;
}

/**
 * How long a second enqueue with an earlier one's idempotency key is recognised.
 * `windowMs: null`: for as long as the first job exists, whatever its state, type or lane; the
 * second enqueue returns that job with `created: false`.
 * `windowMs` a number: within that time of the first enqueue the second returns the first job's id
 * and makes no second job, but the queue cannot tell it was a duplicate (`created` is true); after
 * it, the key makes a new job. Callers stay safe because the stages themselves are idempotent.
 */
export interface JobIdempotency {
  windowMs: number | null;
}

/** What a queue offers beyond enqueue, counts, ping and close, declared by its adapter (never probed). */
export interface JobQueueCapabilities {
  /**
   * Set when `work()` in this process takes jobs from the queue (SQLite, BullMQ). Null when the
   * platform delivers each job to a function that runs the stage handler (SQS feeding a Lambda
   * function: deliverSqsJobs), so no worker can be started here.
   */
  workers: JobWorkers | null;
  /** Set when enqueued jobs can be looked up and cancelled by id. Null when the queue keeps none (SQS). */
  lookup: JobLookup | null;
  idempotency: JobIdempotency;
  /** Set when enqueue takes `delayMs` (SQLite, BullMQ). An SQS FIFO queue has no delay per message. */
  delays: boolean;
}

export interface JobQueue {
  readonly capabilities: JobQueueCapabilities;
  enqueue(payload: JobPayload, options: EnqueueOptions): Promise<{ id: string; created: boolean }>;
  /** Jobs by state; an adapter that cannot tell some states apart documents what it reports. */
  counts(): Promise<Record<JobState, number>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
