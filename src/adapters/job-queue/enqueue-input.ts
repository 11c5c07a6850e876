import { ValidationError } from '../../core/errors.ts';
import type { EnqueueOptions, JobPayload, JobState } from '../../core/ports/job-queue.ts';

const maxKeyLength = 1024;

/** Checks enqueue arguments and returns the job's maxAttempts. */
export function checkEnqueueInput(payload: JobPayload, options: EnqueueOptions, defaultMaxAttempts: number): number {
  if (payload === null || typeof payload !== 'object' || typeof payload.type !== 'string') {
    throw new ValidationError('a job payload must be an object with a string "type"');
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
  return maxAttempts;
}

export function checkConcurrency(concurrency: number): void {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ValidationError(`worker concurrency must be a whole number of at least 1 (got ${String(concurrency)})`);
  }
}

export function emptyCounts(): Record<JobState, number> {
  return { waiting: 0, active: 0, completed: 0, failed: 0, cancelled: 0 };
}
