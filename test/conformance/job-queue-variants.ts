import type { JobHandler, JobLane, JobPayload, JobType } from '../../src/core/ports/job-queue.ts';
import { waitForState, type QueueTestKit, type WorkingQueue } from './job-queue-kit.ts';

/** Every behaviour of the JobQueue contract holds in each of these set-ups. */
export interface LaneVariant {
  title: string;
  type: Exclude<JobType, 'webhook' | 'ladder-part'>;
  /** The lane workers are started with (undefined: workers of every lane). */
  lane: JobLane | undefined;
}

export const laneVariants: LaneVariant[] = [
  { title: 'transcode jobs, workers of every lane', type: 'transcode', lane: undefined },
  { title: 'prepare jobs, prepare-lane workers', type: 'prepare', lane: 'prepare' },
];

/** The payload, worker and barrier helpers of one set-up. */
export function variantHelpers(kit: QueueTestKit, variant: LaneVariant) {
  const payload = (videoId: string): JobPayload => ({ type: variant.type, videoId, sourceKey: `uploads/${videoId}/source.mp4` });
  const work = (queue: WorkingQueue, handler: JobHandler, concurrency = 1) => kit.work(queue, handler, { concurrency, lane: variant.lane });

  /**
   * Enqueues a job and waits until it is completed: the workers of `queue` have since taken the job
   * due before it, so what they did not do by then can be checked. Their handler must let jobs
   * named "barrier…" complete.
   */
  async function barrier(queue: WorkingQueue, name: string): Promise<void> {
    const { id } = await queue.enqueue(payload(name), { idempotencyKey: name });
    await waitForState(queue, id, 'completed');
  }

  return { payload, work, barrier };
}
