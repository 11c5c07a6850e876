import { createHash } from 'node:crypto';
import type { JobPayload, JobState } from '../../../core/ports/job-queue.ts';

/** What a BullMQ job carries: the payload and the token of the enqueue call that created it. */
export interface BullJobData {
  payload: JobPayload;
  enqueueToken: string;
}

/**
 * The BullMQ job id of an idempotency key: a hash, since BullMQ ids may not contain ':' and a
 * key may be long. Starts with a letter so it is never taken for a numeric id.
 */
export function jobIdForKey(idempotencyKey: string): string {
  return `j${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}`;
}

/** BullMQ's state names to the port's. null: the job no longer exists. */
export function toJobState(bullState: string): JobState | null {
  switch (bullState) {
    case 'completed':
      return 'completed';
    case 'failed':
      return 'failed';
    case 'active':
      return 'active';
    case 'unknown':
      return null;
    default:
      // waiting, delayed (a retry in backoff), prioritized, paused, waiting-children
      return 'waiting';
  }
}
