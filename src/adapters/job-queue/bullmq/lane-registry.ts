import type { Redis } from 'ioredis';
import { jobLanes, type JobLane } from '../../../core/ports/job-queue.ts';

/**
 * The lane whose BullMQ queue keeps the configured queue name. Jobs queued before lanes existed
 * (all of type 'transcode', now in this lane) are found there.
 */
export const defaultLane: JobLane = 'ladder';

/** The BullMQ queue name of a lane. */
export function laneQueueName(queueName: string, lane: JobLane): string {
  return lane === defaultLane ? queueName : `${queueName}-${lane}`;
}

/**
 * Records the lane of a job id unless one is recorded; returns the recorded lane. A job id with no
 * record whose job already exists in the default lane's queue is recorded there.
 * KEYS: registry hash, the default lane's job key. ARGV: id, lane wanted, default lane.
 */
const claimScript = `
local lane = redis.call('HGET', KEYS[1], ARGV[1])
if lane then return lane end
if redis.call('EXISTS', KEYS[2]) == 1 then lane = ARGV[3] else lane = ARGV[2] end
redis.call('HSET', KEYS[1], ARGV[1], lane)
return lane
`;

/**
 * Which lane's BullMQ queue holds each job id. Jobs of different lanes live in different queues,
 * so an idempotency key must be claimed for one lane atomically before its job is added there.
 */
export class LaneRegistry {
  constructor(
    private readonly redis: Redis,
    /** Hash: job id -> lane. */
    private readonly key: string,
    private readonly defaultLaneJobKey: (id: string) => string,
  ) {}

  /** The lane that holds (or will hold) job `id`: `lane` unless another lane claimed the id first. */
  async claim(id: string, lane: JobLane): Promise<JobLane> {
    const claimed = await this.redis.eval(claimScript, 2, this.key, this.defaultLaneJobKey(id), id, lane, defaultLane);
    return toLane(claimed);
  }

  async laneOf(id: string): Promise<JobLane> {
    return toLane(await this.redis.hget(this.key, id));
  }
}

function toLane(value: unknown): JobLane {
  return jobLanes.find((lane) => lane === value) ?? defaultLane;
}
