import { ValidationError } from '../../core/errors.ts';
import {
  jobLaneOf,
  jobLanes,
  jobPriorities,
  type EnqueueOptions,
  type JobLane,
  type JobPayload,
  type JobPriority,
  type JobState,
  type WorkOptions,
} from '../../core/ports/job-queue.ts';

const maxKeyLength = 1024;

export interface CheckedEnqueue {
  maxAttempts: number;
  priority: JobPriority;
  lane: JobLane;
  /** Milliseconds before the job may run (0: at once). */
  delayMs: number;
}

/** Checks enqueue arguments and returns what the job is stored with. */
export function checkEnqueueInput(payload: JobPayload, options: EnqueueOptions, defaultMaxAttempts: number, delays = true): CheckedEnqueue {
  if (payload === null || typeof payload !== 'object' || typeof payload.type !== 'string') {
    throw new ValidationError('a job payload must be an object with a string "type"');
  }
  if (!Object.hasOwn(jobLaneOf, payload.type)) {
    throw new ValidationError(`unknown job type "${payload.type}" (known: ${Object.keys(jobLaneOf).join(', ')})`);
  }
  const key = options?.idempotencyKey;
  if (typeof key !== 'string' || key.length === 0) {
    throw new ValidationError('enqueue needs a non-empty idempotencyKey');
  }
  if (key.length > maxKeyLength) {
    throw new ValidationError(`idempotencyKey is longer than ${maxKeyLength} characters`);
  }
  const maxAttempts = options.maxAttempts ?? defaultMaxAttempts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new ValidationError(`maxAttempts must be a whole number of at least 1 (got ${String(maxAttempts)})`);
  }
  const priority = options.priority ?? 'normal';
  if (!jobPriorities.includes(priority)) {
    throw new ValidationError(`priority must be one of ${jobPriorities.join(', ')} (got ${String(priority)})`);
  }
  const delayMs = options.delayMs ?? 0;
  if (!Number.isInteger(delayMs) || delayMs < 0) {
    throw new ValidationError(`delayMs must be a whole number of milliseconds, at least 0 (got ${String(delayMs)})`);
  }
  if (delayMs > 0 && !delays) throw new ValidationError('this job queue cannot delay a job (it declares no delays)');
  return { maxAttempts, priority, lane: jobLaneOf[payload.type], delayMs };
}

/** Checks work() options and returns the lanes the worker serves. */
export function checkWorkOptions(options: WorkOptions): readonly JobLane[] {
  const { concurrency, lane } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ValidationError(`worker concurrency must be a whole number of at least 1 (got ${String(concurrency)})`);
  }
  if (lane === undefined) return jobLanes;
  if (!jobLanes.includes(lane)) {
    throw new ValidationError(`lane must be one of ${jobLanes.join(', ')} (got ${String(lane)})`);
  }
  return [lane];
}

export function emptyCounts(): Record<JobState, number> {
  return { waiting: 0, active: 0, completed: 0, failed: 0, cancelled: 0 };
}
