import type { Redis } from 'ioredis';
import type { JobPayload, JobPriority } from '../../../core/ports/job-queue.ts';

/** What the queue remembers of a cancelled job once BullMQ no longer holds it. */
export interface CancelRecord {
  payload: JobPayload;
  /** Absent from records written before priorities existed. */
  priority?: JobPriority;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  enqueueToken: string;
}

export interface CancelKeys {
  /** Hash: job id -> CancelRecord (JSON), for every cancelled job of every lane. */
  cancelled: string;
  /** Set: cancelled job ids whose BullMQ job still exists (not yet removed). */
  pending: string;
}

/** Keys of the BullMQ queue (lane) that holds the job. */
export interface JobQueueKeys {
  completed: string;
  failed: string;
  jobKey: (id: string) => string;
}

/**
 * Marks a job cancelled unless it is gone or finished. Atomic with BullMQ's own scripts, so a job
 * cannot complete between the check and the mark.
 */
const markScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('ZSCORE', KEYS[2], ARGV[1]) or redis.call('ZSCORE', KEYS[3], ARGV[1]) then return 0 end
if redis.call('HSETNX', KEYS[4], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('SADD', KEYS[5], ARGV[1])
return 1
`;

/**
 * BullMQ has no "cancelled" state: cancelled jobs are recorded here, then removed from BullMQ
 * (a waiting one at once, an active one after its worker lets go of it).
 */
export class Cancellations {
  constructor(
    private readonly redis: Redis,
    private readonly keys: CancelKeys,
  ) {}

  async mark(id: string, record: CancelRecord, queue: JobQueueKeys): Promise<boolean> {
    const { keys } = this;
    const marked = await this.redis.eval(
      markScript,
      5,
      queue.jobKey(id),
      queue.completed,
      queue.failed,
      keys.cancelled,
      keys.pending,
      id,
      JSON.stringify(record),
    );
    return marked === 1;
  }

  async get(id: string): Promise<CancelRecord | null> {
    const json = await this.redis.hget(this.keys.cancelled, id);
    return json ? (JSON.parse(json) as CancelRecord) : null;
  }

  async isCancelled(id: string): Promise<boolean> {
    return (await this.redis.hexists(this.keys.cancelled, id)) === 1;
  }

  async update(id: string, record: CancelRecord): Promise<void> {
    await this.redis.hset(this.keys.cancelled, id, JSON.stringify(record));
  }

  /** The BullMQ job of a cancelled id was removed. */
  async removedFromBull(id: string): Promise<void> {
    await this.redis.srem(this.keys.pending, id);
  }

  async pendingIds(): Promise<string[]> {
    return this.redis.smembers(this.keys.pending);
  }

  async count(): Promise<number> {
    return this.redis.hlen(this.keys.cancelled);
  }
}
